//! The config of `cervai run`: which models, where boxes come from, and
//! how the work is batched. Saved resolved as `RUN/config.toml`; a resumed
//! run must match it, so no run directory ever mixes two configs.

use crate::device::DeviceKind;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A stage of the pipeline, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// C2–C7 boxes per sagittal slice.
    Detect,
    /// Per-level sagittal 2.5D patches and axial patches.
    Crop,
    /// Disc, canal, curvature and alignment grades.
    Grade,
    /// Metrics (when labels exist), overlays and the HTML report.
    Report,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Detect, Stage::Crop, Stage::Grade, Stage::Report];

    pub fn name(self) -> &'static str {
        ["detect", "crop", "grade", "report"][self as usize]
    }
}

/// Where the boxes of stage 1 come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BoxSource {
    /// The trained detector.
    #[default]
    Detected,
    /// `bounding_box_train.json` of the data folder (for ablations).
    Truth,
}

/// Settings of a run; every field has a default so a TOML file may be
/// partial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Detector checkpoint (needed by the detect stage with detected boxes).
    pub detector: Option<PathBuf>,
    /// Grader checkpoint (needed by the crop and grade stages).
    pub grader: Option<PathBuf>,
    pub boxes: BoxSource,
    pub device: DeviceKind,
    /// libtorch threads; 0 keeps libtorch's default (all cores).
    pub threads: usize,
    /// Patients per model batch.
    pub batch_patients: usize,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            detector: None,
            grader: None,
            boxes: BoxSource::Detected,
            device: DeviceKind::Cpu,
            threads: 0,
            batch_patients: 32,
        }
    }
}

/// What `RUN/config.toml` records: the config plus the inputs it ran on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolvedRun {
    pub data: PathBuf,
    pub shard: String,
    pub config: RunConfig,
}

impl ResolvedRun {
    /// The fields that change outputs; threads, batch size and device do
    /// not (within float tolerance), so a resume may change them.
    pub fn same_outputs_as(&self, other: &ResolvedRun) -> bool {
        let key = |r: &ResolvedRun| {
            (
                r.data.clone(),
                r.shard.clone(),
                r.config.detector.clone(),
                r.config.grader.clone(),
            )
        };
        key(self) == key(other) && self.config.boxes == other.config.boxes
    }
}
