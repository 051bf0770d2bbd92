//! `cervai detector train` killed with SIGKILL after its first epoch and
//! started again: it resumes from its saved training state and ends with
//! the very checkpoint of an uninterrupted training.

use crate::common::{bytes, cervai, fixture, run};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn detector_training_killed_then_rerun_resumes_and_equals_an_uninterrupted_one() {
    let fx = fixture();
    let train = |out: &Path| -> Command {
        let mut cmd = cervai();
        cmd.args(["detector", "train", "--epochs", "2", "--config"]);
        cmd.arg(fx.root.join("detector.toml")).arg("--out").arg(out);
        cmd
    };
    let whole = fx.root.join("det-whole");
    run(&mut train(&whole), true);

    // Kill as soon as the first epoch's training state is on disk
    let out = fx.root.join("det-killed");
    let mut child = train(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let state = out.join("last.ckpt");
    let deadline = Instant::now() + Duration::from_secs(300);
    while !state.exists() && child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let landed = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    assert!(landed, "the training ended before it could be killed");

    // Started again, it trains the second epoch only
    let again = run(&mut train(&out), true);
    let log = String::from_utf8_lossy(&again.stdout);
    assert!(
        !log.contains("epoch  1 ") && log.contains("epoch  2 "),
        "{log}"
    );
    for file in ["detector.ckpt", "last.ckpt"] {
        assert!(
            bytes(&out.join(file)) == bytes(&whole.join(file)),
            "{file} differs from an uninterrupted training's"
        );
    }
}
