//! The official CervAI score of a prediction file against labels:
//! 0.2 × qd macro-F1 + 0.2 × sl F1 of class 0 + 0.3 × zjppt macro-F1 pooled
//! over the 5 discs + 0.3 × zyzg macro-F1 pooled over the 11 positions.
//! Macro-F1 follows scikit-learn's `f1_score(average="macro")`: the classes
//! averaged are those present in the labels or the predictions.

pub mod baseline;

use crate::anatomy::Position;
use crate::data::labels::{CANAL_CLASSES, DISC_CLASSES, QD_CLASSES, SL_CLASSES};
use crate::data::PatientGrades;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Weights of qd, sl, zjppt and zyzg in the official score.
pub const WEIGHTS: [f64; 4] = [0.2, 0.2, 0.3, 0.3];

/// A confusion matrix: `counts[true][predicted]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub counts: Vec<Vec<u64>>,
}

impl Confusion {
    pub fn new(classes: u8) -> Self {
        let n = classes as usize;
        Self {
            counts: vec![vec![0; n]; n],
        }
    }

    /// Counts a list of (true, predicted) pairs.
    pub fn from_pairs(classes: u8, pairs: impl IntoIterator<Item = (u8, u8)>) -> Self {
        let mut m = Self::new(classes);
        pairs.into_iter().for_each(|(t, p)| m.add(t, p));
        m
    }

    pub fn add(&mut self, truth: u8, pred: u8) {
        self.counts[truth as usize][pred as usize] += 1;
    }

    fn true_count(&self, c: usize) -> u64 {
        self.counts[c].iter().sum()
    }

    fn pred_count(&self, c: usize) -> u64 {
        self.counts.iter().map(|row| row[c]).sum()
    }

    /// F1 of class `c`; 0 when the class is neither true nor predicted
    /// (scikit-learn's `zero_division=0`).
    pub fn f1(&self, c: usize) -> f64 {
        let tp = self.counts[c][c];
        let denom = self.true_count(c) + self.pred_count(c);
        if denom == 0 {
            0.0
        } else {
            2.0 * tp as f64 / denom as f64
        }
    }

    /// Classes that occur in the labels or the predictions.
    pub fn present(&self) -> Vec<usize> {
        let n = self.counts.len();
        (0..n)
            .filter(|&c| self.true_count(c) + self.pred_count(c) > 0)
            .collect()
    }

    /// Mean F1 over the present classes; 0 with no samples.
    pub fn macro_f1(&self) -> f64 {
        let present = self.present();
        if present.is_empty() {
            return 0.0;
        }
        present.iter().map(|&c| self.f1(c)).sum::<f64>() / present.len() as f64
    }

    /// Number of (true, predicted) pairs counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }
}

/// One task's metric with the detail that reports show.
#[derive(Clone, Debug, Serialize)]
pub struct TaskScore {
    /// The official metric of this task.
    pub metric: f64,
    /// F1 of every class, present or not.
    pub f1_per_class: Vec<f64>,
    /// Classes averaged (present in labels or predictions).
    pub classes_averaged: Vec<usize>,
    pub confusion: Confusion,
}

impl TaskScore {
    fn macro_averaged(confusion: Confusion) -> Self {
        Self::with_metric(confusion.macro_f1(), confusion)
    }

    fn with_metric(metric: f64, confusion: Confusion) -> Self {
        let n = confusion.counts.len();
        Self {
            metric,
            f1_per_class: (0..n).map(|c| confusion.f1(c)).collect(),
            classes_averaged: confusion.present(),
            confusion,
        }
    }
}

/// The macro-F1 of one graded position on its own.
#[derive(Clone, Debug, Serialize)]
pub struct PositionScore {
    /// Anatomical name, e.g. `"C4-C5"`.
    pub position: String,
    pub macro_f1: f64,
    pub confusion: Confusion,
}

/// The official score and its parts.
#[derive(Clone, Debug, Serialize)]
pub struct Score {
    pub score: f64,
    pub qd: TaskScore,
    pub sl: TaskScore,
    pub zjppt: TaskScore,
    pub zyzg: TaskScore,
    /// zjppt per disc, C2-C3 … C6-C7.
    pub zjppt_by_disc: Vec<PositionScore>,
    /// zyzg per position, C2 … C7.
    pub zyzg_by_position: Vec<PositionScore>,
    /// Patients scored (in both files).
    pub n_scored: usize,
    /// Label ids with no prediction (left out of the score).
    pub missing: Vec<String>,
    /// Prediction ids with no label (ignored).
    pub ignored: Vec<String>,
}

/// Scores `predictions` against `labels` with the official rules. Ids are
/// compared trimmed and ignoring case.
pub fn score(labels: &[PatientGrades], predictions: &[PatientGrades]) -> Score {
    let key = |id: &str| id.trim().to_lowercase();
    let preds: HashMap<String, &PatientGrades> =
        predictions.iter().map(|p| (key(&p.id), p)).collect();
    let label_keys: HashSet<String> = labels.iter().map(|l| key(&l.id)).collect();

    // Pair every labelled patient with its prediction.
    let mut pairs = Vec::new();
    let mut missing = Vec::new();
    for label in labels {
        match preds.get(&key(&label.id)) {
            Some(pred) => pairs.push((label, *pred)),
            None => missing.push(label.id.clone()),
        }
    }
    let ignored = predictions
        .iter()
        .filter(|p| !label_keys.contains(&key(&p.id)))
        .map(|p| p.id.clone())
        .collect();

    let mut out = score_pairs(&pairs);
    out.missing = missing;
    out.ignored = ignored;
    out
}

/// Scores matched (label, prediction) pairs.
pub fn score_pairs(pairs: &[(&PatientGrades, &PatientGrades)]) -> Score {
    let qd = Confusion::from_pairs(QD_CLASSES, pairs.iter().map(|(t, p)| (t.qd, p.qd)));
    let sl = Confusion::from_pairs(SL_CLASSES, pairs.iter().map(|(t, p)| (t.sl, p.sl)));
    let disc = |d: usize| {
        Confusion::from_pairs(
            DISC_CLASSES,
            pairs.iter().map(|(t, p)| (t.zjppt[d], p.zjppt[d])),
        )
    };
    let canal = |i: usize| {
        Confusion::from_pairs(
            CANAL_CLASSES,
            pairs.iter().map(|(t, p)| (t.zyzg[i], p.zyzg[i])),
        )
    };
    let discs: Vec<Confusion> = (0..5).map(disc).collect();
    let canals: Vec<Confusion> = (0..11).map(canal).collect();

    let qd = TaskScore::macro_averaged(qd);
    let sl = TaskScore::with_metric(sl.f1(0), sl);
    let zjppt = TaskScore::macro_averaged(pooled(DISC_CLASSES, &discs));
    let zyzg = TaskScore::macro_averaged(pooled(CANAL_CLASSES, &canals));
    let metrics = [qd.metric, sl.metric, zjppt.metric, zyzg.metric];
    Score {
        score: WEIGHTS.iter().zip(metrics).map(|(w, m)| w * m).sum(),
        qd,
        sl,
        zjppt,
        zyzg,
        zjppt_by_disc: by_position(&Position::DISCS, discs),
        zyzg_by_position: by_position(&Position::ALL, canals),
        n_scored: pairs.len(),
        missing: Vec::new(),
        ignored: Vec::new(),
    }
}

/// Sums per-position matrices into one pooled matrix.
fn pooled(classes: u8, parts: &[Confusion]) -> Confusion {
    let mut sum = Confusion::new(classes);
    for part in parts {
        for (row, part_row) in sum.counts.iter_mut().zip(&part.counts) {
            row.iter_mut().zip(part_row).for_each(|(a, b)| *a += b);
        }
    }
    sum
}

fn by_position(positions: &[Position], parts: Vec<Confusion>) -> Vec<PositionScore> {
    positions
        .iter()
        .zip(parts)
        .map(|(p, confusion)| PositionScore {
            position: p.name(),
            macro_f1: confusion.macro_f1(),
            confusion,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_of_a_small_matrix() {
        // true 0,0,1,1 ; pred 0,1,1,1 -> F1(0) = 2/3, F1(1) = 4/5
        let m = Confusion::from_pairs(2, [(0, 0), (0, 1), (1, 1), (1, 1)]);
        assert!((m.f1(0) - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.f1(1) - 0.8).abs() < 1e-12);
        assert!((m.macro_f1() - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn absent_classes_are_not_averaged() {
        let m = Confusion::from_pairs(4, [(1, 1), (1, 1)]);
        assert_eq!(m.present(), vec![1]);
        assert_eq!(m.macro_f1(), 1.0);
        assert_eq!(Confusion::new(3).macro_f1(), 0.0);
    }
}
