//! Stage 1: C2–C7 boxes for every patient, one file per patient under
//! `RUN/stages/detect/`, then all of them in `RUN/boxes.json`.

use super::drive::{drive, StageOutcome};
use super::errors::PatientError;
use super::layout::{only_record, RunDir};
use super::localize::Localizer;
use crate::data::boxes::{read_boxes, write_boxes, SpineBoxes};
use crate::data::{study, DataError, GrayImage};
use rayon::prelude::*;
use std::path::Path;

const STAGE: &str = "detect";

/// Locates every patient of `ids` whose boxes are not yet on disk.
pub fn run(
    data: &Path,
    run: &RunDir,
    ids: &[String],
    batch: usize,
    localizer: &mut dyn Localizer,
) -> StageOutcome {
    let is_done = |id: &str| read_patient(run, id).is_ok();
    drive(STAGE, ids, batch, is_done, |chunk| {
        // Load the three sagittal slices of each patient (parallel I/O)
        let loaded: Vec<Result<[GrayImage; 3], DataError>> = chunk
            .par_iter()
            .map(|id| study::load_sagittal(data, id))
            .collect();

        // Locate the patients that loaded, as one batch
        let batch: Vec<(&str, &[GrayImage; 3])> = chunk
            .iter()
            .zip(&loaded)
            .filter_map(|(id, img)| img.as_ref().ok().map(|img| (id.as_str(), img)))
            .collect();
        let mut located = localizer.locate(&batch).into_iter();

        // Write each patient's boxes atomically; report the failures
        let results = chunk.iter().zip(loaded).map(|(id, img)| {
            img.map_err(|e| PatientError::from_data(id, STAGE, &e))?;
            let boxes = located.next().expect("one answer per located patient");
            let boxes = boxes.map_err(|e| PatientError::from_data(id, STAGE, &e))?;
            let path = run.patient_boxes(id);
            write_boxes(&path, &[boxes], true).map_err(|e| PatientError::from_data(id, STAGE, &e))
        });
        results.collect()
    })
}

/// One patient's boxes as written by this stage.
pub fn read_patient(run: &RunDir, id: &str) -> Result<SpineBoxes, DataError> {
    let path = run.patient_boxes(id);
    let file = read_boxes(&path, true)?;
    only_record(&path, id, file.patients, file.errors, |p| &p.id)
}

/// Gathers the boxes of `ids` (those present) into `RUN/boxes.json`.
pub fn collect(run: &RunDir, ids: &[String]) -> Result<Vec<SpineBoxes>, DataError> {
    let all: Vec<SpineBoxes> = ids
        .par_iter()
        .filter_map(|id| read_patient(run, id).ok())
        .collect();
    write_boxes(&run.boxes(), &all, true)?;
    Ok(all)
}
