//! The detector's side of the pipeline: studies and YOLO datasets turned
//! into tensor batches (with letterboxing and augmentation), the training
//! driver, evaluation, benchmarking, and detection over a folder of studies
//! into `boxes.json`. The network itself lives in the `detector` crate.
//!
//! Library entry points for other stages: [`SpineDetector::load`],
//! [`SpineDetector::detect_slices`] and [`SpineDetector::detect_patients`].

pub mod augment;
pub mod bench;
pub mod cohort;
pub mod config;
pub mod evaluate;
pub mod infer;
pub mod letterbox;
pub mod sample;
pub mod train;
pub mod yolo;

pub use config::{DataFormat, DetectorRunConfig};
pub use infer::SpineDetector;

use crate::data::DataError;
use detector::checkpoint::CheckpointError;

/// Why a detector job failed.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("config: {0}")]
    Config(String),
    #[error("image operation failed: {0}")]
    Image(String),
    #[error("{0}")]
    Input(String),
    #[error("libtorch: {0}")]
    Tch(#[from] tch::TchError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}
