//! Adapters from the trained models to the stages: the detector as a
//! [`Localizer`], loaded once per run.

use super::localize::Localizer;
use crate::data::{DataError, GrayImage, SpineBoxes};
use crate::detect::SpineDetector;
use anyhow::Context;
use std::path::Path;

/// Loads a detector checkpoint as stage 1's localizer.
pub fn load_detector(path: &Path, device: tch::Device) -> anyhow::Result<Box<dyn Localizer>> {
    let detector = SpineDetector::load(path, device)
        .with_context(|| format!("cannot load detector {}", path.display()))?;
    Ok(Box::new(DetectorLocalizer {
        detector,
        path: path.to_owned(),
    }))
}

struct DetectorLocalizer {
    detector: SpineDetector,
    path: std::path::PathBuf,
}

impl Localizer for DetectorLocalizer {
    fn locate(&mut self, batch: &[(&str, &[GrayImage; 3])]) -> Vec<Result<SpineBoxes, DataError>> {
        match self.detector.detect_patients(batch) {
            Ok(found) => found.into_iter().map(Ok).collect(),
            // A batch-level failure is every patient's failure
            Err(e) => batch
                .iter()
                .map(|(id, _)| Err(DataError::patient(id, &self.path, format!("detector: {e}"))))
                .collect(),
        }
    }
}
