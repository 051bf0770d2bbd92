//! The oracle: grades read straight from the drawn severities and shapes,
//! as a perfect reader of the pixels would. Its score is the ceiling the
//! phantoms allow, below 1.0 because neighbouring grades overlap.

use super::labels::{STEP_OK_SD, STEP_POOR_MEAN, STEP_POOR_SD};
use super::stats::{BOW_SD_BY_QD, BOW_SHAPE, PROFILE_BY_QD, QD_COUNTS, SL_POOR_Z};
use super::Phantom;
use crate::data::PatientGrades;

fn gauss(x: f32, mean: f32, sd: f32) -> f32 {
    (-0.5 * ((x - mean) / sd).powi(2)).exp() / sd
}

/// Offset of the mid-column (mean of C4 and C5) from the C2–C7 chord for a
/// curvature class and bow.
fn mid_offset(qd: usize, bow: f32) -> f32 {
    let p = &PROFILE_BY_QD[qd];
    (p[2] + p[3]) / 2.0 + bow * (BOW_SHAPE[2] + BOW_SHAPE[3]) / 2.0
}

/// Most probable curvature class for a drawn mid-column offset.
pub fn read_curvature(offset: f32) -> u8 {
    let score = |k: usize| {
        let sd = BOW_SD_BY_QD[k] * (BOW_SHAPE[2] + BOW_SHAPE[3]) / 2.0;
        QD_COUNTS[k] as f32 * gauss(offset, mid_offset(k, 0.0), sd)
    };
    (0..3)
        .max_by(|&a, &b| score(a).total_cmp(&score(b)))
        .unwrap_or(1) as u8
}

/// Poor alignment when the drawn step-off is more likely poor than not.
pub fn read_alignment(step: f32) -> u8 {
    let poor_prior = normal_cdf(SL_POOR_Z);
    let poor = poor_prior * gauss(step.abs(), STEP_POOR_MEAN, STEP_POOR_SD);
    let fine = (1.0 - poor_prior) * 2.0 * gauss(step.abs(), 0.0, STEP_OK_SD);
    u8::from(poor <= fine)
}

fn normal_cdf(z: f32) -> f32 {
    // Abramowitz–Stegun 7.1.26 through erf.
    let x = z / std::f32::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_7 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    let erf = 1.0 - poly * (-x * x).exp();
    0.5 * (1.0 + erf.copysign(x))
}

/// The oracle's grades for one phantom.
pub fn read_phantom(ph: &Phantom) -> PatientGrades {
    let l = &ph.labels;
    PatientGrades {
        id: ph.id.clone(),
        qd: read_curvature(mid_offset(l.qd as usize, l.bow)),
        sl: read_alignment(l.step),
        zjppt: l.disc.map(|s| s.read()),
        zyzg: l.canal.map(|s| s.read()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_follow_their_evidence() {
        assert_eq!(read_curvature(-6.0), 0);
        assert_eq!(read_curvature(-1.5), 1);
        assert_eq!(read_curvature(2.0), 2);
        assert_eq!(read_alignment(3.0), 0);
        assert_eq!(read_alignment(-3.0), 0);
        assert_eq!(read_alignment(0.3), 1);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-4);
        assert!((normal_cdf(-1.5982) - 0.055).abs() < 1e-3);
    }
}
