//! The per-epoch CSV written beside checkpoints and CV outputs:
//! `run,model,epoch,lr,loss,val_metric`, rewritten atomically after every
//! epoch so that a crashed run still leaves its history.

use crate::data::json::write_atomic;
use crate::data::DataError;
use std::path::PathBuf;

const HEADER: &str = "run,model,epoch,lr,loss,val_metric";

/// Collects epoch rows, logs each and mirrors them to a CSV file.
#[derive(Debug, Default)]
pub struct EpochLog {
    path: Option<PathBuf>,
    rows: Vec<String>,
}

impl EpochLog {
    /// A log that writes `path` (or only logs, with `None`).
    pub fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            rows: Vec::new(),
        }
    }

    /// Adds one epoch; `val` is the validation metric when there is one.
    pub fn push(
        &mut self,
        run: &str,
        model: &str,
        epoch: usize,
        lr: f64,
        loss: f64,
        val: Option<f64>,
    ) -> Result<(), DataError> {
        let val_text = val.map_or(String::new(), |v| format!("{v:.4}"));
        // The whole-spine head trains for many short epochs: debug level
        if model == "spine" {
            tracing::debug!("{run:>8} {model:<6} epoch {epoch:3}  loss {loss:.4}  val {val_text}");
        } else {
            tracing::info!("{run:>8} {model:<6} epoch {epoch:3}  loss {loss:.4}  val {val_text}");
        }
        self.rows.push(format!(
            "{run},{model},{epoch},{lr:.6},{loss:.5},{val_text}"
        ));
        match &self.path {
            Some(path) => write_atomic(path, self.csv().as_bytes()),
            None => Ok(()),
        }
    }

    /// The rows so far, without the header.
    pub fn rows(&self) -> &[String] {
        &self.rows
    }

    /// Replaces the rows with `rows` (those of a resumed training) and
    /// rewrites the file.
    pub fn restore(&mut self, rows: Vec<String>) -> Result<(), DataError> {
        self.rows = rows;
        match &self.path {
            Some(path) => write_atomic(path, self.csv().as_bytes()),
            None => Ok(()),
        }
    }

    pub fn csv(&self) -> String {
        let mut out = String::from(HEADER);
        out.push('\n');
        for row in &self.rows {
            out.push_str(row);
            out.push('\n');
        }
        out
    }
}
