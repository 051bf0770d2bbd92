//! Training curves with plotters: `curves.png` from a per-epoch CSV (see
//! `epoch_csv`), losses on the top panel and validation metrics below, one
//! line per column (and per group of rows, e.g. fold and model).

use super::epoch_csv::{read_epoch_csv, EpochTable, Series};
use super::font::text_available;
use super::raster::{write_chart, Canvas, DrawResult};
use super::ReportError;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Reads `csv` and writes its curves to `png` (1000×720).
pub fn write_curves(csv: &Path, png: &Path) -> Result<(), ReportError> {
    let table = read_epoch_csv(csv)?;
    draw_curves(&table, png, text_available())
}

/// Writes the curves of `table`; without `text` no caption, axis or legend
/// is drawn (for machines without a font).
pub fn draw_curves(table: &EpochTable, png: &Path, text: bool) -> Result<(), ReportError> {
    let (losses, metrics): (Vec<&Series>, Vec<&Series>) =
        table.series.iter().partition(|s| s.is_loss());
    let panels: Vec<(&str, Vec<&Series>)> = [("loss", losses), ("validation metrics", metrics)]
        .into_iter()
        .filter(|(_, series)| !series.is_empty())
        .collect();
    write_chart(png, (1000, 360 * panels.len().max(1) as u32), |root| {
        let areas = root.split_evenly((panels.len().max(1), 1));
        for ((title, series), area) in panels.iter().zip(&areas) {
            draw_panel(area, title, series, text)?;
        }
        Ok(())
    })
}

fn draw_panel(area: &Canvas, title: &str, series: &[&Series], text: bool) -> DrawResult {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let x = padded_range(points().map(|p| p.0));
    let y = padded_range(points().map(|p| p.1));
    let mut builder = ChartBuilder::on(area);
    builder.margin(16);
    if text {
        builder
            .caption(title, ("sans-serif", 22))
            .x_label_area_size(36)
            .y_label_area_size(56);
    }
    let corners = [(x.start, y.start), (x.end, y.end)];
    let epoch_ticks = ((x.end - x.start).round() as usize + 1).clamp(2, 12);
    let mut chart = builder.build_cartesian_2d(x, y)?;
    if text {
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_labels(epoch_ticks)
            .x_label_formatter(&epoch_label)
            .label_style(("sans-serif", 14))
            .draw()?;
    } else {
        chart.draw_series([Rectangle::new(corners, BLACK)])?;
    }
    for (k, s) in series.iter().enumerate() {
        let colour = Palette99::pick(k).to_rgba();
        let line = LineSeries::new(s.points.iter().copied(), colour.stroke_width(2));
        chart
            .draw_series(line)?
            .label(&s.name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3)));
        let dots = s.points.iter().map(|&p| Circle::new(p, 3, colour.filled()));
        chart.draw_series(dots)?;
    }
    if text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .position(legend_corner(title))
            .draw()?;
    }
    Ok(())
}

/// Epochs are whole numbers: other ticks get no label.
fn epoch_label(e: &f64) -> String {
    if (e - e.round()).abs() < 1e-6 {
        format!("{e:.0}")
    } else {
        String::new()
    }
}

/// Losses fall and metrics rise, so their legends sit where lines are not.
fn legend_corner(title: &str) -> SeriesLabelPosition {
    if title == "loss" {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::LowerRight
    }
}

/// Min..max of the finite values with 5 % padding; 0..1 when there are none.
pub(super) fn padded_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * 0.05).max(1e-3);
    (lo - pad)..(hi + pad)
}

/// [`write_curves`] for trainers: a chart that cannot be drawn is a
/// warning, never a failed training.
pub fn write_curves_or_warn(csv: &Path, png: &Path) {
    if let Err(e) = write_curves(csv, png) {
        tracing::warn!("cannot draw {}: {e}", png.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_draw_without_a_font() {
        let text = "epoch,loss,val_f1\n1,1.0,0.2\n2,0.5,nan\n3,0.4,0.5\n";
        let table = super::super::epoch_csv::parse_epoch_csv(text).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("curves.png");
        draw_curves(&table, &png, false).unwrap();
        let img = crate::data::image::load_gray_any_size(&png, "curves").unwrap();
        assert_eq!((img.width, img.height), (1000, 720));
        assert!(img.pixels.iter().any(|&p| p < 128), "lines are drawn");
    }

    #[test]
    fn ranges_are_padded() {
        assert_eq!(padded_range([f64::NAN].into_iter()), 0.0..1.0);
        let r = padded_range([1.0, 3.0].into_iter());
        assert!((r.start - 0.9).abs() < 1e-9 && (r.end - 3.1).abs() < 1e-9);
    }
}
