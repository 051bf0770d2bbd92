//! Numbers behind the report that the official metric does not give: the
//! detector's IoU per level (quantiles over patients and slices) and, per
//! patient, how many grades are wrong and how well its boxes match.

use crate::anatomy::{Vertebra, SLICES};
use crate::data::{PatientGrades, SpineBoxes};

/// Distribution of one level's IoU between detected and true boxes.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelIou {
    pub level: Vertebra,
    /// Boxes compared (true and detected both present).
    pub n: usize,
    /// True boxes with no detection at all.
    pub missed: usize,
    pub mean: f64,
    /// Minimum, 25th percentile, median, 75th percentile, maximum.
    pub quantiles: [f64; 5],
    /// Share of compared boxes with IoU ≥ 0.5.
    pub hit_rate: f64,
}

/// IoU per level over `pairs` of (true, detected) boxes of one patient.
pub fn level_ious(pairs: &[(&SpineBoxes, &SpineBoxes)]) -> Vec<LevelIou> {
    Vertebra::ALL
        .iter()
        .map(|&v| {
            let mut ious = Vec::new();
            let mut missed = 0;
            for (truth, det) in pairs {
                for s in 0..SLICES.len() {
                    match (truth.get(v, s), det.get(v, s)) {
                        (Some(t), Some(d)) => ious.push(t.bbox.iou(&d.bbox) as f64),
                        (Some(_), None) => missed += 1,
                        _ => {}
                    }
                }
            }
            summarise(v, ious, missed)
        })
        .collect()
}

fn summarise(level: Vertebra, mut ious: Vec<f64>, missed: usize) -> LevelIou {
    ious.sort_by(f64::total_cmp);
    let n = ious.len();
    let mean = if n == 0 {
        f64::NAN
    } else {
        ious.iter().sum::<f64>() / n as f64
    };
    let hits = ious.iter().filter(|&&x| x >= 0.5).count();
    LevelIou {
        level,
        n,
        missed,
        mean,
        quantiles: [0.0, 0.25, 0.5, 0.75, 1.0].map(|q| quantile(&ious, q)),
        hit_rate: if n == 0 {
            f64::NAN
        } else {
            hits as f64 / n as f64
        },
    }
}

/// Quantile `q` of sorted values with linear interpolation (NumPy's
/// default); `NaN` for no values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Number of wrong grades among the 18 of a patient (qd, sl, 5 discs,
/// 11 canal positions).
pub fn wrong_grades(pred: &PatientGrades, truth: &PatientGrades) -> usize {
    let discs = pred
        .zjppt
        .iter()
        .zip(&truth.zjppt)
        .filter(|(p, t)| p != t)
        .count();
    let canal = pred
        .zyzg
        .iter()
        .zip(&truth.zyzg)
        .filter(|(p, t)| p != t)
        .count();
    (pred.qd != truth.qd) as usize + (pred.sl != truth.sl) as usize + discs + canal
}

/// Box agreement of one patient.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientIou {
    /// Mean IoU over the true boxes, a missed box counting 0.
    pub mean: f64,
    /// The worst true box: level, slice index and IoU (`None`: not found).
    pub worst: (Vertebra, usize, Option<f64>),
    /// True boxes with no detection.
    pub missed: usize,
}

/// IoU summary of one patient; `None` when it has no true boxes.
pub fn patient_iou(truth: &SpineBoxes, det: &SpineBoxes) -> Option<PatientIou> {
    let mut all = Vec::new();
    for v in Vertebra::ALL {
        for s in 0..SLICES.len() {
            if let Some(t) = truth.get(v, s) {
                let iou = det.get(v, s).map(|d| t.bbox.iou(&d.bbox) as f64);
                all.push((v, s, iou));
            }
        }
    }
    // A missed box (None) sorts below every IoU.
    let worst = all
        .iter()
        .min_by(|a, b| a.2.unwrap_or(-1.0).total_cmp(&b.2.unwrap_or(-1.0)))?;
    Some(PatientIou {
        mean: all.iter().map(|a| a.2.unwrap_or(0.0)).sum::<f64>() / all.len() as f64,
        worst: *worst,
        missed: all.iter().filter(|a| a.2.is_none()).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{PixelBox, ScoredBox};

    fn spine(id: &str, shift: f32) -> SpineBoxes {
        let mut s = SpineBoxes::empty(id);
        for v in 0..6 {
            for sl in 0..3 {
                let y = 20.0 + 30.0 * v as f32;
                let bbox = PixelBox::new(100.0 + shift, y, 120.0 + shift, y + 20.0);
                s.levels[v][sl] = Some(ScoredBox { bbox, score: 1.0 });
            }
        }
        s
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn level_iou_counts_misses_apart() {
        let truth = spine("a", 0.0);
        let mut det = spine("a", 10.0); // overlap 10 of 30 px wide -> 1/3
        det.levels[2][1] = None;
        let levels = level_ious(&[(&truth, &det)]);
        assert_eq!(levels[0].n, 3);
        assert!((levels[0].quantiles[2] - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!((levels[2].n, levels[2].missed), (2, 1));
        assert_eq!(levels[0].hit_rate, 0.0);
        let p = patient_iou(&truth, &det).unwrap();
        assert_eq!(p.missed, 1);
        assert_eq!(p.worst, (Vertebra::C4, 1, None));
        assert!((p.mean - (17.0 / 3.0) / 18.0).abs() < 1e-6);
    }

    #[test]
    fn wrong_grades_count_every_task() {
        let truth = PatientGrades::zeros("a");
        let mut pred = truth.clone();
        assert_eq!(wrong_grades(&pred, &truth), 0);
        pred.qd = 1;
        pred.zjppt[4] = 3;
        pred.zyzg[0] = 2;
        pred.zyzg[10] = 1;
        assert_eq!(wrong_grades(&pred, &truth), 4);
    }
}
