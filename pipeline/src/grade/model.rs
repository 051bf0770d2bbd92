//! Saving and loading graders with the crop settings they were trained on,
//! and predicting `PatientGrades` for crops with a loaded grader.

use super::fit::score_patients;
use super::GradeError;
use crate::crops::{CropConfig, PatientCrops};
use crate::data::PatientGrades;
use classifier::{checkpoint, Grader};
use std::path::Path;
use tch::Device;

/// Writes the grader and `crops` (the settings its inputs were cut with).
pub fn save_grader(grader: &Grader, crops: &CropConfig, path: &Path) -> Result<(), GradeError> {
    let extra = serde_json::json!({ "crops": crops });
    Ok(checkpoint::save(grader, &extra, path)?)
}

/// Loads a grader and the crop settings it expects onto `device`.
pub fn load_grader(path: &Path, device: Device) -> Result<(Grader, CropConfig), GradeError> {
    let (grader, extra) = checkpoint::load(path, device)?;
    let crops = extra.get("crops").cloned().ok_or_else(|| {
        GradeError::Mismatch(format!("{}: no crop settings stored", path.display()))
    })?;
    let crops: CropConfig = serde_json::from_value(crops)
        .map_err(|e| GradeError::Mismatch(format!("{}: bad crop settings: {e}", path.display())))?;
    Ok((grader, crops))
}

/// Grades of each patient, in input order. Every patient's crops must have
/// been cut with `expected` (the grader's training settings).
pub fn predict(
    grader: &Grader,
    expected: &CropConfig,
    crops: &[&PatientCrops],
    batch: usize,
) -> Result<Vec<PatientGrades>, GradeError> {
    if let Some(bad) = crops.iter().find(|c| &c.config != expected) {
        return Err(GradeError::Mismatch(format!(
            "patient {}: crops were cut with other settings than the grader was trained on \
             (re-crop with the model's [crops] settings)",
            bad.id
        )));
    }
    let scores = score_patients(grader, crops, batch);
    Ok(scores
        .iter()
        .map(|s| s.decide(&grader.thresholds))
        .collect())
}
