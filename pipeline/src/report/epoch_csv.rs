//! Per-epoch CSV files of the trainers, read into chart series. The header
//! names the columns; `epoch` is required. Columns whose first value is not
//! a number (`run`, `model`, `fold`) label groups of rows: every numeric
//! column of every group becomes one series. Bookkeeping columns (`lr`,
//! `seconds`, …) are not plotted; blank and `nan` cells leave a gap.

use super::ReportError;
use std::path::Path;

/// Columns that are not training curves.
const BOOKKEEPING: [&str; 8] = [
    "lr",
    "learning_rate",
    "seconds",
    "secs",
    "time",
    "elapsed",
    "step",
    "wall",
];

/// One line of a chart: a numeric column within one group of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text: the column, prefixed by the group when there are groups.
    pub name: String,
    pub column: String,
    /// (epoch, value), finite values only, in file order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// Losses go to the top panel, everything else to the metric panel.
    pub fn is_loss(&self) -> bool {
        self.column.to_lowercase().contains("loss")
    }
}

/// The plotted content of a per-epoch CSV.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochTable {
    pub series: Vec<Series>,
}

/// Reads a per-epoch CSV; errors name the file and the line.
pub fn read_epoch_csv(path: &Path) -> Result<EpochTable, ReportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| csv_error(path, 0, format!("cannot read: {e}")))?;
    parse_epoch_csv(&text).map_err(|(line, problem)| csv_error(path, line, problem))
}

fn csv_error(path: &Path, line: usize, problem: impl Into<String>) -> ReportError {
    ReportError::Csv {
        file: path.to_owned(),
        line,
        problem: problem.into(),
    }
}

type LineError = (usize, String);

/// Parses CSV text; an error is (1-based line, problem).
pub fn parse_epoch_csv(text: &str) -> Result<EpochTable, LineError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or((1, "empty file".to_owned()))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let epoch = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("epoch"))
        .ok_or((1, "no `epoch` column in the header".to_owned()))?;
    let rows: Vec<(usize, Vec<&str>)> = lines
        .map(|(i, l)| (i, l.split(',').map(str::trim).collect()))
        .collect();
    if let Some((i, row)) = rows.iter().find(|(_, r)| r.len() != names.len()) {
        let problem = format!("{} cells, the header has {}", row.len(), names.len());
        return Err((*i, problem));
    }
    let labels = label_columns(rows.first().map(|(_, r)| r.as_slice()), epoch);
    let mut table = Grouped::default();
    for (i, row) in &rows {
        let x = number(row[epoch]).map_err(|p| (*i, p))?;
        let x = x.ok_or((*i, "the `epoch` cell is empty".to_owned()))?;
        let group: Vec<&str> = labels.iter().map(|&c| row[c]).collect();
        for (c, name) in names.iter().enumerate() {
            if c == epoch || labels.contains(&c) || is_bookkeeping(name) {
                continue;
            }
            if let Some(y) = number(row[c]).map_err(|p| (*i, format!("`{name}`: {p}")))? {
                table.push(&group.join("/"), name, (x, y));
            }
        }
    }
    Ok(table.finish())
}

/// Columns whose first value is not a number label groups of rows.
fn label_columns(first: Option<&[&str]>, epoch: usize) -> Vec<usize> {
    let Some(first) = first else {
        return Vec::new();
    };
    (0..first.len())
        .filter(|&c| c != epoch && number(first[c]).is_err())
        .collect()
}

fn is_bookkeeping(name: &str) -> bool {
    BOOKKEEPING.iter().any(|b| name.eq_ignore_ascii_case(b))
}

/// A number, `None` for a blank or `nan` cell (or ±inf), else an error.
fn number(cell: &str) -> Result<Option<f64>, String> {
    if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    let v: f64 = cell
        .parse()
        .map_err(|_| format!("{cell:?} is not a number"))?;
    Ok(v.is_finite().then_some(v))
}

/// Series in order of first appearance of (group, column).
#[derive(Default)]
struct Grouped {
    series: Vec<(String, Series)>,
}

impl Grouped {
    fn push(&mut self, group: &str, column: &str, point: (f64, f64)) {
        let found = self
            .series
            .iter_mut()
            .find(|(g, s)| g == group && s.column == column);
        match found {
            Some((_, s)) => s.points.push(point),
            None => {
                let name = match group {
                    "" => column.to_owned(),
                    g => format!("{g} {column}"),
                };
                let column = column.to_owned();
                let series = Series {
                    name,
                    column,
                    points: vec![point],
                };
                self.series.push((group.to_owned(), series));
            }
        }
    }

    fn finish(self) -> EpochTable {
        EpochTable {
            series: self.series.into_iter().map(|(_, s)| s).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_columns_become_series_and_bookkeeping_is_dropped() {
        let text =
            "epoch,loss,lr,val_iou,seconds\n1,2.0,0.1,0.5,3\n2,1.0,0.1,nan,6\n3,0.5,0.1,0.7,9\n";
        let t = parse_epoch_csv(text).unwrap();
        let names: Vec<&str> = t.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["loss", "val_iou"]);
        assert_eq!(t.series[1].points, vec![(1.0, 0.5), (3.0, 0.7)]);
        assert!(t.series[0].is_loss() && !t.series[1].is_loss());
    }

    #[test]
    fn text_columns_group_the_rows() {
        let text = "run,model,epoch,lr,loss,val_metric\n\
                    fold0,disc,1,0.001,1.2,\n\
                    fold0,canal,1,0.001,1.5,0.3\n\
                    fold0,disc,2,0.001,0.9,0.4\n";
        let t = parse_epoch_csv(text).unwrap();
        let names: Vec<&str> = t.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "fold0/disc loss",
                "fold0/canal loss",
                "fold0/canal val_metric",
                "fold0/disc val_metric"
            ]
        );
        assert_eq!(t.series[0].points, vec![(1.0, 1.2), (2.0, 0.9)]);
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse_epoch_csv("epoch,loss\n1,0.5\n\n2,abc\n").unwrap_err();
        assert_eq!(err.0, 4);
        assert!(err.1.contains("\"abc\""), "{}", err.1);
        assert_eq!(parse_epoch_csv("epoch,loss\n1\n").unwrap_err().0, 2);
        assert_eq!(parse_epoch_csv("epoch,loss\n,0.5\n").unwrap_err().0, 2);
        assert_eq!(parse_epoch_csv("").unwrap_err().0, 1);
        assert_eq!(parse_epoch_csv("header only").unwrap_err().0, 1);
        assert_eq!(
            parse_epoch_csv("epoch,loss\n").unwrap(),
            EpochTable::default()
        );
    }
}
