//! Ablation chart: one group of bars per variant, one bar per metric, each
//! with a ±1 sd error bar over the variant's repeats (folds or seeds).

use super::font::text_available;
use super::raster::{write_chart, Canvas, DrawResult};
use super::ReportError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::Path;

/// One bar: `metric` of `variant`, mean and standard deviation over repeats.
#[derive(Clone, Debug, PartialEq)]
pub struct AblationBar {
    pub variant: String,
    pub metric: String,
    pub mean: f64,
    pub sd: f64,
}

/// Writes the grouped bar chart of `bars` to `png`. Variants and metrics
/// keep the order in which they first appear.
pub fn write_ablation_chart(
    bars: &[AblationBar],
    title: &str,
    png: &Path,
) -> Result<(), ReportError> {
    draw_ablation(bars, title, png, text_available())
}

/// As [`write_ablation_chart`]; without `text` no caption, axis or legend.
pub fn draw_ablation(
    bars: &[AblationBar],
    title: &str,
    png: &Path,
    text: bool,
) -> Result<(), ReportError> {
    if bars
        .iter()
        .any(|b| !b.mean.is_finite() || !b.sd.is_finite() || b.sd < 0.0)
    {
        return Err(ReportError::draw(
            png,
            "every bar needs a finite mean and sd >= 0",
        ));
    }
    let variants = first_seen(bars.iter().map(|b| b.variant.as_str()));
    let width = (240 + 110 * variants.len() as u32).clamp(640, 1800);
    write_chart(png, (width, 560), |root| draw_bars(root, bars, title, text))
}

fn draw_bars(root: &Canvas, bars: &[AblationBar], title: &str, text: bool) -> DrawResult {
    let variants = first_seen(bars.iter().map(|b| b.variant.as_str()));
    let metrics = first_seen(bars.iter().map(|b| b.metric.as_str()));
    let x = 0.0..variants.len().max(1) as f64;
    let y = value_range(bars);
    let corners = [(0.0, y.start), (variants.len().max(1) as f64, y.end)];

    let mut builder = ChartBuilder::on(root);
    builder.margin(16);
    if text {
        builder
            .caption(title, ("sans-serif", 22))
            .x_label_area_size(40)
            .y_label_area_size(56);
    }
    let mut chart = builder.build_cartesian_2d(x, y)?;
    if text {
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .label_style(("sans-serif", 15))
            .draw()?;
        // Variant names centred under their groups.
        let style = ("sans-serif", 15).into_font().into_text_style(root);
        let style = style.pos(Pos::new(HPos::Center, VPos::Top));
        for (i, name) in variants.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0f64.max(chart_floor(bars))));
            root.draw(&Text::new(name.to_string(), (px, py + 8), style.clone()))?;
        }
    } else {
        chart.draw_series([Rectangle::new(corners, BLACK)])?;
    }

    // One series per metric so that the legend names it.
    let step = 0.8 / metrics.len().max(1) as f64;
    for (j, metric) in metrics.iter().enumerate() {
        let colour = Palette99::pick(j).to_rgba();
        let mine: Vec<(f64, &AblationBar)> = bars
            .iter()
            .filter(|b| b.metric == *metric)
            .map(|b| (slot(&variants, &b.variant) + 0.1 + step * j as f64, b))
            .collect();
        let rects = mine.iter().map(|(x0, b)| {
            Rectangle::new([(*x0, 0.0), (x0 + step * 0.9, b.mean)], colour.filled())
        });
        chart
            .draw_series(rects)?
            .label(*metric)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
        let spread = mine.iter().filter(|(_, b)| b.sd > 0.0);
        let errors = spread.map(|(x0, b)| {
            let xc = x0 + step * 0.45;
            ErrorBar::new_vertical(
                xc,
                b.mean - b.sd,
                b.mean,
                b.mean + b.sd,
                BLACK.stroke_width(2),
                10,
            )
        });
        chart.draw_series(errors)?;
    }
    if text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
    }
    Ok(())
}

/// The value at the bottom of the y axis.
fn chart_floor(bars: &[AblationBar]) -> f64 {
    value_range(bars).start
}

fn slot(variants: &[&str], name: &str) -> f64 {
    variants.iter().position(|v| *v == name).unwrap_or(0) as f64
}

/// 0..max(mean + sd) with room for the legend; below 0 when a bar is.
fn value_range(bars: &[AblationBar]) -> Range<f64> {
    let hi = bars.iter().map(|b| b.mean + b.sd).fold(0.0, f64::max);
    let lo = bars
        .iter()
        .map(|b| (b.mean - b.sd).min(b.mean))
        .fold(0.0, f64::min);
    let hi = if hi <= 0.0 { 1.0 } else { hi * 1.25 };
    lo..hi
}

fn first_seen<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(variant: &str, metric: &str, mean: f64, sd: f64) -> AblationBar {
        let (variant, metric) = (variant.into(), metric.into());
        AblationBar {
            variant,
            metric,
            mean,
            sd,
        }
    }

    #[test]
    fn bars_draw_without_a_font_and_refuse_bad_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("bars.png");
        let bars = [bar("a", "f1", 0.5, 0.1), bar("b", "f1", 0.3, 0.0)];
        draw_ablation(&bars, "t", &png, false).unwrap();
        assert!(png.is_file());
        let bad = [bar("a", "f1", f64::NAN, 0.1)];
        assert!(draw_ablation(&bad, "t", &png, false).is_err());
        assert_eq!(value_range(&bars), 0.0..0.6 * 1.25);
    }

    #[test]
    fn variants_keep_their_first_order() {
        assert_eq!(
            first_seen(["b", "a", "b", "c"].into_iter()),
            vec!["b", "a", "c"]
        );
    }
}
