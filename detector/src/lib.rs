//! Anchor-free, single-stage C2–C7 detector written with tch.
//!
//! Takes image tensors `(batch, 1, height, width)` and returns boxes; knows
//! nothing of files except its own checkpoints. `model` holds the network,
//! `assign` and `loss` the training targets, `decode` turns scores into
//! boxes (anatomical or NMS), `metrics` scores them, `train` optimises.

pub mod adamw;
pub mod assign;
pub mod checkpoint;
pub mod config;
pub mod decode;
pub mod infer;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod resume;
pub mod train;

pub use assign::GtBox;
pub use config::{DecodeConfig, LossConfig, ModelConfig, TrainConfig};
pub use decode::Detection;
pub use train::{Model, Trainer};
