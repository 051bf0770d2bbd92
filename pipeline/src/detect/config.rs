//! The TOML config of a detector training run (`configs/detector.toml`):
//! where the data is, the model, loss, optimisation, augmentation and
//! decoding settings. The resolved config is written beside the outputs.

use super::augment::AugmentConfig;
use detector::{DecodeConfig, LossConfig, ModelConfig, TrainConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How the data folder is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DataFormat {
    /// The official study layout with `bounding_box_train.json`; classes are
    /// C2–C7 and decoding is anatomical.
    #[default]
    Cervai,
    /// A YOLO dataset (`data.yaml`); decoding is per-class NMS.
    Yolo,
}

/// Where training and validation samples come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    pub format: DataFormat,
    /// Cohort folder (cervai) or `data.yaml` (yolo).
    pub root: PathBuf,
    /// cervai only: a separate validation cohort; without it, a
    /// patient-level split of `root` by `val_fraction`.
    pub val_root: Option<PathBuf>,
    pub val_fraction: f64,
    pub split_seed: u64,
    /// Use at most this many patients (cervai) or images per split (yolo);
    /// 0 for all.
    pub limit: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            format: DataFormat::Cervai,
            root: PathBuf::from("demo"),
            val_root: None,
            val_fraction: 0.2,
            split_seed: 11,
            limit: 0,
        }
    }
}

/// A whole training run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorRunConfig {
    /// Output folder: checkpoint, metrics CSV, resolved config.
    pub out: PathBuf,
    /// libtorch threads (0 keeps libtorch's default).
    pub threads: usize,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub loss: LossConfig,
    pub train: TrainConfig,
    pub augment: AugmentConfig,
    pub decode: DecodeConfig,
}

impl DetectorRunConfig {
    /// Reads a TOML config; unknown keys are an error.
    pub fn load(path: &Path) -> Result<Self, super::DetectError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| super::DetectError::Config(format!("{}: {e}", path.display())))?;
        toml::from_str(&text)
            .map_err(|e| super::DetectError::Config(format!("{}: {e}", path.display())))
    }

    /// The config as TOML, every default spelled out.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("configs serialise")
    }
}
