//! The trainer on a tiny hand-made set: the loss goes down, and a saved
//! then loaded model gives bit-identical outputs; broken checkpoints fail.

use detector::assign::GtBox;
use detector::checkpoint::{load_detector, save_detector, save_store, CheckpointError};
use detector::{LossConfig, Model, ModelConfig, TrainConfig, Trainer};
use tch::{Device, Kind, Tensor};

fn tiny_config() -> ModelConfig {
    ModelConfig {
        num_classes: 2,
        width: 4,
        image_size: 64,
    }
}

/// Two 64×64 images with a bright square (class 0) above a dimmer one.
fn tiny_set() -> (Tensor, Vec<Vec<GtBox>>) {
    let images = Tensor::zeros([2, 1, 64, 64], (Kind::Float, Device::Cpu));
    let mut gts = Vec::new();
    for (b, top) in [(0i64, 8i64), (1, 14)] {
        let _ = images
            .get(b)
            .get(0)
            .narrow(0, top, 12)
            .narrow(1, 20, 16)
            .fill_(1.0);
        let _ = images
            .get(b)
            .get(0)
            .narrow(0, top + 24, 12)
            .narrow(1, 20, 16)
            .fill_(0.5);
        let (t, w) = (top as f32, 20.0);
        gts.push(vec![
            GtBox {
                class: 0,
                bbox: [w, t, w + 16.0, t + 12.0],
            },
            GtBox {
                class: 1,
                bbox: [w, t + 24.0, w + 16.0, t + 36.0],
            },
        ]);
    }
    (images, gts)
}

#[test]
fn loss_goes_down_on_a_tiny_set() {
    tch::set_num_threads(1);
    let (images, gts) = tiny_set();
    let cfg = TrainConfig {
        lr: 1e-2,
        warmup_epochs: 0.0,
        epochs: 1,
        ..Default::default()
    };
    let mut trainer = Trainer::new(
        &tiny_config(),
        &LossConfig::default(),
        &cfg,
        60,
        Device::Cpu,
    )
    .unwrap();
    let first = trainer.step(&images, &gts).total.double_value(&[]);
    let mut last = first;
    for _ in 0..59 {
        last = trainer.step(&images, &gts).total.double_value(&[]);
    }
    assert!(last < 0.6 * first, "loss {first:.3} -> {last:.3}");
}

#[test]
fn save_then_load_gives_bit_identical_outputs() {
    tch::set_num_threads(1);
    tch::manual_seed(3);
    let model = Model::new(&tiny_config(), Device::Cpu);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("det.ckpt");
    save_detector(&path, &model).unwrap();
    let loaded = load_detector(&path, Device::Cpu).unwrap();
    let (images, _) = tiny_set();
    let a = model.net.forward_t(&images, false);
    let b = loaded.net.forward_t(&images, false);
    assert!(a.cls_logits.equal(&b.cls_logits));
    assert!(a.boxes.equal(&b.boxes));
}

#[test]
fn wrong_kind_truncated_and_foreign_checkpoints_are_errors() {
    let model = Model::new(&tiny_config(), Device::Cpu);
    let dir = tempfile::tempdir().unwrap();

    let grader = dir.path().join("grader.ckpt");
    save_store(&grader, &model.vs, "grader", model.net.config()).unwrap();
    let err = load_detector(&grader, Device::Cpu).err().unwrap();
    assert!(matches!(err, CheckpointError::WrongKind { .. }), "{err}");

    let good = dir.path().join("det.ckpt");
    save_detector(&good, &model).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.ckpt");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let err = load_detector(&cut, Device::Cpu).err().unwrap();
    assert!(matches!(err, CheckpointError::Truncated { .. }), "{err}");

    let foreign = dir.path().join("weights.ot");
    model.vs.save(&foreign).unwrap();
    let err = load_detector(&foreign, Device::Cpu).err().unwrap();
    assert!(
        matches!(err, CheckpointError::NotACheckpoint { .. }),
        "{err}"
    );
}

#[test]
fn another_architecture_or_an_empty_store_is_an_error() {
    use detector::checkpoint::{load_into_store, read_checkpoint, DETECTOR_KIND};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("det.ckpt");
    save_detector(&path, &Model::new(&tiny_config(), Device::Cpu)).unwrap();
    let (header, values) = read_checkpoint(&path, DETECTOR_KIND).unwrap();

    let mut wider = Model::new(
        &ModelConfig {
            width: 8,
            ..tiny_config()
        },
        Device::Cpu,
    );
    let err = load_into_store(&path, &mut wider.vs, &header, &values)
        .err()
        .unwrap();
    assert!(err.to_string().contains("shape"), "{err}");

    let mut empty = tch::nn::VarStore::new(Device::Cpu);
    let err = load_into_store(&path, &mut empty, &header, &values)
        .err()
        .unwrap();
    assert!(err.to_string().contains("empty"), "{err}");
}
