//! The majority baseline: the most common grade of each task at each
//! position, fitted on some patients and predicted for others. It is the
//! floor (about 0.27 out of fold on the public labels) that a model must
//! beat.

use super::{score, Score};
use crate::data::labels::{CANAL_CLASSES, DISC_CLASSES, QD_CLASSES, SL_CLASSES};
use crate::data::PatientGrades;
use serde::Serialize;

/// Most common grade per task and position; ties go to the lower grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MajorityBaseline {
    pub qd: u8,
    pub sl: u8,
    pub zjppt: [u8; 5],
    pub zyzg: [u8; 11],
}

impl MajorityBaseline {
    /// Fits on `train`; with no patients every grade is 0.
    pub fn fit(train: &[PatientGrades]) -> Self {
        Self {
            qd: mode(QD_CLASSES, train.iter().map(|p| p.qd)),
            sl: mode(SL_CLASSES, train.iter().map(|p| p.sl)),
            zjppt: std::array::from_fn(|d| mode(DISC_CLASSES, train.iter().map(|p| p.zjppt[d]))),
            zyzg: std::array::from_fn(|i| mode(CANAL_CLASSES, train.iter().map(|p| p.zyzg[i]))),
        }
    }

    /// The fitted grades for patient `id`.
    pub fn predict(&self, id: &str) -> PatientGrades {
        PatientGrades {
            id: id.to_owned(),
            qd: self.qd,
            sl: self.sl,
            zjppt: self.zjppt,
            zyzg: self.zyzg,
        }
    }
}

/// Out-of-fold score of the majority baseline: patient `i` falls in fold
/// `i % folds`, each fold is predicted by a baseline fitted on the others,
/// and the pooled predictions are scored once.
pub fn majority_out_of_fold(labels: &[PatientGrades], folds: usize) -> Score {
    let folds = folds.max(2);
    let mut predictions = Vec::with_capacity(labels.len());
    for fold in 0..folds {
        let train: Vec<PatientGrades> = labels
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, p)| p.clone())
            .collect();
        let baseline = MajorityBaseline::fit(&train);
        let held_out = labels.iter().enumerate().filter(|(i, _)| i % folds == fold);
        predictions.extend(held_out.map(|(_, p)| baseline.predict(&p.id)));
    }
    score(labels, &predictions)
}

fn mode(classes: u8, values: impl Iterator<Item = u8>) -> u8 {
    let mut counts = vec![0usize; classes as usize];
    values.for_each(|v| counts[v as usize] += 1);
    let best = counts.iter().copied().max().unwrap_or(0);
    counts.iter().position(|&c| c == best).unwrap_or(0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patient(id: &str, qd: u8, disc: u8) -> PatientGrades {
        PatientGrades {
            qd,
            zjppt: [disc; 5],
            ..PatientGrades::zeros(id)
        }
    }

    #[test]
    fn fits_the_most_common_grade_with_ties_to_the_lower() {
        let train = [patient("a", 2, 1), patient("b", 2, 3), patient("c", 1, 3)];
        let b = MajorityBaseline::fit(&train);
        assert_eq!((b.qd, b.zjppt[0]), (2, 3));
        let tie = MajorityBaseline::fit(&train[..2]);
        assert_eq!(tie.zjppt[4], 1);
        assert_eq!(b.predict("z").id, "z");
    }
}
