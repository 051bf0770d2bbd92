//! Stages 2 and 3: crops for every patient from its images and stage-1
//! boxes (written to `RUN/crops/<id>/`, manifest last), then grades from
//! the crops (one file per patient, then `RUN/predictions.json`).

use super::config::ResolvedRun;
use super::detect::read_patient;
use super::drive::{drive, StageOutcome};
use super::errors::PatientError;
use super::layout::{only_record, RunDir};
use crate::crops::{crop_study, read_crops, write_crops, CropConfig, PatientCrops, MANIFEST};
use crate::data::labels::{read_labels, write_labels, PatientGrades};
use crate::data::{study, DataError};
use crate::grade::{load_grader, predict};
use anyhow::{bail, Context};
use classifier::Grader;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The grader of a run, loaded once, with the crop settings it was
/// trained on (crops must match them).
pub struct RunGrader {
    pub grader: Grader,
    pub crops: CropConfig,
    /// The checkpoint, for error messages.
    pub path: PathBuf,
}

impl RunGrader {
    /// Loads the plan's grader checkpoint onto the plan's device.
    pub fn load(plan: &ResolvedRun) -> anyhow::Result<Self> {
        let Some(path) = &plan.config.grader else {
            bail!("the crop and grade stages need a grader: pass --grader or set `grader`")
        };
        let device = plan.config.device.resolve()?;
        let (grader, crops) = load_grader(path, device)
            .with_context(|| format!("cannot load grader {}", path.display()))?;
        Ok(Self {
            grader,
            crops,
            path: path.clone(),
        })
    }
}

/// Stage 2: crops every patient that has boxes and no complete crops yet.
pub fn crop_stage(
    plan: &ResolvedRun,
    run: &RunDir,
    ids: &[String],
    cfg: &CropConfig,
) -> StageOutcome {
    const STAGE: &str = "crop";
    // Done means complete: a manifest that parses, a crops.png that decodes
    // with every patch the manifest places in it at its size, cut with the
    // grader's settings; anything less is cut again
    let is_done = |id: &str| read_crops(&run.crops(id)).is_ok_and(|c| &c.config == cfg);
    drive(STAGE, ids, plan.config.batch_patients, is_done, |chunk| {
        chunk
            .par_iter()
            .map(|id| crop_one(&plan.data, run, id, cfg))
            .collect()
    })
}

fn crop_one(data: &Path, run: &RunDir, id: &str, cfg: &CropConfig) -> Result<(), PatientError> {
    const STAGE: &str = "crop";
    let data_err = |e: DataError| PatientError::from_data(id, STAGE, &e);
    let boxes = read_patient(run, id).map_err(|e| {
        let problem = format!("no boxes from the detect stage ({})", e.problem);
        PatientError::new(id, STAGE, &e.file, problem)
    })?;
    let study = study::load_study(data, id).map_err(data_err)?;
    let crops = crop_study(&study, &boxes, cfg)
        .map_err(|e| PatientError::new(id, STAGE, &run.crops(id), e.problem))?;

    // An old manifest goes first: while the images are replaced, the
    // folder must not look complete
    let manifest = run.crops(id).join(MANIFEST);
    match std::fs::remove_file(&manifest) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            let problem = format!("cannot remove the old manifest: {e}");
            return Err(PatientError::new(id, STAGE, &manifest, problem));
        }
        _ => {}
    }
    write_crops(&run.crops(id), &crops).map_err(data_err)
}

/// Stage 3: grades every patient with complete crops and no grades yet.
pub fn grade_stage(
    plan: &ResolvedRun,
    run: &RunDir,
    ids: &[String],
    model: &RunGrader,
) -> anyhow::Result<StageOutcome> {
    const STAGE: &str = "grade";
    let (grader, expected, path) = (&model.grader, &model.crops, &model.path);
    let is_done = |id: &str| read_patient_grades(run, id).is_ok();
    let batch_levels = plan.config.batch_patients.max(1) * 11;
    let outcome = drive(STAGE, ids, plan.config.batch_patients, is_done, |chunk| {
        // Read the crops (parallel I/O)
        let loaded: Vec<Result<PatientCrops, PatientError>> = chunk
            .par_iter()
            .map(|id| {
                let crops = read_crops(&run.crops(id)).map_err(|e| {
                    let problem = format!("no complete crops ({})", e.problem);
                    PatientError::new(id, STAGE, &e.file, problem)
                })?;
                if &crops.config != expected {
                    let problem = "crops were cut with other settings than the grader expects; \
                                   delete this folder to re-crop";
                    return Err(PatientError::new(id, STAGE, &run.crops(id), problem));
                }
                Ok(crops)
            })
            .collect();

        // Grade the patients whose crops loaded, as one batch
        let ready: Vec<&PatientCrops> = loaded.iter().filter_map(|c| c.as_ref().ok()).collect();
        // (none when every patient of the chunk failed to load)
        let graded = if ready.is_empty() {
            Ok(Vec::new())
        } else {
            predict(grader, expected, &ready, batch_levels)
        };
        let mut graded = match graded {
            Ok(grades) => grades.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => ready.iter().map(|_| Err(e.to_string())).collect(),
        }
        .into_iter();

        // Write each patient's grades atomically
        chunk
            .iter()
            .zip(loaded)
            .map(|(id, crops)| {
                crops?;
                let grades = graded.next().expect("one answer per graded patient");
                let grades = grades.map_err(|p| PatientError::new(id, STAGE, path, p))?;
                write_labels(&run.patient_grades(id), &[grades])
                    .map_err(|e| PatientError::from_data(id, STAGE, &e))
            })
            .collect()
    });
    collect(run, ids)?;
    Ok(outcome)
}

/// One patient's grades as written by stage 3.
pub fn read_patient_grades(run: &RunDir, id: &str) -> Result<PatientGrades, DataError> {
    let path = run.patient_grades(id);
    let file = read_labels(&path)?;
    only_record(&path, id, file.patients, file.errors, |p| &p.id)
}

/// Gathers the grades of `ids` (those present) into `RUN/predictions.json`.
pub fn collect(run: &RunDir, ids: &[String]) -> Result<Vec<PatientGrades>, DataError> {
    let all: Vec<PatientGrades> = ids
        .par_iter()
        .filter_map(|id| read_patient_grades(run, id).ok())
        .collect();
    write_labels(&run.predictions(), &all)?;
    Ok(all)
}
