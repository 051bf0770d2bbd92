//! One optimisation step at a time: AdamW with linear warm-up and cosine
//! decay, gradient clipping, and an exponential moving average (EMA) of the
//! weights that is used for evaluation and saved in checkpoints. The caller
//! owns the data loop; `tch::manual_seed` plus a deterministic data order
//! makes a CPU run reproducible, and [`Trainer::state`] / [`Trainer::restore`]
//! let it resume exactly after a crash (see `resume`).

use crate::adamw::AdamW;
use crate::assign::GtBox;
use crate::config::{LossConfig, ModelConfig, TrainConfig};
use crate::loss::{detection_loss, LossParts};
use crate::model::{anchor_points, YoloNet};
use crate::resume::restore_tensor;
use std::collections::HashMap;
use tch::nn;
use tch::{Device, Tensor};

/// Learning rate at `step` of `total`: linear warm-up over `warmup` steps
/// to `lr`, then cosine decay to `lr · final_fraction`.
pub fn learning_rate(step: usize, total: usize, warmup: usize, cfg: &TrainConfig) -> f64 {
    if step < warmup {
        return cfg.lr * (step + 1) as f64 / warmup as f64;
    }
    let span = total.saturating_sub(warmup).max(1) as f64;
    let t = ((step - warmup) as f64 / span).min(1.0);
    let floor = cfg.lr * cfg.final_lr_fraction;
    floor + (cfg.lr - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
}

/// A network with its own variable store.
pub struct Model {
    pub vs: nn::VarStore,
    pub net: YoloNet,
}

impl Model {
    pub fn new(config: &ModelConfig, device: Device) -> Self {
        let vs = nn::VarStore::new(device);
        let net = YoloNet::new(&vs.root(), config);
        Self { vs, net }
    }
}

/// Owns the trained model, its EMA copy and the optimiser.
pub struct Trainer {
    pub model: Model,
    ema: Option<Model>,
    opt: AdamW,
    loss_cfg: LossConfig,
    cfg: TrainConfig,
    step: usize,
    total_steps: usize,
    warmup_steps: usize,
}

impl Trainer {
    /// Seeds libtorch with `cfg.seed` and builds a fresh model.
    pub fn new(
        model_cfg: &ModelConfig,
        loss_cfg: &LossConfig,
        cfg: &TrainConfig,
        steps_per_epoch: usize,
        device: Device,
    ) -> Result<Self, tch::TchError> {
        tch::manual_seed(cfg.seed as i64);
        let model = Model::new(model_cfg, device);
        let ema = (cfg.ema_decay > 0.0).then(|| {
            let mut ema = Model::new(model_cfg, device);
            ema.vs.copy(&model.vs).expect("same architecture");
            ema
        });
        let opt = AdamW::new(&model.vs, 0.9, 0.999, cfg.weight_decay);
        let total_steps = (cfg.epochs * steps_per_epoch).max(1);
        let warmup_steps = (cfg.warmup_epochs * steps_per_epoch as f64).round() as usize;
        Ok(Self {
            model,
            ema,
            opt,
            loss_cfg: loss_cfg.clone(),
            cfg: cfg.clone(),
            step: 0,
            total_steps,
            warmup_steps,
        })
    }

    /// One step on a batch; returns the loss parts.
    ///
    /// # Shapes
    /// `images`: `(batch, 1, H, W)` in `[0, 1]`; `gts`: one list per image.
    pub fn step(&mut self, images: &Tensor, gts: &[Vec<GtBox>]) -> LossParts {
        let lr = learning_rate(self.step, self.total_steps, self.warmup_steps, &self.cfg);
        let (_, _, h, w) = images.size4().expect("images are (batch, 1, H, W)");
        let out = self.model.net.forward_t(images, true);
        let parts = detection_loss(&out, &anchor_points(h, w), gts, &self.loss_cfg);
        self.opt.zero_grad();
        parts.total.backward();
        if self.cfg.grad_clip > 0.0 {
            self.opt.clip_grad_norm(self.cfg.grad_clip);
        }
        self.opt.step(lr);
        self.update_ema();
        self.step += 1;
        parts
    }

    fn update_ema(&mut self) {
        let Some(ema) = &mut self.ema else { return };
        // Ramp the decay up early so the EMA is not stuck at the random init.
        let d = self.cfg.ema_decay * (1.0 - (-(self.step as f64 + 1.0) / 200.0).exp());
        let source = self.model.vs.variables();
        tch::no_grad(|| {
            for (name, mut target) in ema.vs.variables() {
                let src = &source[&name];
                target.copy_(&(&target * d + src * (1.0 - d)));
            }
        });
    }

    /// The model to evaluate and save: the EMA copy when enabled.
    pub fn eval_model(&self) -> &Model {
        self.ema.as_ref().unwrap_or(&self.model)
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    pub fn current_lr(&self) -> f64 {
        learning_rate(self.step, self.total_steps, self.warmup_steps, &self.cfg)
    }

    /// Everything a resumed run needs besides the data order, by name: the
    /// weights (`model.*`), the EMA weights (`ema.*`), the moments
    /// (`adamw.*`). The step count is [`Trainer::steps_done`].
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = named(&self.model.vs, "model.");
        if let Some(ema) = &self.ema {
            out.extend(named(&ema.vs, "ema."));
        }
        out.extend(self.opt.state());
        out
    }

    /// Restores a state saved by [`Trainer::state`] after `steps` steps into
    /// a trainer built with the same configs.
    pub fn restore(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        steps: usize,
    ) -> Result<(), String> {
        copy_into(&self.model.vs, "model.", tensors)?;
        if let Some(ema) = &self.ema {
            copy_into(&ema.vs, "ema.", tensors)?;
        }
        let opt_steps = i32::try_from(steps).map_err(|_| format!("{steps} steps"))?;
        self.opt.restore(tensors, opt_steps)?;
        self.step = steps;
        Ok(())
    }
}

/// Every variable of `vs`, named `prefix` + its name, sorted.
fn named(vs: &nn::VarStore, prefix: &str) -> Vec<(String, Tensor)> {
    let mut out: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| (format!("{prefix}{name}"), t))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Copies `tensors[prefix + name]` into every variable of `vs`.
fn copy_into(
    vs: &nn::VarStore,
    prefix: &str,
    tensors: &HashMap<String, Tensor>,
) -> Result<(), String> {
    for (name, mut var) in vs.variables() {
        restore_tensor(tensors, &format!("{prefix}{name}"), &mut var)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_the_floor() {
        let cfg = TrainConfig {
            lr: 1.0,
            final_lr_fraction: 0.1,
            ..Default::default()
        };
        assert!((learning_rate(0, 100, 10, &cfg) - 0.1).abs() < 1e-12);
        assert!((learning_rate(9, 100, 10, &cfg) - 1.0).abs() < 1e-12);
        assert!((learning_rate(10, 100, 10, &cfg) - 1.0).abs() < 1e-12);
        assert!((learning_rate(55, 100, 10, &cfg) - 0.55).abs() < 1e-12);
        assert!((learning_rate(100, 100, 10, &cfg) - 0.1).abs() < 1e-12);
    }
}
