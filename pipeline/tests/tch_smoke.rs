//! Smoke test of the libtorch install: a tiny network takes one forward
//! pass, one backward pass and one optimizer step on the CPU. A missing or
//! broken libtorch fails here, loudly, before any model test.

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

#[test]
fn one_training_step_on_cpu_changes_the_weights() {
    tch::manual_seed(7);
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    // (batch, 1, 8, 8) -> conv -> (batch, 4, 8, 8) -> mean -> linear -> (batch, 3)
    let conv = nn::conv2d(
        &root / "conv",
        1,
        4,
        3,
        nn::ConvConfig {
            padding: 1,
            ..Default::default()
        },
    );
    let head = nn::linear(&root / "head", 4, 3, Default::default());
    let mut opt = nn::Sgd::default().build(&vs, 0.1).unwrap();

    let xs = Tensor::randn([6, 1, 8, 8], (Kind::Float, Device::Cpu));
    let ys = Tensor::from_slice(&[0i64, 1, 2, 0, 1, 2]);
    let before = head.ws.copy();

    let logits = head.forward(&conv.forward(&xs).relu().mean_dim(
        &[2i64, 3][..],
        false,
        Kind::Float,
    ));
    assert_eq!(logits.size(), [6, 3]);
    let loss = logits.cross_entropy_for_logits(&ys);
    let value = loss.double_value(&[]);
    assert!(value.is_finite() && value > 0.0, "loss {value}");
    opt.backward_step(&loss);

    let grad = conv.ws.grad();
    assert!(
        grad.abs().sum(Kind::Float).double_value(&[]) > 0.0,
        "no gradient reached the conv"
    );
    let change = (&head.ws - &before).abs().max().double_value(&[]);
    assert!(
        change > 0.0,
        "the optimizer step left the weights unchanged"
    );
}
