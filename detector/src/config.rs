//! Serde configs of the detector: architecture, assignment and loss,
//! decoding, and optimisation. Every struct has defaults and refuses
//! unknown keys, so a TOML file can name only what it changes.

use serde::{Deserialize, Serialize};

/// Architecture: everything needed to rebuild the network from a checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Number of object classes (6 for C2–C7).
    pub num_classes: usize,
    /// Channels of the stem; later stages use 2×, 4× and 8× this width.
    pub width: i64,
    /// Side of the square input the network is trained on (pixels).
    pub image_size: i64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            num_classes: 6,
            width: 16,
            image_size: 224,
        }
    }
}

/// Target assignment and loss weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LossConfig {
    /// A cell is a candidate when its centre lies inside the box and within
    /// this many strides of the box centre.
    pub center_radius: f32,
    /// Two boxes with at least this IoU are one object: a cell assigned to
    /// one also learns the other's class.
    pub same_object_iou: f32,
    /// Weight of the GIoU box loss against the classification loss.
    pub box_weight: f64,
    /// Focusing exponent of the quality focal loss.
    pub focal_gamma: f64,
}

impl Default for LossConfig {
    fn default() -> Self {
        Self {
            center_radius: 2.5,
            same_object_iou: 0.7,
            box_weight: 2.0,
            focal_gamma: 2.0,
        }
    }
}

/// Decoding of raw outputs into boxes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecodeConfig {
    /// Cells below this class score are not candidates.
    pub min_score: f32,
    /// Candidates kept per class (after NMS) for anatomical decoding.
    pub candidates: usize,
    /// Anatomical decoding: a level is reported only when its chosen box
    /// scores above this; otherwise it is missing.
    pub missing_threshold: f32,
    /// Anatomical decoding: two chosen boxes may overlap at most this IoU.
    pub max_level_overlap: f32,
    /// NMS IoU threshold (per class).
    pub nms_iou: f32,
    /// At most this many boxes per image from NMS decoding.
    pub max_detections: usize,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        Self {
            min_score: 0.01,
            candidates: 8,
            missing_threshold: 0.25,
            max_level_overlap: 0.3,
            nms_iou: 0.6,
            max_detections: 100,
        }
    }
}

/// Optimisation: AdamW, linear warm-up then cosine decay, EMA of weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    /// Peak learning rate, reached at the end of warm-up.
    pub lr: f64,
    /// The cosine decays to `lr * final_lr_fraction`.
    pub final_lr_fraction: f64,
    pub warmup_epochs: f64,
    pub weight_decay: f64,
    /// EMA decay of the weights; 0 disables EMA.
    pub ema_decay: f64,
    /// Gradient-norm clip; 0 disables clipping.
    pub grad_clip: f64,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 16,
            lr: 2e-3,
            final_lr_fraction: 0.05,
            warmup_epochs: 1.0,
            weight_decay: 0.01,
            ema_decay: 0.998,
            grad_clip: 10.0,
            seed: 7,
        }
    }
}
