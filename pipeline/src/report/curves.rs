//! Training and ablation charts with plotters. `curves.png` comes from a
//! per-epoch CSV (header row, an `epoch` column, any numeric columns):
//! losses on the top panel, validation metrics below.

use super::font::text_available;
use super::raster::{write_chart, Canvas, DrawResult};
use super::ReportError;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Numbers of a per-epoch CSV; `values[c][row]` belongs to `columns[c]`,
/// a blank or `nan` cell is `NaN` and is left out of the lines.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochTable {
    pub epochs: Vec<f64>,
    pub columns: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

impl EpochTable {
    /// Columns whose name contains "loss" (top panel) and the others.
    fn split(&self) -> (Vec<usize>, Vec<usize>) {
        (0..self.columns.len()).partition(|&c| self.columns[c].to_lowercase().contains("loss"))
    }
}

/// Reads a per-epoch CSV. The header must hold an `epoch` column; every
/// other cell must be a number, blank or `nan`.
pub fn read_epoch_csv(path: &Path) -> Result<EpochTable, ReportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| csv_error(path, 0, format!("cannot read: {e}")))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| csv_error(path, 1, "empty file"))?;
    let names: Vec<String> = header.split(',').map(|s| s.trim().to_owned()).collect();
    let epoch_col = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("epoch"))
        .ok_or_else(|| csv_error(path, 1, "no `epoch` column in the header"))?;
    let columns: Vec<String> = (0..names.len())
        .filter(|&c| c != epoch_col)
        .map(|c| names[c].clone())
        .collect();
    let mut table = EpochTable {
        epochs: Vec::new(),
        values: vec![Vec::new(); columns.len()],
        columns,
    };
    for (i, line) in lines {
        let row = parse_row(line, names.len()).map_err(|p| csv_error(path, i + 1, p))?;
        table.epochs.push(row[epoch_col]);
        let others = row.iter().enumerate().filter(|(c, _)| *c != epoch_col);
        others
            .zip(&mut table.values)
            .for_each(|((_, v), col)| col.push(*v));
    }
    if table.epochs.iter().any(|e| e.is_nan()) {
        return Err(csv_error(path, 0, "an `epoch` cell is empty"));
    }
    Ok(table)
}

fn parse_row(line: &str, width: usize) -> Result<Vec<f64>, String> {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() != width {
        return Err(format!("{} cells, the header has {width}", cells.len()));
    }
    let number = |c: &&str| match *c {
        "" => Ok(f64::NAN),
        s if s.eq_ignore_ascii_case("nan") => Ok(f64::NAN),
        s => s
            .parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number")),
    };
    cells.iter().map(number).collect()
}

fn csv_error(path: &Path, line: usize, problem: impl Into<String>) -> ReportError {
    ReportError::Csv {
        file: path.to_owned(),
        line,
        problem: problem.into(),
    }
}

/// Reads `csv` and writes its curves to `png` (1000×720).
pub fn write_curves(csv: &Path, png: &Path) -> Result<(), ReportError> {
    let table = read_epoch_csv(csv)?;
    draw_curves(&table, png, text_available())
}

/// Writes the curves of `table`; without `text` no caption, axis or legend
/// is drawn (for machines without a font).
pub fn draw_curves(table: &EpochTable, png: &Path, text: bool) -> Result<(), ReportError> {
    let (losses, metrics) = table.split();
    let panels: Vec<(&str, Vec<usize>)> = [("loss", losses), ("validation metrics", metrics)]
        .into_iter()
        .filter(|(_, cols)| !cols.is_empty())
        .collect();
    write_chart(png, (1000, 360 * panels.len().max(1) as u32), |root| {
        let areas = root.split_evenly((panels.len().max(1), 1));
        for ((title, cols), area) in panels.iter().zip(&areas) {
            draw_panel(area, table, title, cols, text)?;
        }
        Ok(())
    })
}

fn draw_panel(
    area: &Canvas,
    t: &EpochTable,
    title: &str,
    cols: &[usize],
    text: bool,
) -> DrawResult {
    let x = padded_range(t.epochs.iter().copied());
    let y = padded_range(cols.iter().flat_map(|&c| t.values[c].iter().copied()));
    let mut builder = ChartBuilder::on(area);
    builder.margin(16);
    if text {
        builder
            .caption(title, ("sans-serif", 22))
            .x_label_area_size(36)
            .y_label_area_size(56);
    }
    let corners = [(x.start, y.start), (x.end, y.end)];
    let mut chart = builder.build_cartesian_2d(x, y)?;
    if text {
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|e| format!("{e:.0}"))
            .label_style(("sans-serif", 14))
            .draw()?;
    } else {
        chart.draw_series([Rectangle::new(corners, BLACK)])?;
    }
    for (k, &c) in cols.iter().enumerate() {
        let colour = Palette99::pick(k).to_rgba();
        let points = t
            .epochs
            .iter()
            .zip(&t.values[c])
            .filter(|(_, v)| v.is_finite());
        let points: Vec<(f64, f64)> = points.map(|(e, v)| (*e, *v)).collect();
        let series = chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
        series
            .label(&t.columns[c])
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
    }
    if text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(legend_corner(title))
            .draw()?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> EpochTable {
        EpochTable {
            epochs: vec![1.0, 2.0, 3.0],
            columns: vec!["loss".into(), "val_f1".into()],
            values: vec![vec![1.0, 0.5, 0.4], vec![0.2, f64::NAN, 0.5]],
        }
    }

    #[test]
    fn curves_draw_without_a_font() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("curves.png");
        draw_curves(&table(), &png, false).unwrap();
        let img = crate::data::image::load_gray_any_size(&png, "curves").unwrap();
        assert_eq!((img.width, img.height), (1000, 720));
        assert!(img.pixels.iter().any(|&p| p < 128), "lines are drawn");
    }

    #[test]
    fn losses_and_metrics_go_to_their_panels() {
        assert_eq!(table().split(), (vec![0], vec![1]));
        assert_eq!(padded_range([f64::NAN].into_iter()), 0.0..1.0);
        let r = padded_range([1.0, 3.0].into_iter());
        assert!((r.start - 0.9).abs() < 1e-9 && (r.end - 3.1).abs() < 1e-9);
    }
}
