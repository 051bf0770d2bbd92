//! Trains a complete grader on a set of patients (per-level net, then the
//! whole-spine head) and scores patients with it, batching the model calls
//! on one thread.

use super::batch::{level_data, spine_data};
use super::log::EpochLog;
use super::resume::{Phase, TrainingState};
use super::scores::PatientScores;
use super::GradeError;
use crate::crops::PatientCrops;
use crate::data::PatientGrades;
use classifier::data::labels;
use classifier::thresholds::{class_f1, decide, macro_f1};
use classifier::train::{fit_levels, fit_spine, predict_levels, predict_spine, EpochStats};
use classifier::{Grader, GraderConfig, LevelData, SpineData};
use detector::adamw::AdamW;
use tch::{Device, Tensor};

/// Patients with their labels, index-aligned.
#[derive(Clone, Debug, Default)]
pub struct Cohort<'a> {
    pub crops: Vec<&'a PatientCrops>,
    pub labels: Vec<&'a PatientGrades>,
}

impl<'a> Cohort<'a> {
    /// The patients at `index`.
    pub fn subset(&self, index: &[usize]) -> Cohort<'a> {
        Cohort {
            crops: index.iter().map(|&i| self.crops[i]).collect(),
            labels: index.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.crops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.crops.is_empty()
    }
}

/// Trains both models on `train`; with `val`, each epoch also logs the
/// validation metric (mean of the two argmax macro-F1s of the model).
/// With `state`, the fit saves itself after every epoch under the name
/// `run` and first resumes from a state saved by an interrupted `run`.
pub fn fit_grader(
    train: &Cohort,
    val: Option<&Cohort>,
    cfg: &GraderConfig,
    device: Device,
    log: &mut EpochLog,
    run: &str,
    state: Option<&TrainingState>,
) -> Result<Grader, GradeError> {
    let saved = state.and_then(|s| s.progress(run, cfg, device, log));
    let (mut grader, level_resume, spine_resume) = match saved {
        None => (Grader::new(cfg, device)?, None, None),
        Some((g, Phase::Level, r)) => (g, Some(r), None),
        Some((g, Phase::Spine, r)) => (g, None, Some(r)),
    };
    // After every epoch: its log row, then (with `state`) the progress. The
    // first failure stops the fit; it is kept here with its type, while the
    // fit only learns that it must stop.
    let mut failed: Option<GradeError> = None;
    let mut after_epoch = |phase: Phase, metric, s: &EpochStats, opt: &AdamW, g: &Grader| {
        let row = log.push(run, phase.name(), s.epoch, s.learning_rate, s.loss, metric);
        let done = row.map_err(GradeError::from).and_then(|()| match state {
            Some(st) => st.save_progress(run, phase, s.epoch, g, opt, log),
            None => Ok(()),
        });
        done.map_err(|e| {
            let message = e.to_string();
            failed.get_or_insert(e);
            message
        })
    };

    // Per-level net, unless an interrupted fit had finished it
    let mut outcome = Ok(());
    if spine_resume.is_none() {
        let data = level_data(&train.crops, Some(&train.labels));
        let val_levels = val.map(|v| level_data(&v.crops, Some(&v.labels)));
        let g = &grader;
        let resume = level_resume.as_ref();
        outcome = fit_levels(&g.level, &g.level_vs, &data, cfg, resume, &mut |s, opt| {
            let metric = val_levels.as_ref().map(|v| level_metric(g, v));
            after_epoch(Phase::Level, metric, s, opt, g)
        })
        .map(drop);
    }

    // Whole-spine head
    if outcome.is_ok() {
        let data = spine_data(&train.crops, Some(&train.labels));
        let val_spine = val.map(|v| spine_data(&v.crops, Some(&v.labels)));
        grader
            .spine
            .fit_standardization(&data.geometry.to_device(device));
        let g = &grader;
        let resume = spine_resume.as_ref();
        outcome = fit_spine(&g.spine, &g.spine_vs, &data, cfg, resume, &mut |s, opt| {
            let metric = val_spine.as_ref().map(|v| spine_metric(g, v));
            after_epoch(Phase::Spine, metric, s, opt, g)
        })
        .map(drop);
    }
    match (failed, outcome) {
        (Some(e), _) => Err(e),
        (None, Err(problem)) => Err(GradeError::Mismatch(format!("{run}: {problem}"))),
        (None, Ok(())) => Ok(grader),
    }
}

/// Log-probabilities of every task for each patient, in input order.
pub fn score_patients(
    grader: &Grader,
    crops: &[&PatientCrops],
    batch: usize,
) -> Vec<PatientScores> {
    let device = grader.device();
    let levels = level_data(crops, None);
    let (disc, canal) = predict_levels(&grader.level, &levels, batch, device);
    let spine = spine_data(crops, None);
    let (qd, sl) = predict_spine(&grader.spine, &spine, batch, device);
    let (disc, canal) = (rows4(&disc), rows4(&canal));
    let (qd, sl) = (flat(&qd), flat(&sl));
    crops
        .iter()
        .enumerate()
        .map(|(i, c)| PatientScores {
            id: c.id.clone(),
            qd: qd[i * 3..i * 3 + 3].to_vec(),
            sl: sl[i * 2..i * 2 + 2].to_vec(),
            disc: (0..5).map(|d| disc[i * 11 + 2 * d + 1]).collect(),
            canal: canal[i * 11..i * 11 + 11].to_vec(),
        })
        .collect()
}

fn flat(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.flatten(0, -1)).expect("float scores convert")
}

fn rows4(t: &Tensor) -> Vec<[f32; 4]> {
    flat(t)
        .chunks(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect()
}

/// Mean of the disc and canal argmax macro-F1 on labelled rows.
fn level_metric(grader: &Grader, data: &LevelData) -> f64 {
    let (disc, canal) = predict_levels(&grader.level, data, 256, grader.device());
    let f = |lp: &Tensor, y: &Tensor| {
        let (truth, pred) = labelled(&flat(lp), 4, &labels(y));
        macro_f1(&truth, &pred, 4)
    };
    (f(&disc, &data.disc) + f(&canal, &data.canal)) / 2.0
}

/// Mean of qd argmax macro-F1 and sl argmax F1 of class 0.
fn spine_metric(grader: &Grader, data: &SpineData) -> f64 {
    let (qd, sl) = predict_spine(&grader.spine, data, 256, grader.device());
    let (t_qd, p_qd) = labelled(&flat(&qd), 3, &labels(&data.qd));
    let (t_sl, p_sl) = labelled(&flat(&sl), 2, &labels(&data.sl));
    (macro_f1(&t_qd, &p_qd, 3) + class_f1(&t_sl, &p_sl, 0)) / 2.0
}

/// Argmax decisions and truths of the rows whose label is known.
fn labelled(scores: &[f32], classes: usize, truth: &[i64]) -> (Vec<usize>, Vec<usize>) {
    let pred = decide(scores, classes, &vec![0.0; classes]);
    truth
        .iter()
        .zip(pred)
        .filter(|(t, _)| **t >= 0)
        .map(|(&t, p)| (t as usize, p))
        .unzip()
}
