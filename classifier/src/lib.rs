//! Graders: per-level 2.5D disc/canal networks and the whole-spine head.
//!
//! Takes patch and geometry tensors, returns grade logits; knows nothing of
//! files except its own checkpoints. Class weighting, focal loss and
//! decision offsets tuned for macro-F1 handle the skewed grades.

pub mod blocks;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod error;
pub mod geometry;
pub mod grader;
pub mod level_net;
pub mod loss;
pub mod resume;
pub mod spine_head;
pub mod thresholds;
pub mod train;

pub use config::{
    GraderConfig, LevelNetConfig, LossConfig, SliceMode, SpineHeadConfig, TrainConfig,
};
pub use data::{LevelData, Rows, SpineData};
pub use error::{ClassifierError, Result};
pub use geometry::{geometry_features, ColumnBoxes, GEOMETRY_FEATURES};
pub use grader::{Grader, Thresholds};
pub use thresholds::{Objective, TuneConfig};
