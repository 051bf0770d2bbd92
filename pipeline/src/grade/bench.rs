//! Grading throughput: levels per second of the per-level net at a given
//! batch size, on random patches of the configured size (the cost of a
//! forward pass does not depend on the pixel values).

use classifier::train::predict_levels;
use classifier::{Grader, LevelData};
use std::time::Instant;
use tch::{Device, Kind, Tensor};

/// Throughput figures of one bench run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchResult {
    pub levels: usize,
    pub batch: usize,
    pub seconds: f64,
    pub levels_per_second: f64,
}

/// Times `levels` rows through the per-level net after one warm-up batch.
pub fn bench_levels(grader: &Grader, levels: usize, batch: usize) -> BenchResult {
    let cfg = &grader.config.level;
    let data = random_levels(levels.max(1), cfg.sagittal_size, cfg.axial_size);
    let device = grader.device();
    let warm = random_levels(batch.max(1), cfg.sagittal_size, cfg.axial_size);
    let _ = predict_levels(&grader.level, &warm, batch, device);
    let start = Instant::now();
    let _ = predict_levels(&grader.level, &data, batch, device);
    let seconds = start.elapsed().as_secs_f64();
    BenchResult {
        levels,
        batch,
        seconds,
        levels_per_second: levels as f64 / seconds.max(1e-9),
    }
}

fn random_levels(n: usize, s: i64, a: i64) -> LevelData {
    let n = n as i64;
    let opts = (Kind::Float, Device::Cpu);
    LevelData {
        // (n, 3, S, S)
        sagittal: Tensor::rand([n, 3, s, s], opts),
        // (n, 1, A, A)
        axial: Tensor::rand([n, 1, a, a], opts),
        position: Tensor::arange(n, (Kind::Int64, Device::Cpu)).remainder(11),
        disc: Tensor::full([n], -1, (Kind::Int64, Device::Cpu)),
        canal: Tensor::full([n], -1, (Kind::Int64, Device::Cpu)),
    }
}
