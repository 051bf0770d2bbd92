//! Stage 3 and its training: batches from crops and box geometry,
//! patient-level k-fold cross-validation with out-of-fold predictions,
//! offsets tuned for the scored metrics, checkpoints and prediction of
//! `PatientGrades`.
//!
//! ```text
//! crops + labels ──fit_grader──► Grader ──save_grader──► checkpoint
//! crops ──score_patients──► PatientScores ──decide(thresholds)──► grades
//! ```

pub mod batch;
pub mod bench;
pub mod cohort;
pub mod config;
pub mod cv;
pub mod fit;
pub mod folds;
pub mod geometry_cv;
pub mod log;
pub mod model;
pub mod resume;
pub mod scores;

pub use config::ClassifierFileConfig;
pub use fit::{fit_grader, score_patients, Cohort};
pub use model::{load_grader, predict, save_grader};
pub use scores::PatientScores;

use crate::crops::CropError;
use crate::data::DataError;
use classifier::ClassifierError;

/// Why grading or training failed.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error(transparent)]
    Classifier(#[from] ClassifierError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Crop(#[from] CropError),
    #[error("{0}")]
    Mismatch(String),
}
