//! `errors.json`: one record per patient that failed a stage, with the
//! file and the reason, so that a batch can finish and report.

use crate::data::{json, DataError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One failed patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientError {
    pub id: String,
    pub stage: String,
    pub file: String,
    pub problem: String,
}

impl PatientError {
    pub fn new(id: &str, stage: &str, file: &Path, problem: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            stage: stage.to_owned(),
            file: file.display().to_string(),
            problem: problem.into(),
        }
    }

    /// From a data-layer error; the patient falls back to `id`.
    pub fn from_data(id: &str, stage: &str, err: &DataError) -> Self {
        let id = err.patient.as_deref().unwrap_or(id);
        Self::new(id, stage, &err.file, err.problem.clone())
    }
}

/// Writes `errors.json` (an empty list when nothing failed).
pub fn write(path: &Path, errors: &[PatientError]) -> Result<(), DataError> {
    let mut sorted = errors.to_vec();
    sorted.sort_by(|a, b| (&a.id, &a.stage).cmp(&(&b.id, &b.stage)));
    json::write_pretty(path, &sorted)
}

/// Reads `errors.json`; a missing file is an empty list.
pub fn read(path: &Path) -> Result<Vec<PatientError>, DataError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let value = json::read_value(path)?;
    serde_json::from_value(value)
        .map_err(|e| DataError::file(path, format!("bad errors file: {e}")))
}
