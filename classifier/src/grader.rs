//! A complete grader: the per-level net and the whole-spine head, each in
//! its own variable store, with the decision offsets tuned for the scored
//! metrics. Turns log-probabilities into grades.

use crate::config::GraderConfig;
use crate::error::{ClassifierError, Result};
use crate::level_net::{LevelNet, GRADES};
use crate::spine_head::{SpineHead, QD_CLASSES, SL_CLASSES};
use crate::thresholds::decide;
use serde::{Deserialize, Serialize};
use tch::{nn, Device};

/// Per-task decision offsets added to log-probabilities before argmax.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub qd: Vec<f32>,
    pub sl: Vec<f32>,
    pub disc: Vec<f32>,
    pub canal: Vec<f32>,
}

impl Default for Thresholds {
    /// Zero offsets: plain argmax.
    fn default() -> Self {
        Self {
            qd: vec![0.0; QD_CLASSES as usize],
            sl: vec![0.0; SL_CLASSES as usize],
            disc: vec![0.0; GRADES as usize],
            canal: vec![0.0; GRADES as usize],
        }
    }
}

impl Thresholds {
    /// Checks that every task has one offset per class.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let sizes = [
            ("qd", self.qd.len(), QD_CLASSES),
            ("sl", self.sl.len(), SL_CLASSES),
            ("disc", self.disc.len(), GRADES),
            ("canal", self.canal.len(), GRADES),
        ];
        for (name, got, want) in sizes {
            if got != want as usize {
                return Err(format!("{name} has {got} offsets, expected {want}"));
            }
        }
        Ok(())
    }
}

/// Grades decided from row-major log-probabilities with given offsets.
pub fn decide_rows(log_probs: &[f32], offsets: &[f32]) -> Vec<usize> {
    decide(log_probs, offsets.len(), offsets)
}

/// The trained models of one grader.
#[derive(Debug)]
pub struct Grader {
    pub config: GraderConfig,
    pub level_vs: nn::VarStore,
    pub level: LevelNet,
    pub spine_vs: nn::VarStore,
    pub spine: SpineHead,
    pub thresholds: Thresholds,
}

impl Grader {
    /// Freshly initialised models (seeded by `config.seed`) on `device`.
    pub fn new(config: &GraderConfig, device: Device) -> Result<Self> {
        validate(config)?;
        tch::manual_seed(config.seed as i64);
        let level_vs = nn::VarStore::new(device);
        let level = LevelNet::new(&level_vs.root(), &config.level);
        let spine_vs = nn::VarStore::new(device);
        let spine = SpineHead::new(&spine_vs.root(), &config.spine);
        Ok(Self {
            config: config.clone(),
            level_vs,
            level,
            spine_vs,
            spine,
            thresholds: Thresholds::default(),
        })
    }

    pub fn device(&self) -> Device {
        self.level_vs.device()
    }
}

/// Refuses configs that cannot build a working model.
pub fn validate(cfg: &GraderConfig) -> Result<()> {
    let bad = |m: &str| Err(ClassifierError::Config(m.to_owned()));
    if !cfg.spine.use_image && !cfg.spine.use_geometry {
        return bad("the whole-spine head needs the image, the geometry or both");
    }
    let sizes = [
        cfg.level.sagittal_size,
        cfg.level.axial_size,
        cfg.spine.image_height,
        cfg.spine.image_width,
    ];
    if sizes.iter().any(|&s| s < 8 || s % 8 != 0) {
        return bad("patch and image sizes must be positive multiples of 8");
    }
    if cfg.level.width < 1 || cfg.spine.width < 1 || cfg.level.hidden < 1 || cfg.spine.hidden < 1 {
        return bad("widths must be at least 1");
    }
    if cfg.train.batch_size == 0 || cfg.spine_train.batch_size == 0 {
        return bad("batch sizes must be at least 1");
    }
    Ok(())
}
