//! AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization",
//! 2019) with its state in tensors this crate owns: the first and second
//! moments of every trainable variable and the step count. libtorch's own
//! optimizer does not expose its state through tch, and a training run
//! resumed after a crash must continue with exactly the state it stopped
//! with.

use crate::resume::restore_tensor;
use std::collections::HashMap;
use tch::{nn, Tensor};

/// One trainable variable and its moments.
struct Slot {
    name: String,
    param: Tensor,
    m: Tensor,
    v: Tensor,
}

/// The optimiser over the trainable variables of one variable store.
pub struct AdamW {
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    /// Sorted by variable name, so the state saves in a stable order.
    slots: Vec<Slot>,
    /// Steps taken; the bias corrections depend on it.
    steps: i32,
}

impl AdamW {
    /// Zero moments for every trainable variable of `vs`.
    pub fn new(vs: &nn::VarStore, beta1: f64, beta2: f64, weight_decay: f64) -> Self {
        let mut slots: Vec<Slot> = vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .map(|(name, param)| Slot {
                m: param.zeros_like(),
                v: param.zeros_like(),
                name,
                param,
            })
            .collect();
        slots.sort_by(|a, b| a.name.cmp(&b.name));
        Self {
            beta1,
            beta2,
            eps: 1e-8,
            weight_decay,
            slots,
            steps: 0,
        }
    }

    pub fn zero_grad(&mut self) {
        self.slots.iter_mut().for_each(|s| s.param.zero_grad());
    }

    /// Scales the gradients so that their joint L2 norm is at most `max`.
    pub fn clip_grad_norm(&mut self, max: f64) {
        tch::no_grad(|| {
            let grads: Vec<Tensor> = self.grads().collect();
            if grads.is_empty() {
                return;
            }
            let norms: Vec<Tensor> = grads.iter().map(|g| g.norm()).collect();
            let total = Tensor::stack(&norms, 0).norm().double_value(&[]);
            let coef = max / (total + 1e-6);
            if coef < 1.0 {
                for mut g in grads {
                    let _ = g.g_mul_scalar_(coef);
                }
            }
        })
    }

    fn grads(&self) -> impl Iterator<Item = Tensor> + '_ {
        self.slots
            .iter()
            .map(|s| s.param.grad())
            .filter(Tensor::defined)
    }

    /// One update with learning rate `lr`: decay the weights, update the
    /// moments, step along the bias-corrected ratio.
    pub fn step(&mut self, lr: f64) {
        self.steps += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let correction1 = 1.0 - b1.powi(self.steps);
        let correction2 = (1.0 - b2.powi(self.steps)).sqrt();
        tch::no_grad(|| {
            for s in &mut self.slots {
                let grad = s.param.grad();
                if !grad.defined() {
                    continue;
                }
                let _ = s.param.g_mul_scalar_(1.0 - lr * self.weight_decay);
                let _ = s.m.g_mul_scalar_(b1).g_add_(&(&grad * (1.0 - b1)));
                let _ = s.v.g_mul_scalar_(b2).g_add_(&(&grad * &grad * (1.0 - b2)));
                let denom = s.v.sqrt() / correction2 + self.eps;
                let _ = s.param.g_sub_(&(&s.m / denom * (lr / correction1)));
            }
        })
    }

    pub fn steps(&self) -> i32 {
        self.steps
    }

    /// The moments as `adamw.m.<variable>` and `adamw.v.<variable>`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.slots.len());
        for s in &self.slots {
            out.push((format!("adamw.m.{}", s.name), s.m.shallow_clone()));
            out.push((format!("adamw.v.{}", s.name), s.v.shallow_clone()));
        }
        out
    }

    /// Restores moments saved by [`AdamW::state`] and the step count.
    pub fn restore(&mut self, tensors: &HashMap<String, Tensor>, steps: i32) -> Result<(), String> {
        for s in &mut self.slots {
            for (moment, target) in [("m", &mut s.m), ("v", &mut s.v)] {
                restore_tensor(tensors, &format!("adamw.{moment}.{}", s.name), target)?;
            }
        }
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::OptimizerConfig;
    use tch::{Device, Kind};

    /// A store with one random 4×3 weight.
    fn store() -> (nn::VarStore, Tensor) {
        let vs = nn::VarStore::new(Device::Cpu);
        let init = nn::Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        };
        let w = vs.root().var("w", &[4, 3], init);
        (vs, w)
    }

    fn backward(x: &Tensor, w: &Tensor) {
        x.matmul(w).pow_tensor_scalar(2).sum(Kind::Float).backward();
    }

    #[test]
    fn takes_the_steps_of_libtorchs_adamw() {
        let x = Tensor::randn([5, 4], (Kind::Float, Device::Cpu));
        let ((vs_a, wa), (vs_b, mut wb)) = (store(), store());
        tch::no_grad(|| wb.copy_(&wa));
        let mut ours = AdamW::new(&vs_a, 0.9, 0.999, 0.05);
        let mut theirs = nn::adamw(0.9, 0.999, 0.05).build(&vs_b, 0.01).unwrap();
        for step in 0..5 {
            let lr = 0.01 * (step + 1) as f64;
            ours.zero_grad();
            backward(&x, &wa);
            ours.step(lr);
            theirs.set_lr(lr);
            theirs.zero_grad();
            backward(&x, &wb);
            theirs.step();
        }
        let diff = (&wa - &wb).abs().max().double_value(&[]);
        assert!(diff < 1e-6, "weights differ by {diff}");
    }

    #[test]
    fn a_restored_state_continues_exactly() {
        let x = Tensor::randn([5, 4], (Kind::Float, Device::Cpu));
        let ((vs_a, wa), (vs_b, mut wb)) = (store(), store());
        let mut a = AdamW::new(&vs_a, 0.9, 0.999, 0.05);
        let mut b = AdamW::new(&vs_b, 0.9, 0.999, 0.05);
        let steps = |opt: &mut AdamW, w: &Tensor, n: usize| {
            for _ in 0..n {
                opt.zero_grad();
                backward(&x, w);
                opt.step(0.01);
            }
        };
        steps(&mut a, &wa, 3);

        // Copy the weights and the optimiser state of `a` into `b`
        tch::no_grad(|| wb.copy_(&wa));
        let state: HashMap<String, Tensor> = a.state().into_iter().collect();
        b.restore(&state, a.steps()).unwrap();
        steps(&mut a, &wa, 2);
        steps(&mut b, &wb, 2);
        let flat = |w: &Tensor| Vec::<f32>::try_from(w.flatten(0, -1)).unwrap();
        assert_eq!(flat(&wa), flat(&wb));
    }
}
