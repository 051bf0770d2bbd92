//! Bad checkpoints through the command line: truncated, of the other kind
//! (a detector given as grader and the reverse), and of another
//! architecture than their header says. Each is a clear error naming the
//! file, a non-zero exit, and nothing written that a later stage or a
//! resume would trust.

use super::{assert_same_outputs, reference, STAGES};
use crate::common::{bytes, cervai, files_under, fixture, run, run_cmd, Fixture};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, expects failure, and checks that stderr names `checkpoint`
/// and contains `what`.
fn refused(cmd: &mut Command, checkpoint: &Path, what: &str) {
    let out = run(cmd, false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&checkpoint.display().to_string()), "{err}");
    assert!(
        err.to_lowercase().contains(what),
        "expected {what:?}: {err}"
    );
}

/// Files a run directory holds besides its lock.
fn written(dir: &Path) -> Vec<PathBuf> {
    let files = files_under(dir).into_iter();
    files.filter(|f| !f.ends_with(".lock")).collect()
}

fn truncated_copy(fx: &Fixture, from: &Path, name: &str) -> PathBuf {
    let content = bytes(from);
    let path = fx.root.join(name);
    std::fs::write(&path, &content[..content.len() * 2 / 3]).unwrap();
    path
}

/// The detector checkpoint with `width` in its header doubled: the tensors
/// no longer fit the architecture the header describes.
fn detector_of_another_width(fx: &Fixture) -> PathBuf {
    const MAGIC: usize = b"CERVAI-CKPT\n".len();
    let content = bytes(&fx.detector);
    let len = u64::from_le_bytes(content[MAGIC..MAGIC + 8].try_into().unwrap()) as usize;
    let header_end = MAGIC + 8 + len;
    let mut header: serde_json::Value =
        serde_json::from_slice(&content[MAGIC + 8..header_end]).unwrap();
    let width = header["config"]["width"].as_i64().unwrap();
    header["config"]["width"] = (2 * width).into();
    let header = serde_json::to_vec(&header).unwrap();

    let mut out = content[..MAGIC].to_vec();
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header);
    out.extend(&content[header_end..]);
    let path = fx.root.join("wide-detector.ckpt");
    std::fs::write(&path, out).unwrap();
    path
}

/// The grader checkpoint with the level net's width in its metadata
/// doubled.
fn grader_of_another_width(fx: &Fixture) -> PathBuf {
    let mut tensors = tch::Tensor::read_safetensors(&fx.grader).unwrap();
    let meta = tensors.iter_mut().find(|(n, _)| n == "__meta__").unwrap();
    let mut value: serde_json::Value =
        serde_json::from_slice(&Vec::<u8>::try_from(&meta.1).unwrap()).unwrap();
    let width = value["config"]["level"]["width"].as_i64().unwrap();
    value["config"]["level"]["width"] = (2 * width).into();
    meta.1 = tch::Tensor::from_slice(&serde_json::to_vec(&value).unwrap());
    let path = fx.root.join("wide-grader.safetensors");
    tch::Tensor::write_safetensors(&tensors, &path).unwrap();
    path
}

/// `cervai run --stages detect` with `detector` into a new run directory.
fn detect_run(fx: &Fixture, detector: &Path, out: &Path) -> Command {
    let mut cmd = cervai();
    cmd.arg("run")
        .arg("--data")
        .arg(&fx.data)
        .arg("--out")
        .arg(out);
    cmd.args(["--stages", "detect", "--detector"]).arg(detector);
    cmd
}

#[test]
fn bad_detector_checkpoints_are_refused_before_any_box_is_written() {
    let fx = fixture();
    let cases = [
        (fx.grader.clone(), "not a cervai checkpoint"),
        (truncated_copy(fx, &fx.detector, "cut.ckpt"), "truncated"),
        (detector_of_another_width(fx), "shape"),
    ];
    for (k, (model, what)) in cases.iter().enumerate() {
        let out = fx.root.join(format!("bad-detector-{k}"));
        refused(&mut detect_run(fx, model, &out), model, what);
        assert_eq!(written(&out), Vec::<PathBuf>::new(), "{model:?}");

        // The localization job alone
        let boxes = fx.root.join(format!("bad-detector-{k}.json"));
        let mut cmd = cervai();
        cmd.args(["detect", "--model"]).arg(model);
        cmd.arg("--data").arg(&fx.data).arg("--out").arg(&boxes);
        refused(&mut cmd, model, what);
        assert!(!boxes.exists(), "{model:?}");
    }
}

#[test]
fn bad_grader_checkpoints_are_refused_before_any_crop_or_grade_is_written() {
    let fx = fixture();
    let (reference, _) = reference();
    let cases = [
        (fx.detector.clone(), "not a grader checkpoint"),
        (
            truncated_copy(fx, &fx.grader, "cut.safetensors"),
            "truncated",
        ),
        (grader_of_another_width(fx), "shape"),
    ];
    for (k, (model, what)) in cases.iter().enumerate() {
        let out = fx.root.join(format!("bad-grader-{k}"));
        let mut cmd = cervai();
        cmd.arg("run")
            .arg("--data")
            .arg(&fx.data)
            .arg("--out")
            .arg(&out);
        cmd.args(["--boxes", "truth", "--grader"]).arg(model);
        refused(&mut cmd, model, what);
        assert_eq!(written(&out), Vec::<PathBuf>::new(), "{model:?}");

        // A resume with the right grader is not refused and finishes
        if k == 0 {
            run(run_cmd(fx, &fx.data, &out).args(["--stages", STAGES]), true);
            assert_same_outputs(&out);
        }

        // Grading existing crops alone
        let predictions = fx.root.join(format!("bad-grader-{k}.json"));
        let mut cmd = cervai();
        cmd.arg("grade").arg("--crops").arg(reference.join("crops"));
        cmd.arg("--model").arg(model).arg("--out").arg(&predictions);
        refused(&mut cmd, model, what);
        assert!(!predictions.exists(), "{model:?}");
    }
}
