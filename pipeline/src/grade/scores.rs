//! Per-patient log-probabilities of every task, the grades they decide
//! with tuned offsets, and the tuning of those offsets on out-of-fold
//! scores for the metric each task is scored by.

use crate::data::PatientGrades;
use classifier::thresholds::{decide, tune_offsets};
use classifier::{Objective, Thresholds, TuneConfig};
use serde::{Deserialize, Serialize};

/// Log-probabilities of one patient.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientScores {
    pub id: String,
    /// Curvature, 3 classes.
    pub qd: Vec<f32>,
    /// Alignment, 2 classes.
    pub sl: Vec<f32>,
    /// Disc grades at C2-C3 … C6-C7, 4 classes each.
    pub disc: Vec<[f32; 4]>,
    /// Canal grades at the eleven positions, 4 classes each.
    pub canal: Vec<[f32; 4]>,
}

impl PatientScores {
    /// The grades these scores give under `t`.
    pub fn decide(&self, t: &Thresholds) -> PatientGrades {
        let grade = |row: &[f32], o: &[f32]| decide(row, o.len(), o)[0] as u8;
        PatientGrades {
            id: self.id.clone(),
            qd: grade(&self.qd, &t.qd),
            sl: grade(&self.sl, &t.sl),
            zjppt: std::array::from_fn(|d| grade(&self.disc[d], &t.disc)),
            zyzg: std::array::from_fn(|p| grade(&self.canal[p], &t.canal)),
        }
    }
}

/// Offsets maximising, on these scores, qd macro-F1, sl F1 of class 0 and
/// the macro-F1 of discs and of canal positions pooled over patients.
pub fn tune_thresholds(
    scores: &[PatientScores],
    labels: &[&PatientGrades],
    cfg: &TuneConfig,
) -> Thresholds {
    let flat = |rows: Vec<&[f32]>| rows.concat();
    let qd = flat(scores.iter().map(|s| s.qd.as_slice()).collect());
    let sl = flat(scores.iter().map(|s| s.sl.as_slice()).collect());
    let disc = flat(
        scores
            .iter()
            .flat_map(|s| s.disc.iter().map(|r| &r[..]))
            .collect(),
    );
    let canal = flat(
        scores
            .iter()
            .flat_map(|s| s.canal.iter().map(|r| &r[..]))
            .collect(),
    );
    let truth = |f: &dyn Fn(&PatientGrades) -> Vec<u8>| -> Vec<usize> {
        labels.iter().flat_map(|g| f(g)).map(usize::from).collect()
    };
    Thresholds {
        qd: tune_offsets(&qd, 3, &truth(&|g| vec![g.qd]), Objective::MacroF1, cfg),
        sl: tune_offsets(&sl, 2, &truth(&|g| vec![g.sl]), Objective::ClassF1(0), cfg),
        disc: tune_offsets(
            &disc,
            4,
            &truth(&|g| g.zjppt.to_vec()),
            Objective::MacroF1,
            cfg,
        ),
        canal: tune_offsets(
            &canal,
            4,
            &truth(&|g| g.zyzg.to_vec()),
            Objective::MacroF1,
            cfg,
        ),
    }
}
