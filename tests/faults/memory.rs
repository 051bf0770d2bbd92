//! Resident memory over many inferences on one patient in one process:
//! the detector on its three sagittal slices, then crop and grade. A leak
//! of even one image per iteration would show as growth.
//!
//! The long version (thousands of iterations) is ignored by default:
//! `CERVAI_SOAK_ITERS=5000 cargo test -p pipeline --test faults --
//! --ignored --nocapture memory_soak`.

use super::patient_ids;
use crate::common::fixture;
use pipeline::crops::crop_study;
use pipeline::data::{load_study, read_boxes};
use pipeline::detect::SpineDetector;
use pipeline::grade::{load_grader, predict};
use std::time::{Duration, Instant};

/// Resident memory of this process in MiB, from `/proc/self/status`.
fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024.0
}

/// Runs `iterations` inferences after `warmup` ones; returns the resident
/// memory (MiB) after the warm-up and at the end.
fn soak(warmup: usize, iterations: usize) -> (f64, f64) {
    let fx = fixture();
    let id = patient_ids(&fx.data).remove(0);
    let study = load_study(&fx.data, &id).unwrap();
    let boxes = read_boxes(&fx.data.join("bounding_box_train.json"), false).unwrap();
    let boxes = boxes.patients.into_iter().find(|p| p.id == id).unwrap();
    let cpu = tch::Device::Cpu;
    // One libtorch thread: spinning OpenMP workers on a loaded machine can
    // make each tiny forward pass a hundred times slower
    tch::set_num_threads(1);
    let detector = SpineDetector::load(&fx.detector, cpu).unwrap();
    let (grader, crop_cfg) = load_grader(&fx.grader, cpu).unwrap();

    // One iteration: detect on the three slices, crop, grade; the time of
    // each step is added to `spent`
    let mut spent = [Duration::ZERO; 3];
    let mut once = || {
        let t = Instant::now();
        let found = detector
            .detect_patients(&[(id.as_str(), &study.sagittal)])
            .unwrap();
        assert_eq!(found.len(), 1);
        spent[0] += t.elapsed();
        let t = Instant::now();
        let crops = crop_study(&study, &boxes, &crop_cfg).unwrap();
        spent[1] += t.elapsed();
        let t = Instant::now();
        let grades = predict(&grader, &crop_cfg, &[&crops], 11).unwrap();
        assert_eq!(grades.len(), 1);
        spent[2] += t.elapsed();
    };
    (0..warmup).for_each(|_| once());
    let start = resident_mib();
    (0..iterations).for_each(|_| once());
    let end = resident_mib();
    let per = spent.map(|s| s / (warmup + iterations) as u32);
    println!(
        "memory: {start:.1} MiB after {warmup} warm-up iterations, {end:.1} MiB after \
         {iterations} more ({:+.1} MiB); per iteration: detect {:.1?}, crop {:.1?}, \
         grade {:.1?}",
        end - start,
        per[0],
        per[1],
        per[2]
    );
    (start, end)
}

#[test]
fn resident_memory_stays_flat_over_many_inferences() {
    // NOTE: other tests of this binary run beside this one in the same
    // process, so the bound leaves room for their buffers; leaking the
    // detector's input alone (3 × 224 × 224 floats) would add 290 MiB.
    let (start, end) = soak(10, 500);
    assert!(end - start < 16.0, "grew from {start:.1} to {end:.1} MiB");
}

#[test]
#[ignore = "long: thousands of iterations (set CERVAI_SOAK_ITERS)"]
fn memory_soak() {
    let iterations = std::env::var("CERVAI_SOAK_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let (start, end) = soak(50, iterations);
    assert!(end - start < 16.0, "grew from {start:.1} to {end:.1} MiB");
}
