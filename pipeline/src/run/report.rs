//! Stage 4: the official metric when the data folder has labels, written
//! to `RUN/report/metrics.json`, plus the pictures and HTML of the report.

use super::layout::RunDir;
use crate::data::labels::read_labels;
use crate::data::{json, DataError};
use crate::metric::{self, Score};
use std::path::Path;

/// Scores `RUN/predictions.json` against `DATA/train.json` if both exist.
/// Returns `None` when the cohort has no labels (an inference-only run).
pub fn score_run(data: &Path, run: &RunDir) -> Result<Option<Score>, DataError> {
    let labels_path = data.join("train.json");
    if !labels_path.exists() || !run.predictions().exists() {
        return Ok(None);
    }
    let labels = read_labels(&labels_path)?;
    let predictions = read_labels(&run.predictions())?;
    for err in labels.errors.iter().chain(&predictions.errors) {
        tracing::warn!("{err}");
    }

    // Only the patients of this run are scored (a shard, or a subset)
    let ran: std::collections::HashSet<String> = predictions
        .patients
        .iter()
        .map(|p| p.id.trim().to_lowercase())
        .collect();
    let labels: Vec<_> = labels
        .patients
        .into_iter()
        .filter(|l| ran.contains(&l.id.trim().to_lowercase()))
        .collect();
    let score = metric::score(&labels, &predictions.patients);
    json::write_pretty(&run.report().join("metrics.json"), &score)?;
    Ok((score.n_scored > 0).then_some(score))
}
