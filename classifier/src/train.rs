//! Training loops: AdamW with cosine learning-rate decay, seeded shuffling,
//! class-weighted focal loss, non-linear intensity jitter; one line of
//! statistics per epoch handed to the caller. Prediction helpers return
//! log-probabilities on the CPU for threshold tuning and decisions.
//!
//! Every epoch draws its shuffle and its augmentation from a seed of its
//! own, and the optimiser's state can be saved after any epoch and handed
//! back as a [`Resume`]: a fit resumed after a crash repeats an
//! uninterrupted one exactly (on the CPU). The optimiser is the detector crate's AdamW,
//! whose moments, unlike libtorch's, can be read and restored.

use crate::config::{GraderConfig, LossConfig, TrainConfig};
use crate::data::{labels, LevelData, Rows, SpineData};
use crate::level_net::{LevelNet, GRADES};
use crate::loss::{class_weights, focal_loss};
use crate::spine_head::{SpineHead, QD_CLASSES, SL_CLASSES};
use detector::adamw::AdamW;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tch::{nn, Device, Kind, Tensor};

/// Statistics of one epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochStats {
    pub epoch: usize,
    pub learning_rate: f64,
    /// Mean training loss over the epoch's mini-batches.
    pub loss: f64,
}

/// Where an interrupted fit goes on: the epochs it had finished and the
/// optimiser's state after the last of them ([`AdamW::state`] and
/// [`AdamW::steps`]). The weights themselves are restored into the
/// variable store by the caller.
#[derive(Debug)]
pub struct Resume {
    pub epochs_done: usize,
    pub steps: i32,
    pub moments: HashMap<String, Tensor>,
}

/// Called after every epoch with its statistics and the optimiser, whose
/// state (with the weights) is what a [`Resume`] needs. An error stops the
/// fit, which returns it.
pub type OnEpoch<'a> = &'a mut dyn FnMut(&EpochStats, &AdamW) -> Result<(), String>;

/// Trains the per-level net on `data`, or goes on with an interrupted fit
/// from `resume`. Fails when `resume` does not fit the model or `on_epoch`
/// fails.
pub fn fit_levels(
    net: &LevelNet,
    vs: &nn::VarStore,
    data: &LevelData,
    cfg: &GraderConfig,
    resume: Option<&Resume>,
    on_epoch: OnEpoch,
) -> Result<Vec<EpochStats>, String> {
    let device = vs.device();
    let w_disc = weights(&data.disc, GRADES, &cfg.loss, device);
    let w_canal = weights(&data.canal, GRADES, &cfg.loss, device);
    let gamma = cfg.loss.focal_gamma;
    let augment = cfg.train.augment;
    let step = |b: &LevelData| {
        let sagittal = if augment {
            jitter(&b.sagittal)
        } else {
            b.sagittal.shallow_clone()
        };
        let axial = if augment {
            jitter(&b.axial)
        } else {
            b.axial.shallow_clone()
        };
        let out = net.forward_t(&sagittal, &axial, &b.position, true);
        focal_loss(&out.disc, &b.disc, &w_disc, gamma)
            + focal_loss(&out.canal, &b.canal, &w_canal, gamma)
    };
    fit(vs, data, &cfg.train, cfg.seed, step, resume, on_epoch)
}

/// Trains the whole-spine head on `data` (or resumes, as [`fit_levels`]).
/// Call [`SpineHead::fit_standardization`] on the training features first.
pub fn fit_spine(
    head: &SpineHead,
    vs: &nn::VarStore,
    data: &SpineData,
    cfg: &GraderConfig,
    resume: Option<&Resume>,
    on_epoch: OnEpoch,
) -> Result<Vec<EpochStats>, String> {
    let device = vs.device();
    let w_qd = weights(&data.qd, QD_CLASSES, &cfg.spine_loss, device);
    let w_sl = weights(&data.sl, SL_CLASSES, &cfg.spine_loss, device);
    let gamma = cfg.spine_loss.focal_gamma;
    let augment = cfg.spine_train.augment;
    let step = |b: &SpineData| {
        let image = if augment {
            jitter(&b.image)
        } else {
            b.image.shallow_clone()
        };
        let out = head.forward_t(&image, &b.geometry, true);
        focal_loss(&out.qd, &b.qd, &w_qd, gamma) + focal_loss(&out.sl, &b.sl, &w_sl, gamma)
    };
    fit(vs, data, &cfg.spine_train, cfg.seed, step, resume, on_epoch)
}

/// Log-probabilities of the per-level net, `(disc, canal)`, each (n, 4) on
/// the CPU, computed in batches of `batch` rows.
pub fn predict_levels(
    net: &LevelNet,
    data: &LevelData,
    batch: usize,
    device: Device,
) -> (Tensor, Tensor) {
    let parts = in_batches(data.len(), batch, |index| {
        let b = data.select(index, device);
        let out = net.forward_t(&b.sagittal, &b.axial, &b.position, false);
        vec![log_probs(&out.disc), log_probs(&out.canal)]
    });
    let mut parts = parts.into_iter();
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

/// Log-probabilities of the whole-spine head, `(qd (n, 3), sl (n, 2))`.
pub fn predict_spine(
    head: &SpineHead,
    data: &SpineData,
    batch: usize,
    device: Device,
) -> (Tensor, Tensor) {
    let parts = in_batches(data.len(), batch, |index| {
        let b = data.select(index, device);
        let out = head.forward_t(&b.image, &b.geometry, false);
        vec![log_probs(&out.qd), log_probs(&out.sl)]
    });
    let mut parts = parts.into_iter();
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

fn log_probs(logits: &Tensor) -> Tensor {
    logits.log_softmax(1, Kind::Float).to_device(Device::Cpu)
}

/// Runs `f` without gradients over consecutive row ranges and concatenates
/// each of its outputs along rows.
fn in_batches(n: usize, batch: usize, f: impl Fn(&Tensor) -> Vec<Tensor>) -> Vec<Tensor> {
    let mut outs: Vec<Vec<Tensor>> = Vec::new();
    tch::no_grad(|| {
        for start in (0..n).step_by(batch.max(1)) {
            let end = (start + batch.max(1)).min(n);
            let index = Tensor::arange_start(start as i64, end as i64, (Kind::Int64, Device::Cpu));
            for (k, t) in f(&index).into_iter().enumerate() {
                if outs.len() <= k {
                    outs.push(Vec::new());
                }
                outs[k].push(t);
            }
        }
    });
    outs.iter().map(|ts| Tensor::cat(ts, 0)).collect()
}

fn weights(labels_t: &Tensor, classes: i64, loss: &LossConfig, device: Device) -> Tensor {
    let w = class_weights(&labels(labels_t), classes as usize, loss);
    Tensor::from_slice(&w)
        .to_kind(Kind::Float)
        .to_device(device)
}

/// Random gamma (0.7–1.4) and a little noise per sample: intensity changes
/// that per-sample standardisation cannot undo.
///
/// # Shapes
/// `xs`: (batch, channels, h, w), same shape out.
fn jitter(xs: &Tensor) -> Tensor {
    let n = xs.size()[0];
    let opts = (Kind::Float, xs.device());
    let gamma = Tensor::rand([n, 1, 1, 1], opts) * 0.7 + 0.7;
    let noise = Tensor::randn(xs.size(), opts) * 0.02;
    (xs.clamp(1e-4, 1.0).pow(&gamma) + noise).clamp(0.0, 1.0)
}

/// The shared loop: shuffled mini-batches, one optimiser step each, from
/// the first epoch or from where `resume` stopped.
fn fit<D: Rows>(
    vs: &nn::VarStore,
    data: &D,
    sched: &TrainConfig,
    seed: u64,
    step: impl Fn(&D) -> Tensor,
    resume: Option<&Resume>,
    on_epoch: OnEpoch,
) -> Result<Vec<EpochStats>, String> {
    let mut opt = AdamW::new(vs, 0.9, 0.999, sched.weight_decay);
    let first = match resume {
        Some(r) => {
            opt.restore(&r.moments, r.steps)?;
            r.epochs_done + 1
        }
        None => 1,
    };
    let n = data.len();
    let batch_size = sched.batch_size.max(1);
    let per_epoch = n.div_ceil(batch_size).max(1);
    let total = (sched.epochs * per_epoch).max(1) as f64;
    let mut history = Vec::new();
    for epoch in first..=sched.epochs {
        // The epoch's own seed: its shuffle, dropout and jitter do not
        // depend on how the run got here.
        let epoch_seed = seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64);
        tch::manual_seed(epoch_seed as i64);
        let mut order: Vec<i64> = (0..n as i64).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(epoch_seed));
        let (mut sum, mut count) = (0.0, 0usize);
        let mut lr = sched.learning_rate;
        for chunk in order.chunks(batch_size) {
            let done = ((epoch - 1) * per_epoch + count) as f64;
            lr = cosine(sched.learning_rate, done / total);
            let batch = data.select(&Tensor::from_slice(chunk), vs.device());
            let loss = step(&batch);
            let loss = if sched.l2 > 0.0 {
                loss + ridge(vs) * sched.l2
            } else {
                loss
            };
            opt.zero_grad();
            loss.backward();
            opt.step(lr);
            sum += loss.double_value(&[]);
            count += 1;
        }
        let stats = EpochStats {
            epoch,
            learning_rate: lr,
            loss: sum / count.max(1) as f64,
        };
        on_epoch(&stats, &opt)?;
        history.push(stats);
    }
    Ok(history)
}

/// Sum of squares of every trainable weight matrix or kernel (tensors of
/// rank ≥ 2; biases and norms are left free).
fn ridge(vs: &nn::VarStore) -> Tensor {
    let weights = vs.trainable_variables();
    let squares: Vec<Tensor> = weights
        .iter()
        .filter(|w| w.dim() >= 2)
        .map(|w| w.square().sum(Kind::Float))
        .collect();
    match squares.is_empty() {
        true => Tensor::zeros([], (Kind::Float, vs.device())),
        false => Tensor::stack(&squares, 0).sum(Kind::Float),
    }
}

/// Cosine decay from `base` to 5% of it as `progress` goes 0 → 1.
fn cosine(base: f64, progress: f64) -> f64 {
    let floor = 0.05 * base;
    floor + 0.5 * (base - floor) * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos())
}
