//! Grader configuration: the per-level net, the whole-spine head, the loss
//! and the training schedule. Serde structs with defaults, so a TOML file
//! only names what it changes; every ablation is a change of these values.

use serde::{Deserialize, Serialize};

/// Which sagittal slices the per-level net sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SliceMode {
    /// Slices 5, 6, 7 stacked as three channels (2.5D).
    #[default]
    Stack,
    /// The mid-sagittal slice only (2D).
    Mid,
}

/// The per-level 2.5D grader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LevelNetConfig {
    /// Side of the square sagittal patch, pixels.
    pub sagittal_size: i64,
    /// Side of the square axial patch, pixels.
    pub axial_size: i64,
    /// 2.5D stack or mid-slice 2D.
    pub slices: SliceMode,
    /// Whether the axial branch is built and used.
    pub use_axial: bool,
    /// Channels of the first convolution stage (doubled at each stage).
    pub width: i64,
    /// Size of the learned level embedding.
    pub embed_dim: i64,
    /// Width of the shared hidden layer before the heads.
    pub hidden: i64,
    /// Dropout before the heads (training only).
    pub dropout: f64,
}

impl Default for LevelNetConfig {
    fn default() -> Self {
        Self {
            sagittal_size: 48,
            axial_size: 48,
            slices: SliceMode::Stack,
            use_axial: true,
            width: 8,
            embed_dim: 8,
            hidden: 64,
            dropout: 0.2,
        }
    }
}

/// The whole-spine head for curvature and alignment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpineHeadConfig {
    /// Whether the mid-sagittal column image is used.
    pub use_image: bool,
    /// Whether the box-geometry features are used.
    pub use_geometry: bool,
    /// Height of the column image (along the spine), pixels.
    pub image_height: i64,
    /// Width of the column image, pixels.
    pub image_width: i64,
    /// Channels of the first convolution stage of the image branch.
    pub width: i64,
    /// Width of the hidden layers.
    pub hidden: i64,
    /// Dropout before the heads (training only).
    pub dropout: f64,
}

impl Default for SpineHeadConfig {
    fn default() -> Self {
        Self {
            use_image: true,
            use_geometry: true,
            image_height: 96,
            image_width: 48,
            width: 8,
            hidden: 32,
            dropout: 0.3,
        }
    }
}

/// Class-imbalance handling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LossConfig {
    /// Weight classes by inverse frequency in the training data.
    pub class_weighting: bool,
    /// Exponent on inverse frequency: 1 full inverse, 0.5 its square root.
    pub weight_power: f64,
    /// Focal-loss exponent; 0 is plain cross-entropy.
    pub focal_gamma: f64,
}

impl Default for LossConfig {
    fn default() -> Self {
        Self {
            class_weighting: true,
            weight_power: 0.5,
            focal_gamma: 0.0,
        }
    }
}

/// One training schedule (AdamW, cosine decay).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Coupled L2 penalty `l2 · Σ w²` over the weights (not biases), added
    /// to the loss: the ridge of a logistic regression, for small data.
    pub l2: f64,
    /// Random brightness/contrast jitter of the patches while training.
    pub augment: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 12,
            batch_size: 64,
            learning_rate: 2e-3,
            weight_decay: 1e-4,
            l2: 0.0,
            augment: true,
        }
    }
}

/// Everything a trained grader was built with; stored in its checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraderConfig {
    pub level: LevelNetConfig,
    pub spine: SpineHeadConfig,
    /// Loss of the per-level net.
    pub loss: LossConfig,
    /// Loss of the whole-spine head.
    pub spine_loss: LossConfig,
    /// Schedule of the per-level net.
    pub train: TrainConfig,
    /// Schedule of the whole-spine head.
    pub spine_train: TrainConfig,
    /// Seed of weight initialisation, shuffling and augmentation.
    pub seed: u64,
}
