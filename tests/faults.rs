//! Faults and long runs, end to end: `cervai run` killed at random moments
//! and resumed, run directories spoiled by hand, a full disk, memory over
//! many inferences, thread counts, seeded training twice, and checkpoints
//! that are truncated, of another kind or of another architecture.

mod common;

#[path = "faults/checkpoints.rs"]
mod checkpoints;
#[path = "faults/disk.rs"]
mod disk;
#[path = "faults/kills.rs"]
mod kills;
#[path = "faults/memory.rs"]
mod memory;
#[path = "faults/threads.rs"]
mod threads;
#[path = "faults/training.rs"]
mod training;

use common::{bytes, files_under, fixture, run, run_cmd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The files every resumed or repeated run must reproduce byte for byte.
pub const OUTPUTS: [&str; 2] = ["boxes.json", "predictions.json"];

/// The stages that make `OUTPUTS`, for runs that need no report.
pub const STAGES: &str = "detect,crop,grade";

/// An uninterrupted run through every stage, made once, and its duration.
pub fn reference() -> &'static (PathBuf, Duration) {
    static REF: OnceLock<(PathBuf, Duration)> = OnceLock::new();
    REF.get_or_init(|| {
        let fx = fixture();
        let out = fx.root.join("reference");
        let started = Instant::now();
        run(&mut run_cmd(fx, &fx.data, &out), true);
        (out, started.elapsed())
    })
}

/// `boxes.json` and `predictions.json` of `out` equal the reference's.
pub fn assert_same_outputs(out: &Path) {
    common::assert_same_files(out, &reference().0, &OUTPUTS);
}

/// No temporary file is left and every JSON file present parses.
pub fn assert_nothing_half_written(out: &Path) {
    let partial = files_under(out)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".partial"));
    assert_eq!(partial, None, "a temporary file was left behind");
    assert_json_complete(out);
}

/// Every JSON file present parses (temporary files aside).
pub fn assert_json_complete(out: &Path) {
    for path in files_under(out) {
        if path.extension().is_some_and(|e| e == "json") {
            let parsed = serde_json::from_slice::<serde_json::Value>(&bytes(&path));
            assert!(parsed.is_ok(), "{path:?} does not parse: {parsed:?}");
        }
    }
}

/// Patient ids of the fixture cohort, sorted.
pub fn patient_ids(data: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(data)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}
