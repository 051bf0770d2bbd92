//! Typed errors of the classifier crate: bad configs and checkpoints that
//! are missing, truncated, of another kind or of another architecture.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("invalid grader config: {0}")]
    Config(String),
    #[error("{}: cannot read or write the checkpoint: {problem}", path.display())]
    Io { path: PathBuf, problem: String },
    #[error("{}: not a grader checkpoint: {problem}", path.display())]
    NotAGrader { path: PathBuf, problem: String },
    #[error("{}: checkpoint is of kind {found:?}, expected \"grader\"", path.display())]
    WrongKind { path: PathBuf, found: String },
    #[error("{}: checkpoint does not match its architecture: {problem}", path.display())]
    Architecture { path: PathBuf, problem: String },
    #[error("{}: not a usable grader training state: {problem}", path.display())]
    TrainingState { path: PathBuf, problem: String },
}

pub type Result<T> = std::result::Result<T, ClassifierError>;
