//! `configs/classifier.toml`: crop settings, the grader's model and
//! training settings, and the cross-validation set-up, all with defaults.
//! The resolved file is written beside every training's outputs.

use crate::crops::CropConfig;
use classifier::{
    GraderConfig, LevelNetConfig, LossConfig, SpineHeadConfig, TrainConfig, TuneConfig,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierFileConfig {
    /// Seed of folds, initialisation, shuffling and augmentation.
    pub seed: u64,
    /// Folds of patient-level cross-validation.
    pub folds: usize,
    /// libtorch intra-op threads (0 keeps libtorch's default).
    pub threads: usize,
    /// Rows per model call when predicting.
    pub predict_batch: usize,
    pub crops: CropConfig,
    pub level: LevelNetConfig,
    pub spine: SpineHeadConfig,
    pub loss: LossConfig,
    pub spine_loss: LossConfig,
    pub train: TrainConfig,
    pub spine_train: TrainConfig,
    pub tune: TuneConfig,
}

impl Default for ClassifierFileConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            folds: 5,
            threads: 2,
            predict_batch: 64,
            crops: CropConfig::default(),
            level: LevelNetConfig::default(),
            spine: SpineHeadConfig::default(),
            loss: LossConfig::default(),
            spine_loss: LossConfig {
                weight_power: 1.0,
                ..LossConfig::default()
            },
            train: TrainConfig::default(),
            spine_train: TrainConfig {
                epochs: 40,
                batch_size: 32,
                learning_rate: 3e-3,
                weight_decay: 1e-2,
                l2: 0.1,
                augment: true,
            },
            tune: TuneConfig::default(),
        }
    }
}

impl ClassifierFileConfig {
    /// Reads a TOML file; unknown keys are errors.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let cfg: Self = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        cfg.validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(cfg)
    }

    /// The resolved config as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("plain config serialises to TOML")
    }

    /// Checks the parts against each other.
    pub fn validate(&self) -> Result<(), String> {
        self.crops.validate()?;
        classifier::grader::validate(&self.grader()).map_err(|e| e.to_string())?;
        if self.folds < 2 {
            return Err("folds must be at least 2".into());
        }
        let c = &self.crops;
        let sizes_match = c.sagittal_size as i64 == self.level.sagittal_size
            && c.axial_size as i64 == self.level.axial_size
            && c.column_height as i64 == self.spine.image_height
            && c.column_width as i64 == self.spine.image_width;
        if !sizes_match {
            return Err("crop sizes must equal the model's input sizes \
                        ([crops] vs [level] and [spine])"
                .into());
        }
        Ok(())
    }

    /// The model part, as stored in checkpoints.
    pub fn grader(&self) -> GraderConfig {
        GraderConfig {
            level: self.level.clone(),
            spine: self.spine.clone(),
            loss: self.loss.clone(),
            spine_loss: self.spine_loss.clone(),
            train: self.train.clone(),
            spine_train: self.spine_train.clone(),
            seed: self.seed,
        }
    }
}
