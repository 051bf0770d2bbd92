//! Patient-level k-fold cross-validation of the complete grader. Decision
//! offsets are cross-fitted: the offsets applied to fold f are tuned on
//! the out-of-fold scores of the other folds only, so the reported score
//! never uses a patient's own label. Offsets tuned on all out-of-fold
//! scores are returned for the final model.

use super::fit::{fit_grader, score_patients, Cohort};
use super::folds::{assign_folds, out_of_fold, split};
use super::log::EpochLog;
use super::resume::TrainingState;
use super::scores::{tune_thresholds, PatientScores};
use super::GradeError;
use crate::data::PatientGrades;
use crate::metric::{score, Score};
use classifier::{GraderConfig, Thresholds, TuneConfig};
use tch::Device;

/// What cross-validation produced.
#[derive(Debug)]
pub struct CvOutcome {
    /// Fold of each patient.
    pub folds: Vec<usize>,
    /// Out-of-fold scores, in patient order.
    pub scores: Vec<PatientScores>,
    /// Out-of-fold grades under cross-fitted offsets.
    pub predictions: Vec<PatientGrades>,
    /// Official score of `predictions`.
    pub score: Score,
    /// Offsets tuned on every out-of-fold score (for the final model).
    pub thresholds: Thresholds,
}

/// Settings of one cross-validation.
#[derive(Clone, Debug)]
pub struct CvSettings {
    pub folds: usize,
    pub seed: u64,
    pub device: Device,
    pub predict_batch: usize,
    pub tune: TuneConfig,
}

/// Trains `k` graders, each without one fold, and scores every patient
/// with the grader that never saw it. With `state`, finished folds are
/// recorded and read back, and an interrupted fold resumes (see
/// [`super::resume`]).
pub fn cross_validate(
    cohort: &Cohort,
    cfg: &GraderConfig,
    s: &CvSettings,
    log: &mut EpochLog,
    state: Option<&TrainingState>,
) -> Result<CvOutcome, GradeError> {
    let folds = assign_folds(cohort.len(), s.folds, s.seed);
    let mut failure = None;
    let scores = out_of_fold(
        &folds,
        s.folds,
        |f, train_idx| {
            let test_idx = split(&folds, f).1;
            if failure.is_some() {
                return vec![PatientScores::default(); test_idx.len()];
            }
            let (train, val) = (cohort.subset(train_idx), cohort.subset(&test_idx));
            let ids: Vec<&str> = val.crops.iter().map(|c| c.id.as_str()).collect();
            if let Some(done) = state.and_then(|st| st.finished_fold(f, &ids, log)) {
                return done;
            }
            let run = format!("fold{f}");
            let scored = fit_grader(&train, Some(&val), cfg, s.device, log, &run, state)
                .map(|g| score_patients(&g, &val.crops, s.predict_batch))
                .and_then(|scores| {
                    if let Some(st) = state {
                        st.save_fold(f, &scores, log)?;
                    }
                    Ok(scores)
                });
            scored.unwrap_or_else(|e| {
                failure.get_or_insert(e);
                vec![PatientScores::default(); test_idx.len()]
            })
        },
        |scores, _| scores.clone(),
    );
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(finish(folds, scores, &cohort.labels, &s.tune))
}

/// Cross-fitted decisions, their score and the final offsets.
pub fn finish(
    folds: Vec<usize>,
    scores: Vec<PatientScores>,
    labels: &[&PatientGrades],
    tune: &TuneConfig,
) -> CvOutcome {
    let predictions = cross_fitted(&folds, &scores, labels, tune);
    let truth: Vec<PatientGrades> = labels.iter().map(|&g| g.clone()).collect();
    let official = score(&truth, &predictions);
    let thresholds = tune_thresholds(&scores, labels, tune);
    CvOutcome {
        folds,
        scores,
        predictions,
        score: official,
        thresholds,
    }
}

/// Grades of fold f decided with offsets tuned on the other folds.
fn cross_fitted(
    folds: &[usize],
    scores: &[PatientScores],
    labels: &[&PatientGrades],
    tune: &TuneConfig,
) -> Vec<PatientGrades> {
    let k = folds.iter().max().map_or(0, |m| m + 1);
    let mut out: Vec<Option<PatientGrades>> = vec![None; scores.len()];
    for f in 0..k {
        let (others, own) = split(folds, f);
        let t = if others.is_empty() {
            Thresholds::default()
        } else {
            let s: Vec<PatientScores> = others.iter().map(|&i| scores[i].clone()).collect();
            let l: Vec<&PatientGrades> = others.iter().map(|&i| labels[i]).collect();
            tune_thresholds(&s, &l, tune)
        };
        for i in own {
            out[i] = Some(scores[i].decide(&t));
        }
    }
    out.into_iter()
        .map(|p| p.expect("every patient has a fold"))
        .collect()
}
