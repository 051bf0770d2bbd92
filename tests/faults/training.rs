//! Training killed with SIGKILL and started again resumes from its saved
//! state and ends with the very files of an uninterrupted training: the
//! detector after its first epoch, the graders at chosen points (the
//! first epoch's state on disk, a finished fold), and both at seeded
//! random moments.

use crate::common::{assert_same_files, cervai, fixture, run};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn detector_training_killed_after_an_epoch_and_at_random_moments_resumes_exactly() {
    let fx = fixture();
    let train = |out: &Path| -> Command {
        let mut cmd = cervai();
        cmd.args(["detector", "train", "--epochs", "2", "--config"]);
        cmd.arg(fx.root.join("detector.toml")).arg("--out").arg(out);
        cmd
    };
    let whole = fx.root.join("det-whole");
    let started = Instant::now();
    run(&mut train(&whole), true);
    let duration = started.elapsed();

    // Kill as soon as the first epoch's training state is on disk
    let out = fx.root.join("det-killed");
    let state = out.join("last.ckpt");
    let killed = kill_when(spawn_quiet(train(&out)), &|| state.exists(), None);
    assert!(killed, "the training ended before it could be killed");

    // Started again, it trains the second epoch only
    let again = run(&mut train(&out), true);
    let log = String::from_utf8_lossy(&again.stdout);
    assert!(
        !log.contains("epoch  1 ") && log.contains("epoch  2 "),
        "{log}"
    );
    assert_same_files(&out, &whole, &DETECTOR_OUTPUTS);

    // Killed at seeded random moments, each start resuming the last
    let out = fx.root.join("det-random");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut landed = 0;
    for _ in 0..3 {
        let at = duration.mul_f64(rng.random_range(0.1..0.9));
        landed += kill_when(spawn_quiet(train(&out)), &|| false, Some(at)) as usize;
    }
    assert!(landed >= 1, "no kill landed before the training ended");
    run(&mut train(&out), true);
    assert_same_files(&out, &whole, &DETECTOR_OUTPUTS);
}

/// `cervai classifier train` on the fixture cohort with three epochs per
/// model, into `out`; without `-q` so that its log shows a resume.
fn grader_training(out: &Path) -> Command {
    let fx = fixture();
    let config = fx.root.join("classifier-3-epochs.toml");
    if !config.exists() {
        let mut text = std::fs::read_to_string(&fx.grader_config).unwrap();
        text = text.replace("[train]\nepochs = 1", "[train]\nepochs = 3");
        text = text.replace("[spine_train]\nepochs = 2", "[spine_train]\nepochs = 3");
        assert!(text.matches("epochs = 3").count() == 2, "{text}");
        std::fs::write(&config, text).unwrap();
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cervai"));
    cmd.args(["classifier", "train", "--config"]).arg(config);
    cmd.arg("--images").arg(&fx.data).arg("--out").arg(out);
    cmd
}

/// What a finished detector training must reproduce byte for byte.
const DETECTOR_OUTPUTS: [&str; 2] = ["detector.ckpt", "last.ckpt"];

/// What a finished grader training must reproduce byte for byte.
const GRADER_OUTPUTS: [&str; 4] = [
    "grader.safetensors",
    "oof_predictions.json",
    "cv_score.json",
    "epochs.csv",
];

/// Kills `child` with SIGKILL once `ready` holds (or after `after`);
/// returns whether it was still running then.
fn kill_when(mut child: Child, ready: &dyn Fn() -> bool, after: Option<Duration>) -> bool {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(300);
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let due = match after {
            Some(d) => start.elapsed() >= d,
            None => ready(),
        };
        assert!(Instant::now() < deadline, "the awaited moment never came");
        if due {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().ok();
    child.wait().unwrap();
    true
}

fn spawn_quiet(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn grader_training_killed_at_chosen_and_random_moments_resumes_exactly() {
    let fx = fixture();
    let whole = fx.root.join("grader-whole");
    let started = Instant::now();
    run(&mut grader_training(&whole), true);
    let duration = started.elapsed();
    assert!(
        !whole.join("resume").exists(),
        "state left after a finished training"
    );

    // Killed once the first epoch's state is on disk: the next start says
    // it resumes, and is killed in turn once fold 0 has finished.
    let out = fx.root.join("grader-killed");
    let resume = out.join("resume");
    let last: PathBuf = resume.join("last.state");
    let first = spawn_quiet(grader_training(&out));
    assert!(
        kill_when(first, &|| last.exists(), None),
        "ended before its first epoch"
    );
    let log_path = fx.root.join("grader-killed.log");
    let child = grader_training(&out)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let fold0 = resume.join("fold0.json");
    assert!(
        kill_when(child, &|| fold0.exists(), None),
        "ended before fold 0 did"
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("fold0: resuming the per-level net after epoch"),
        "{log}"
    );

    let again = run(&mut grader_training(&out), true);
    let log = String::from_utf8_lossy(&again.stderr);
    assert!(log.contains("fold 0: finished earlier"), "{log}");
    assert_same_files(&out, &whole, &GRADER_OUTPUTS);
    assert!(!resume.exists(), "state left after a finished training");

    // Seeded random moments, then a resume that runs to the end
    let out = fx.root.join("grader-random");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut landed = 0;
    for _ in 0..4 {
        let at = duration.mul_f64(rng.random_range(0.1..0.9));
        landed += kill_when(spawn_quiet(grader_training(&out)), &|| false, Some(at)) as usize;
    }
    assert!(landed >= 1, "no kill landed before the training ended");
    run(&mut grader_training(&out), true);
    assert_same_files(&out, &whole, &GRADER_OUTPUTS);
}
