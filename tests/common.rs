//! Shared fixture of the end-to-end tests: a tiny phantom cohort and tiny
//! trained models, made once per test binary with the `cervai` binary
//! itself, in a temporary folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const PATIENTS: usize = 10;

/// The `cervai` binary under test.
pub fn cervai() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cervai"));
    cmd.arg("-q");
    cmd
}

/// Runs and returns the output; panics with stderr when `ok` is not met.
pub fn run(cmd: &mut Command, expect_success: bool) -> Output {
    let out = cmd.output().expect("cervai starts");
    if out.status.success() != expect_success {
        panic!(
            "{cmd:?} exited with {}\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// A cohort, a trained detector and a trained grader, shared by all tests.
pub struct Fixture {
    pub root: PathBuf,
    pub data: PathBuf,
    pub detector: PathBuf,
    pub grader: PathBuf,
    pub grader_config: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

fn build() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let data = root.join("cohort");
    run(
        cervai()
            .args([
                "synth",
                "--patients",
                &PATIENTS.to_string(),
                "--seed",
                "5",
                "--out",
            ])
            .arg(&data),
        true,
    );

    // A tiny detector: one epoch, narrow net
    let det_cfg = root.join("detector.toml");
    std::fs::write(
        &det_cfg,
        format!(
        "out = {:?}\nthreads = 2\n[data]\nroot = {:?}\nval_fraction = 0.2\n[model]\nwidth = 4\n\
         [train]\nepochs = 1\nbatch_size = 8\n",
        root.join("det"), data
    ),
    )
    .unwrap();
    run(
        cervai()
            .args(["detector", "train", "--config"])
            .arg(&det_cfg),
        true,
    );

    // A tiny grader: two folds, one epoch each
    let grader_config = root.join("classifier.toml");
    std::fs::write(&grader_config, tiny_grader_toml()).unwrap();
    let grader_dir = root.join("grader");
    run(
        cervai()
            .args(["classifier", "train", "--config"])
            .arg(&grader_config)
            .arg("--images")
            .arg(&data)
            .arg("--out")
            .arg(&grader_dir),
        true,
    );
    Fixture {
        detector: root.join("det").join("detector.ckpt"),
        grader: grader_dir.join("grader.safetensors"),
        grader_config,
        root,
        data,
        _dir: dir,
    }
}

fn tiny_grader_toml() -> String {
    "seed = 0\nfolds = 2\nthreads = 2\n\
     [level]\nwidth = 4\nembed_dim = 4\nhidden = 8\n\
     [spine]\nwidth = 4\nhidden = 8\n\
     [train]\nepochs = 1\n\
     [spine_train]\nepochs = 2\n"
        .to_owned()
}

/// `cervai run` over `data` into `out` with the fixture's grader. Stage 1
/// takes the true boxes: a detector trained for seconds finds too little
/// to crop from, and the detector has its own test below.
pub fn run_cmd(fx: &Fixture, data: &Path, out: &Path) -> Command {
    let mut cmd = run_cmd_unbatched(fx, data, out);
    cmd.args(["--batch", "1", "--threads", "1"]);
    cmd
}

/// [`run_cmd`] without the batch size and thread count, for tests that
/// choose their own.
pub fn run_cmd_unbatched(fx: &Fixture, data: &Path, out: &Path) -> Command {
    let mut cmd = cervai();
    cmd.arg("run").arg("--data").arg(data).arg("--out").arg(out);
    cmd.args(["--boxes", "truth"])
        .arg("--grader")
        .arg(&fx.grader);
    cmd
}

/// A detector-only job (`--stages detect`) with the fixture's detector.
pub fn detect_cmd(fx: &Fixture, data: &Path, out: &Path) -> Command {
    let mut cmd = cervai();
    cmd.arg("run").arg("--data").arg(data).arg("--out").arg(out);
    cmd.args(["--stages", "detect", "--detector"])
        .arg(&fx.detector);
    cmd
}

/// Bytes of a file, or a panic naming it.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks that each of `files` has the same bytes in `out` as in
/// `reference`.
pub fn assert_same_files(out: &Path, reference: &Path, files: &[&str]) {
    for file in files {
        assert!(
            bytes(&out.join(file)) == bytes(&reference.join(file)),
            "{file} of {} differs from {}",
            out.display(),
            reference.display()
        );
    }
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            std::fs::copy(entry.path(), dst).unwrap();
        }
    }
}

/// Every file below `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}
