//! Label sampling: a Gaussian latent model whose thresholds reproduce the
//! public per-position grade frequencies and whose weights reproduce their
//! dependencies (patient degeneration, disc–canal coupling, neighbouring
//! levels). Each grade also gets a continuous "shown" severity, the latent
//! plus rendering noise, which is what the renderer draws.

use super::stats::*;
use crate::data::PatientGrades;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Rendering noise on the grade scale: how far the drawn severity strays
/// from the labelled one. Neighbouring grades overlap because of it.
pub const SHOWN_NOISE: f32 = 0.16;

/// One graded finding: its label and the severity the pixels show, on a
/// continuous grade scale (grade `k` spans `[k, k + 1)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Severity {
    pub grade: u8,
    pub shown: f32,
}

impl Severity {
    /// The grade a perfect reader of the pixels would give.
    pub fn read(&self) -> u8 {
        self.shown.clamp(0.0, 3.999) as u8
    }
}

/// Everything label-related that the renderer needs, beyond the id.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelDraw {
    pub qd: u8,
    pub sl: u8,
    /// Offset of the mid-column from the straight line, on the lordotic
    /// bow shape, in px (negative is anterior, i.e. lordotic).
    pub bow: f32,
    /// Step-off between two neighbouring bodies, px (signed).
    pub step: f32,
    /// The first vertebra (1..=5) that is shifted by `step`.
    pub step_level: usize,
    pub disc: [Severity; 5],
    pub canal: [Severity; 11],
    /// Side of each disc herniation: -1 towards slice 5, 0 central, +1
    /// towards slice 7.
    pub disc_side: [i8; 5],
}

impl LabelDraw {
    pub fn grades(&self, id: &str) -> PatientGrades {
        PatientGrades {
            id: id.to_owned(),
            qd: self.qd,
            sl: self.sl,
            zjppt: self.disc.map(|s| s.grade),
            zyzg: self.canal.map(|s| s.grade),
        }
    }
}

fn normal(rng: &mut impl Rng) -> f32 {
    StandardNormal.sample(rng)
}

/// Maps a standard-normal latent through the three cuts to a point on the
/// continuous grade scale: class `k` is stretched to `[k, k + 1)`, the open
/// ends use one latent unit per grade.
pub fn grade_scale(z: f32, cuts: &[f32; 3]) -> f32 {
    let k = cuts.iter().filter(|&&c| z >= c).count();
    let g = match k {
        0 => 1.0 - (cuts[0] - z),
        3 => 3.0 + (z - cuts[2]),
        _ => k as f32 + (z - cuts[k - 1]) / (cuts[k] - cuts[k - 1]).max(1e-6),
    };
    g.clamp(k as f32, k as f32 + 0.999)
}

fn severity(z: f32, cuts: &[f32; 3], rng: &mut impl Rng) -> Severity {
    let g = grade_scale(z, cuts);
    Severity {
        grade: g as u8,
        shown: (g + SHOWN_NOISE * normal(rng)).clamp(0.0, 3.999),
    }
}

/// Curvature class for a uniform number in [0, 1) by the public counts.
fn curvature_class(u: f64) -> u8 {
    let total: u32 = QD_COUNTS.iter().sum();
    let mut edge = 0.0;
    for (k, &n) in QD_COUNTS.iter().enumerate() {
        edge += n as f64 / total as f64;
        if u < edge {
            return k as u8;
        }
    }
    (QD_COUNTS.len() - 1) as u8
}

/// Canal latents: discs follow their disc closely, bodies follow the mean
/// of the neighbouring disc-level canal latents.
fn canal_latents(disc: &[f32; 5], rng: &mut impl Rng) -> [f32; 11] {
    let mut z = [0.0f32; 11];
    let rho = DISC_CANAL_CORR;
    for d in 0..5 {
        z[2 * d + 1] = rho * disc[d] + (1.0 - rho * rho).sqrt() * normal(rng);
    }
    for b in 0..6usize {
        let idx = 2 * b;
        let ends = b == 0 || b == 5;
        let near: Vec<f32> = [idx.checked_sub(1), Some(idx + 1)]
            .into_iter()
            .flatten()
            .filter(|&i| i < 11)
            .map(|i| z[i])
            .collect();
        let mean = near.iter().sum::<f32>() / near.len() as f32;
        let sd = if near.len() == 2 { 0.85 } else { 1.0 };
        let gamma = if ends { 0.45 } else { BODY_CANAL_CORR };
        z[idx] = gamma * mean / sd + (1.0 - gamma * gamma).sqrt() * normal(rng);
    }
    z
}

/// Draws the labels of one patient and the severities the pixels will show.
/// `qd_uniform` in [0, 1) picks the curvature class; the cohort passes a
/// low-discrepancy sequence so that any run of patients has the public
/// class shares (a 400-patient cohort cannot drift by chance).
pub fn sample_labels(rng: &mut impl Rng, qd_uniform: f64) -> LabelDraw {
    let qd = curvature_class(qd_uniform);
    let degeneration = QD_DEGENERATION_SHIFT[qd as usize] + normal(rng);
    let w = DISC_PATIENT_WEIGHT;
    let disc_z: [f32; 5] = std::array::from_fn(|_| {
        let e = normal(rng);
        w * degeneration + (1.0 - w * w).sqrt() * e
    });
    let canal_z = canal_latents(&disc_z, rng);
    let disc = std::array::from_fn(|d| severity(disc_z[d], &DISC_CUTS[d], rng));
    let canal = std::array::from_fn(|p| severity(canal_z[p], &CANAL_CUTS[p], rng));
    let disc_side = std::array::from_fn(|_| rng.random_range(-1i8..=1));

    let ws = SL_DEGENERATION_WEIGHT;
    let sl_z = (1.0 - ws * ws).sqrt() * normal(rng) - ws * degeneration;
    let sl = u8::from(sl_z >= SL_POOR_Z);
    let (step, step_level) = sample_step(sl, rng);
    let bow = BOW_SD_BY_QD[qd as usize] * normal(rng);
    LabelDraw {
        qd,
        sl,
        bow,
        step,
        step_level,
        disc,
        canal,
        disc_side,
    }
}

/// Step-off size: poor alignment shows a clear step, acceptable alignment
/// a small one; the two overlap a little.
fn sample_step(sl: u8, rng: &mut impl Rng) -> (f32, usize) {
    let level = rng.random_range(1..=5usize);
    let size = if sl == 0 {
        (STEP_POOR_MEAN + STEP_POOR_SD * normal(rng)).max(0.0)
    } else {
        (STEP_OK_SD * normal(rng)).abs()
    };
    let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    (sign * size, level)
}

/// Step-off sizes (px) of poor and acceptable alignment.
pub const STEP_POOR_MEAN: f32 = 2.6;
pub const STEP_POOR_SD: f32 = 0.7;
pub const STEP_OK_SD: f32 = 0.55;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_scale_respects_cuts() {
        let cuts = [-1.0, 0.0, 1.0];
        assert_eq!(grade_scale(-1.5, &cuts) as u8, 0);
        assert!((grade_scale(-0.5, &cuts) - 1.5).abs() < 1e-6);
        assert!((grade_scale(0.25, &cuts) - 2.25).abs() < 1e-6);
        assert_eq!(grade_scale(9.0, &cuts), 3.999);
        assert_eq!(grade_scale(-9.0, &cuts), 0.0);
    }
}
