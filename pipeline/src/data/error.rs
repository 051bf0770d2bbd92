//! Typed errors of the data layer. Every error names the patient (when
//! known), the file and what is wrong, so a batch can report and go on.

use std::path::PathBuf;

/// What is wrong with one input.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {problem}", patient_prefix(patient), file.display())]
pub struct DataError {
    /// Patient id, when the error belongs to one patient.
    pub patient: Option<String>,
    /// The file (or folder) at fault.
    pub file: PathBuf,
    /// The problem, in words.
    pub problem: String,
}

impl DataError {
    pub fn new(
        patient: Option<&str>,
        file: impl Into<PathBuf>,
        problem: impl Into<String>,
    ) -> Self {
        Self {
            patient: patient.map(str::to_owned),
            file: file.into(),
            problem: problem.into(),
        }
    }

    /// Error about one patient's file.
    pub fn patient(id: &str, file: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Self::new(Some(id), file, problem)
    }

    /// Error about a file as a whole (no patient yet).
    pub fn file(file: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Self::new(None, file, problem)
    }
}

/// `"patient <id>: "`, or nothing for an error about a whole file.
fn patient_prefix(patient: &Option<String>) -> String {
    patient
        .as_deref()
        .map(|p| format!("patient {p}: "))
        .unwrap_or_default()
}

pub type Result<T> = std::result::Result<T, DataError>;
