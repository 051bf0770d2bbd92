//! Results against thread counts (libtorch's `--threads` and the rayon
//! pool's `RAYON_NUM_THREADS`), and seeded CPU training run twice.
//!
//! Stated tolerance: grades are identical; detector boxes may move by at
//! most one pixel (corners are written rounded to whole pixels) and scores
//! by at most 1e-3, because a different split of a convolution over
//! threads may change the order of a float sum.

use super::{reference, OUTPUTS, STAGES};
use crate::common::{bytes, cervai, detect_cmd, fixture, run, run_cmd_unbatched};
use serde_json::Value;
use std::path::Path;

const LEVELS: [&str; 6] = ["C2", "C3", "C4", "C5", "C6", "C7"];
const MAX_CORNER_SHIFT: f64 = 1.0;
const MAX_SCORE_SHIFT: f64 = 1e-3;

fn json(path: &Path) -> Value {
    serde_json::from_slice(&bytes(path)).unwrap()
}

#[test]
fn grades_do_not_depend_on_thread_counts() {
    let fx = fixture();
    let (reference, _) = reference();
    for (torch, rayon) in [(1, 1), (2, 2)] {
        let out = fx.root.join(format!("threads-{torch}-{rayon}"));
        let mut cmd = run_cmd_unbatched(fx, &fx.data, &out);
        cmd.args(["--threads", &torch.to_string(), "--batch", "4"]);
        cmd.args(["--stages", STAGES]);
        run(cmd.env("RAYON_NUM_THREADS", rayon.to_string()), true);
        for file in OUTPUTS {
            assert!(
                bytes(&out.join(file)) == bytes(&reference.join(file)),
                "{file} differs with {torch} libtorch and {rayon} rayon threads"
            );
        }
    }
}

/// `[x1, y1, x2, y2]` of `"(x1,y1)(x2,y2)"`.
fn corners(text: &str) -> Vec<f64> {
    text.split(|c: char| !c.is_ascii_digit() && c != '-' && c != '.')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Largest corner and score differences between two detector box files;
/// panics when a box is found in one and missing in the other.
fn box_differences(a: &Value, b: &Value) -> (f64, f64) {
    let (mut corner, mut score) = (0.0f64, 0.0f64);
    let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
    assert_eq!(a.len(), b.len());
    for (pa, pb) in a.iter().zip(b) {
        assert_eq!(pa["id"], pb["id"]);
        for level in LEVELS {
            for slice in 0..3 {
                let (ba, bb) = (&pa[level][slice], &pb[level][slice]);
                assert_eq!(ba.is_null(), bb.is_null(), "{} {level}", pa["id"]);
                if let (Some(ba), Some(bb)) = (ba.as_str(), bb.as_str()) {
                    for (x, y) in corners(ba).into_iter().zip(corners(bb)) {
                        corner = corner.max((x - y).abs());
                    }
                }
                let (sa, sb) = (&pa["scores"][level][slice], &pb["scores"][level][slice]);
                score = score.max((sa.as_f64().unwrap() - sb.as_f64().unwrap()).abs());
            }
        }
    }
    (corner, score)
}

#[test]
fn detector_boxes_agree_across_thread_counts_within_tolerance() {
    let fx = fixture();
    let mut files = Vec::new();
    for (torch, rayon, batch) in [(1, 1, 1), (2, 2, 4)] {
        let out = fx.root.join(format!("detect-threads-{torch}-{rayon}"));
        let mut cmd = detect_cmd(fx, &fx.data, &out);
        cmd.args([
            "--threads",
            &torch.to_string(),
            "--batch",
            &batch.to_string(),
        ]);
        run(cmd.env("RAYON_NUM_THREADS", rayon.to_string()), true);
        files.push(json(&out.join("boxes.json")));
    }
    let (corner, score) = box_differences(&files[0], &files[1]);
    println!("1 vs 2 threads: corners differ by {corner} px at most, scores by {score}");
    assert!(corner <= MAX_CORNER_SHIFT, "corners moved {corner} px");
    assert!(score <= MAX_SCORE_SHIFT, "scores moved {score}");
}

#[test]
fn seeded_detector_training_twice_gives_identical_checkpoints() {
    let fx = fixture();
    let again = fx.root.join("det-again");
    run(
        cervai()
            .args(["detector", "train", "--config"])
            .arg(fx.root.join("detector.toml"))
            .arg("--out")
            .arg(&again),
        true,
    );
    let (first, second) = (bytes(&fx.detector), bytes(&again.join("detector.ckpt")));
    assert!(
        first == second,
        "two seeded trainings gave different weights"
    );
}

#[test]
fn seeded_grader_training_twice_gives_identical_checkpoints() {
    let fx = fixture();
    let again = fx.root.join("grader-again");
    run(
        cervai()
            .args(["classifier", "train", "--config"])
            .arg(&fx.grader_config)
            .arg("--images")
            .arg(&fx.data)
            .arg("--out")
            .arg(&again),
        true,
    );
    let (first, second) = (bytes(&fx.grader), bytes(&again.join("grader.safetensors")));
    assert!(
        first == second,
        "two seeded trainings gave different weights"
    );
}
