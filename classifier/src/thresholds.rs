//! Decision offsets tuned for the scored metric. A prediction is
//! `argmax_k(log p_k + offset_k)`; the offsets are found by coordinate
//! ascent over a grid on validation data, maximising macro-F1 (the classes
//! that occur in truth or prediction, as scikit-learn averages them) or the
//! F1 of a single class.

use serde::{Deserialize, Serialize};

/// What a task is scored by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Macro-F1 over the classes seen in truth or prediction.
    MacroF1,
    /// F1 of one class only (0 when it occurs in neither).
    ClassF1(usize),
}

impl Objective {
    pub fn score(self, truth: &[usize], pred: &[usize], classes: usize) -> f64 {
        match self {
            Objective::MacroF1 => macro_f1(truth, pred, classes),
            Objective::ClassF1(c) => class_f1(truth, pred, c),
        }
    }
}

/// F1 of class `c`: 2·tp / (2·tp + fp + fn), 0 when `c` is in neither list.
pub fn class_f1(truth: &[usize], pred: &[usize], c: usize) -> f64 {
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for (&t, &p) in truth.iter().zip(pred) {
        match (t == c, p == c) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            (false, false) => {}
        }
    }
    let denom = 2 * tp + fp + fneg;
    if denom == 0 {
        0.0
    } else {
        2.0 * tp as f64 / denom as f64
    }
}

/// Mean F1 over the classes `0..classes` that occur in `truth` or `pred`.
pub fn macro_f1(truth: &[usize], pred: &[usize], classes: usize) -> f64 {
    let seen: Vec<usize> = (0..classes)
        .filter(|c| truth.contains(c) || pred.contains(c))
        .collect();
    if seen.is_empty() {
        return 0.0;
    }
    let total: f64 = seen.iter().map(|&c| class_f1(truth, pred, c)).sum();
    total / seen.len() as f64
}

/// Applies offsets to row-major scores `(rows, classes)`.
pub fn decide(scores: &[f32], classes: usize, offsets: &[f32]) -> Vec<usize> {
    scores
        .chunks(classes)
        .map(|row| {
            let shifted = row.iter().zip(offsets).map(|(s, o)| s + o);
            let mut best = (0, f32::NEG_INFINITY);
            for (k, v) in shifted.enumerate() {
                if v > best.1 {
                    best = (k, v);
                }
            }
            best.0
        })
        .collect()
}

/// Grid and rounds of the coordinate ascent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuneConfig {
    /// Offsets are searched in `[-range, range]`.
    pub range: f32,
    pub step: f32,
    pub rounds: usize,
}

impl Default for TuneConfig {
    fn default() -> Self {
        Self {
            range: 4.0,
            step: 0.1,
            rounds: 3,
        }
    }
}

/// Tunes offsets (class 0 fixed at 0) to maximise `objective`. Ties keep
/// the offset nearest 0, so an uninformative grid leaves plain argmax.
pub fn tune_offsets(
    scores: &[f32],
    classes: usize,
    truth: &[usize],
    objective: Objective,
    cfg: &TuneConfig,
) -> Vec<f32> {
    let mut offsets = vec![0f32; classes];
    let grid = search_grid(cfg);
    let eval = |o: &[f32]| objective.score(truth, &decide(scores, classes, o), classes);
    let mut best = eval(&offsets);
    for _ in 0..cfg.rounds {
        let before = best;
        for k in 1..classes {
            for &v in &grid {
                let mut trial = offsets.clone();
                trial[k] = v;
                let s = eval(&trial);
                if s > best + 1e-12 {
                    best = s;
                    offsets = trial;
                }
            }
        }
        if best <= before {
            break;
        }
    }
    offsets
}

/// Grid values ordered by distance from 0, so that ties resolve to small
/// offsets.
fn search_grid(cfg: &TuneConfig) -> Vec<f32> {
    let n = (cfg.range / cfg.step).round() as i32;
    let mut grid: Vec<f32> = (-n..=n).map(|i| i as f32 * cfg.step).collect();
    grid.sort_by(|a, b| a.abs().total_cmp(&b.abs()).then(a.total_cmp(b)));
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_follows_scikit_learn_semantics() {
        let truth = [0, 0, 1, 1, 2];
        let pred = [0, 1, 1, 1, 3];
        // class 0: 2/3, class 1: 0.8, class 2: 0, class 3 (predicted only): 0
        let expect = (2.0 / 3.0 + 0.8) / 4.0;
        assert!((macro_f1(&truth, &pred, 4) - expect).abs() < 1e-12);
        assert_eq!(class_f1(&[1, 1], &[1, 1], 0), 0.0);
        assert_eq!(macro_f1(&[], &[], 3), 0.0);
    }

    #[test]
    fn offsets_recover_a_known_shift() {
        // Class 1 is true exactly when s1 - s0 > -1: the best offset on
        // class 1 is just above +1 (a shift of 1 fixes every row).
        let mut scores = Vec::new();
        let mut truth = Vec::new();
        for i in 0..40 {
            let gap = -2.0 + 0.1 * i as f32 + 0.05; // s1 - s0
            scores.extend([0.0, gap]);
            truth.push(usize::from(gap > -1.0));
        }
        let cfg = TuneConfig::default();
        let o = tune_offsets(&scores, 2, &truth, Objective::MacroF1, &cfg);
        assert_eq!(macro_f1(&truth, &decide(&scores, 2, &o), 2), 1.0);
        assert!((o[1] - 1.0).abs() < 0.051, "offset {o:?}");
        assert_eq!(decide(&scores, 2, &[0.0, 0.0]).iter().sum::<usize>(), 20);
    }

    #[test]
    fn class_f1_objective_favours_the_rare_class() {
        // Rare class 0 scores slightly lower than class 1 on its rows.
        let scores = [0.0, 0.5, 0.0, 0.4, 0.0, 2.0, 0.0, 3.0, 0.0, 2.5];
        let truth = [0, 0, 1, 1, 1];
        let cfg = TuneConfig::default();
        let o = tune_offsets(&scores, 2, &truth, Objective::ClassF1(0), &cfg);
        let pred = decide(&scores, 2, &o);
        assert_eq!(pred, vec![0, 0, 1, 1, 1]);
        assert!(o[1] <= -0.5 && o[1] > -2.0, "offset {o:?}");
    }
}
