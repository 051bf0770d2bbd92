//! Losses for skewed grades: inverse-frequency class weights and a
//! class-weighted focal cross-entropy (Lin et al., 2017, "Focal Loss for
//! Dense Object Detection"); with gamma 0 it is weighted cross-entropy.

use crate::config::LossConfig;
use tch::{Kind, Tensor};

/// Per-class weights `(n / (k · count))^power`, rescaled to mean 1 over the
/// classes that occur; a class absent from `labels` gets weight 0. With
/// weighting off, every class weighs 1.
pub fn class_weights(labels: &[i64], classes: usize, cfg: &LossConfig) -> Vec<f64> {
    if !cfg.class_weighting {
        return vec![1.0; classes];
    }
    let mut counts = vec![0usize; classes];
    for &y in labels {
        if (0..classes as i64).contains(&y) {
            counts[y as usize] += 1;
        }
    }
    let n: usize = counts.iter().sum();
    let present = counts.iter().filter(|&&c| c > 0).count().max(1);
    let raw: Vec<f64> = counts
        .iter()
        .map(|&c| match c {
            0 => 0.0,
            c => (n as f64 / (present as f64 * c as f64)).powf(cfg.weight_power),
        })
        .collect();
    let mean = raw.iter().sum::<f64>() / present as f64;
    raw.iter().map(|w| w / mean.max(1e-12)).collect()
}

/// Weighted focal cross-entropy, averaged with the weights of the targets.
/// Rows whose target is negative are ignored; with none left the loss is 0.
///
/// # Shapes
/// - `logits`: (batch, classes)
/// - `targets`: (batch,) int64, −1 to ignore
/// - `weights`: (classes,) float
/// - returns a scalar
pub fn focal_loss(logits: &Tensor, targets: &Tensor, weights: &Tensor, gamma: f64) -> Tensor {
    let keep = targets.ge(0);
    let rows = keep.nonzero().squeeze_dim(1);
    if rows.size()[0] == 0 {
        return logits.sum(Kind::Float) * 0.0;
    }
    let logits = logits.index_select(0, &rows);
    let targets = targets.index_select(0, &rows);
    // (kept, classes) -> (kept,)
    let log_p = logits
        .log_softmax(1, Kind::Float)
        .gather(1, &targets.unsqueeze(1), false)
        .squeeze_dim(1);
    let w = weights.index_select(0, &targets);
    let focus = if gamma > 0.0 {
        log_p
            .exp()
            .neg()
            .g_add_scalar(1.0)
            .clamp_min(0.0)
            .pow_tensor_scalar(gamma)
    } else {
        log_p.ones_like()
    };
    let total = (&w * focus * (-log_p)).sum(Kind::Float);
    total / w.sum(Kind::Float).clamp_min(1e-12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(on: bool, power: f64) -> LossConfig {
        LossConfig {
            class_weighting: on,
            weight_power: power,
            focal_gamma: 0.0,
        }
    }

    #[test]
    fn inverse_frequency_weights_of_a_known_split() {
        // counts 6, 2, 0, 4 of 12; raw weights 12/(3·c): 2/3, 2, -, 1.
        let labels = [0, 0, 0, 0, 0, 0, 1, 1, 3, 3, 3, 3];
        let w = class_weights(&labels, 4, &cfg(true, 1.0));
        let mean = (2.0 / 3.0 + 2.0 + 1.0) / 3.0;
        let expect = [2.0 / 3.0 / mean, 2.0 / mean, 0.0, 1.0 / mean];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-9, "{w:?}");
        }
        assert_eq!(class_weights(&labels, 4, &cfg(false, 1.0)), vec![1.0; 4]);
        let sqrt = class_weights(&labels, 4, &cfg(true, 0.5));
        assert!(sqrt[1] / sqrt[0] - 3f64.sqrt() < 1e-9);
    }

    #[test]
    fn weighted_loss_matches_hand_computation_and_ignores_negatives() {
        let logits = Tensor::from_slice(&[0.0f32, 0.0, 2.0, 0.0, 5.0, 5.0]).view([3, 2]);
        let targets = Tensor::from_slice(&[1i64, 0, -1]);
        let weights = Tensor::from_slice(&[1.0f32, 3.0]);
        let got = f64::try_from(focal_loss(&logits, &targets, &weights, 0.0)).unwrap();
        let nll0 = (1.0 + (-2f64).exp()).ln();
        let expect = (3.0 * 2f64.ln() + nll0) / 4.0;
        assert!((got - expect).abs() < 1e-5, "{got} vs {expect}");
        let focal = f64::try_from(focal_loss(&logits, &targets, &weights, 2.0)).unwrap();
        assert!(focal < got, "focusing shrinks the loss of easy rows");
    }
}
