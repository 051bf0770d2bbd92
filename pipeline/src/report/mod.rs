//! Pictures and pages that people look at: per-patient overlays (OpenCV),
//! the self-contained HTML report of a run (`RUN/report/index.html`) and
//! training / ablation charts (plotters). Inputs are the run's own files
//! (`predictions.json`, `boxes.json`, `errors.json`, `config.toml`) and the
//! cohort's labels; nothing here needs a model.

pub mod bars;
pub mod curves;
pub mod epoch_csv;
pub mod font;
pub mod html;
pub mod label;
pub mod overlay;
pub mod raster;
pub mod run_report;
pub mod stats;
pub mod tables;

pub use bars::{write_ablation_chart, AblationBar};
pub use curves::{draw_curves, write_curves};
pub use epoch_csv::{read_epoch_csv, EpochTable, Series};
pub use overlay::{draw_overlay, write_overlay, OverlayInput};
pub use run_report::{write_run_report, ReportOptions, ReportSummary};

use crate::data::DataError;
use std::path::PathBuf;

/// What went wrong while making a report or a chart.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A run or cohort file could not be read or written.
    #[error(transparent)]
    Data(#[from] DataError),
    /// OpenCV or plotters failed while drawing `file`.
    #[error("{}: cannot draw: {problem}", file.display())]
    Draw { file: PathBuf, problem: String },
    /// A malformed CSV line.
    #[error("{}: line {line}: {problem}", file.display())]
    Csv {
        file: PathBuf,
        line: usize,
        problem: String,
    },
}

impl ReportError {
    pub fn draw(file: impl Into<PathBuf>, problem: impl ToString) -> Self {
        Self::Draw {
            file: file.into(),
            problem: problem.to_string(),
        }
    }
}
