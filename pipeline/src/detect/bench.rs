//! Inference throughput and peak memory at a given batch size, on random
//! 1-channel images of the model's input size.

use super::infer::SpineDetector;
use super::sample::images_to_tensor;
use crate::data::GrayImage;
use crate::memory::{peak_rss_mib, reset_peak_rss};
use detector::infer::predict;
use rand::{Rng, SeedableRng};

/// One measurement.
#[derive(Clone, Debug)]
pub struct BenchResult {
    pub batch: usize,
    pub images_per_second: f64,
    pub ms_per_batch: f64,
    /// Peak resident memory of the process while this batch size ran (MiB),
    /// when the kernel reports it.
    pub peak_rss_mib: Option<f64>,
}

/// Times `iters` forward passes plus decoding after `warmup` untimed ones.
pub fn bench(det: &SpineDetector, batch: usize, warmup: usize, iters: usize) -> BenchResult {
    let side = det.model.net.config().image_size as usize;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let images: Vec<GrayImage> = (0..batch)
        .map(|_| GrayImage {
            width: side,
            height: side,
            pixels: (0..side * side).map(|_| rng.random()).collect(),
        })
        .collect();
    let refs: Vec<&GrayImage> = images.iter().collect();
    reset_peak_rss();
    for _ in 0..warmup {
        run_once(det, &refs);
    }
    let start = std::time::Instant::now();
    for _ in 0..iters {
        run_once(det, &refs);
    }
    let secs = start.elapsed().as_secs_f64();
    BenchResult {
        batch,
        images_per_second: (batch * iters) as f64 / secs,
        ms_per_batch: 1000.0 * secs / iters as f64,
        peak_rss_mib: peak_rss_mib(),
    }
}

/// Tensor creation, forward pass and per-class decoding of one batch.
fn run_once(det: &SpineDetector, images: &[&GrayImage]) {
    let batch = images_to_tensor(images, det.device);
    let outputs = predict(&det.model.net, &batch);
    for out in &outputs {
        std::hint::black_box(detector::decode::decode_anatomical(out, &det.decode));
    }
}
