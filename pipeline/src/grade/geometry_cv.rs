//! Cross-validation of the whole-spine head fed only box geometry: the
//! check that box positions alone carry curvature and alignment. Uses the
//! same folds, cross-fitted offsets and metrics as the full grader.

use super::batch::geometry_data;
use super::folds::{assign_folds, out_of_fold, split};
use super::log::EpochLog;
use super::scores::{tune_thresholds, PatientScores};
use super::GradeError;
use crate::data::PatientGrades;
use classifier::data::Rows;
use classifier::thresholds::{class_f1, decide, macro_f1};
use classifier::train::{fit_spine, predict_spine};
use classifier::{ColumnBoxes, Grader, GraderConfig, SpineData, TuneConfig};
use serde::Serialize;
use tch::{Device, Kind, Tensor};

/// Out-of-fold figures of the geometry-only head.
#[derive(Clone, Debug, Serialize)]
pub struct GeometryCv {
    pub patients: usize,
    pub folds: usize,
    /// Curvature macro-F1 with cross-fitted offsets.
    pub qd_macro_f1: f64,
    /// Alignment F1 of class 0 with cross-fitted offsets.
    pub sl_f1_class0: f64,
    /// The same two with plain argmax.
    pub qd_macro_f1_argmax: f64,
    pub sl_f1_class0_argmax: f64,
}

/// Runs `folds`-fold CV over the patients' mid-slice boxes. Each fold
/// trains `members` heads from seeds `1000·seed + 0, 1, …` and averages
/// their log-probabilities, which steadies a head trained on a few hundred
/// patients (its score otherwise moves with the initial weights).
pub fn geometry_cv(
    boxes: &[ColumnBoxes],
    labels: &[&PatientGrades],
    cfg: &GraderConfig,
    folds: usize,
    members: usize,
    tune: &TuneConfig,
    log: &mut EpochLog,
) -> Result<GeometryCv, GradeError> {
    let mut cfg = cfg.clone();
    cfg.spine.use_image = false;
    cfg.spine.use_geometry = true;
    let data = geometry_data(boxes, Some(labels));
    let fold_of = assign_folds(boxes.len(), folds, cfg.seed);
    let mut failure = None;
    let scores = out_of_fold(
        &fold_of,
        folds,
        |f, train_idx| {
            let mut heads = Vec::new();
            for m in 0..members.max(1) {
                let mut member = cfg.clone();
                member.seed = cfg.seed * 1000 + m as u64;
                let run = format!("fold{f}m{m}");
                match fit_geometry(&data, train_idx, &member, log, &run) {
                    Ok(g) => heads.push(g),
                    Err(e) => failure = Some(e),
                }
            }
            heads
        },
        |heads, test_idx| average(heads.iter().map(|g| predict_rows(g, &data, test_idx))),
    );
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(summarise(&fold_of, folds, &scores, labels, tune))
}

/// Mean of the members' qd and sl log-probabilities, row by row.
fn average(members: impl Iterator<Item = Vec<PatientScores>>) -> Vec<PatientScores> {
    let members: Vec<Vec<PatientScores>> = members.collect();
    let Some(first) = members.first() else {
        return Vec::new();
    };
    let n = members.len() as f32;
    let mean = |i: usize, f: fn(&PatientScores) -> &Vec<f32>| -> Vec<f32> {
        (0..f(&first[i]).len())
            .map(|k| members.iter().map(|m| f(&m[i])[k]).sum::<f32>() / n)
            .collect()
    };
    (0..first.len())
        .map(|i| PatientScores {
            qd: mean(i, |s| &s.qd),
            sl: mean(i, |s| &s.sl),
            ..first[i].clone()
        })
        .collect()
}

fn fit_geometry(
    data: &SpineData,
    rows: &[usize],
    cfg: &GraderConfig,
    log: &mut EpochLog,
    run: &str,
) -> Result<Grader, GradeError> {
    let mut grader = Grader::new(cfg, Device::Cpu)?;
    let train = data.select(&index(rows), Device::Cpu);
    grader.spine.fit_standardization(&train.geometry);
    fit_spine(
        &grader.spine,
        &grader.spine_vs,
        &train,
        cfg,
        None,
        &mut |s, _| {
            log.push(run, "spine", s.epoch, s.learning_rate, s.loss, None)
                .map_err(|e| e.to_string())
        },
    )
    .map_err(GradeError::Mismatch)?;
    Ok(grader)
}

/// Spine scores of `rows` as patient scores (level parts left empty).
fn predict_rows(grader: &Grader, data: &SpineData, rows: &[usize]) -> Vec<PatientScores> {
    let part = data.select(&index(rows), Device::Cpu);
    let (qd, sl) = predict_spine(&grader.spine, &part, 256, Device::Cpu);
    let (qd, sl) = (floats(&qd), floats(&sl));
    (0..rows.len())
        .map(|i| PatientScores {
            id: String::new(),
            qd: qd[3 * i..3 * i + 3].to_vec(),
            sl: sl[2 * i..2 * i + 2].to_vec(),
            disc: vec![[0.0; 4]; 5],
            canal: vec![[0.0; 4]; 11],
        })
        .collect()
}

fn summarise(
    fold_of: &[usize],
    folds: usize,
    scores: &[PatientScores],
    labels: &[&PatientGrades],
    tune: &TuneConfig,
) -> GeometryCv {
    let (mut qd_pred, mut sl_pred) = (vec![0; scores.len()], vec![0; scores.len()]);
    for f in 0..folds {
        let (others, own) = split(fold_of, f);
        let s: Vec<PatientScores> = others.iter().map(|&i| scores[i].clone()).collect();
        let l: Vec<&PatientGrades> = others.iter().map(|&i| labels[i]).collect();
        let t = tune_thresholds(&s, &l, tune);
        for i in own {
            qd_pred[i] = decide(&scores[i].qd, 3, &t.qd)[0];
            sl_pred[i] = decide(&scores[i].sl, 2, &t.sl)[0];
        }
    }
    let qd_true: Vec<usize> = labels.iter().map(|g| g.qd as usize).collect();
    let sl_true: Vec<usize> = labels.iter().map(|g| g.sl as usize).collect();
    let argmax = |rows: Vec<&[f32]>, k: usize| decide(&rows.concat(), k, &vec![0.0; k]);
    let qd_arg = argmax(scores.iter().map(|s| s.qd.as_slice()).collect(), 3);
    let sl_arg = argmax(scores.iter().map(|s| s.sl.as_slice()).collect(), 2);
    GeometryCv {
        patients: scores.len(),
        folds,
        qd_macro_f1: macro_f1(&qd_true, &qd_pred, 3),
        sl_f1_class0: class_f1(&sl_true, &sl_pred, 0),
        qd_macro_f1_argmax: macro_f1(&qd_true, &qd_arg, 3),
        sl_f1_class0_argmax: class_f1(&sl_true, &sl_arg, 0),
    }
}

fn index(rows: &[usize]) -> Tensor {
    let rows: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
    Tensor::from_slice(&rows).to_kind(Kind::Int64)
}

fn floats(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.flatten(0, -1)).expect("float scores convert")
}
