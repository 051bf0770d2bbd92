//! `kill -9` at seeded random moments of `cervai run`, each followed by a
//! resume; and run directories spoiled by hand (truncated per-patient
//! files, crops without or with a broken manifest) that must be redone.

use super::{assert_json_complete, assert_nothing_half_written, assert_same_outputs};
use super::{patient_ids, reference, STAGES};
use crate::common::{bytes, copy_dir, fixture, run, run_cmd, Fixture, PATIENTS};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How far a run directory got: patients with boxes, with crops, with
/// grades, and whether the report is written.
#[derive(Debug)]
struct Progress {
    boxes: usize,
    crops: usize,
    grades: usize,
    report: bool,
}

impl Progress {
    fn of(out: &Path) -> Self {
        let count = |dir: &Path, done: &dyn Fn(&Path) -> bool| {
            std::fs::read_dir(dir)
                .map(|d| d.flatten().filter(|e| done(&e.path())).count())
                .unwrap_or(0)
        };
        let json = |p: &Path| p.extension().is_some_and(|e| e == "json");
        Self {
            boxes: count(&out.join("stages/detect"), &json),
            crops: count(&out.join("crops"), &|p| p.join("manifest.json").exists()),
            grades: count(&out.join("stages/grade"), &json),
            report: out.join("report/index.html").exists(),
        }
    }

    /// Units of work done, of `3 * PATIENTS + 1`.
    fn units(&self) -> usize {
        self.boxes + self.crops + self.grades + self.report as usize
    }
}

/// Starts a run, waits until `units` of work are done, waits `jitter`
/// more, and kills it with SIGKILL unless it ended first. Returns whether
/// the kill landed.
fn run_and_kill(fx: &Fixture, out: &Path, units: usize, jitter: Duration) -> bool {
    let mut child = run_cmd(fx, &fx.data, out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Progress::of(out).units() < units && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(jitter);
    let landed = child.try_wait().unwrap().is_none();
    child.kill().ok(); // SIGKILL on Unix
    child.wait().unwrap();
    landed
}

#[test]
fn killed_at_random_moments_then_resumed_equals_an_uninterrupted_run() {
    let fx = fixture();
    reference();
    let out = fx.root.join("killed-often");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);

    // One kill at a random point of each stage (boxes, crops and grades
    // are PATIENTS units each; the report comes after the last grade), one
    // more anywhere, and each a random few milliseconds late; in order, so
    // a point already passed kills a resume as soon as it starts
    let n = PATIENTS;
    let ranges = [
        (0..n, 30),
        (n..2 * n, 30),
        (2 * n..3 * n, 30),
        (3 * n..3 * n + 1, 500),
    ];
    let mut points: Vec<(usize, Duration)> = ranges
        .into_iter()
        .chain([(0..3 * n, 30)])
        .map(|(units, late)| {
            let units = rng.random_range(units);
            (units, Duration::from_millis(rng.random_range(0..late)))
        })
        .collect();
    points.sort();
    let mut landed = 0;
    for (k, (units, jitter)) in points.into_iter().enumerate() {
        let killed = run_and_kill(fx, &out, units, jitter);
        landed += killed as usize;
        let now = Progress::of(&out);
        println!("kill {k} after {units} units + {jitter:?}: landed {killed}; {now:?}");
        assert_json_complete(&out);
    }
    assert!(
        landed >= 3,
        "only {landed} kills landed while the run was working"
    );

    // A final resume finishes and equals the uninterrupted run
    run(&mut run_cmd(fx, &fx.data, &out), true);
    assert_same_outputs(&out);
    assert_nothing_half_written(&out);
}

/// Cuts a file to half its length, as a crash during a plain write would.
fn truncate(path: &Path) {
    let content = bytes(path);
    std::fs::write(path, &content[..content.len() / 2]).unwrap();
}

#[test]
fn spoiled_files_in_a_run_directory_are_redone_not_trusted() {
    let fx = fixture();
    let (reference, _) = reference();
    let out = fx.root.join("spoiled");
    copy_dir(reference, &out);
    let ids = patient_ids(&fx.data);
    let grade = |id: &str| out.join("stages/grade").join(format!("{id}.json"));
    let crops = |id: &str| out.join("crops").join(id);

    // Per-patient files cut short, crops without or with a broken manifest
    let boxes = out.join("stages/detect").join(format!("{}.json", ids[0]));
    truncate(&boxes);
    truncate(&grade(&ids[1]));
    std::fs::remove_file(crops(&ids[2]).join("manifest.json")).unwrap();
    truncate(&crops(&ids[3]).join("manifest.json"));
    truncate(&crops(&ids[4]).join("crops.png"));
    for id in &ids[2..5] {
        std::fs::remove_file(grade(id)).unwrap(); // so the crops are used again
    }
    truncate(&out.join("boxes.json"));
    truncate(&out.join("predictions.json"));
    std::fs::write(out.join("stages/grade/.x.json.1.partial"), b"{").unwrap();

    // A resume redoes exactly what was spoiled, byte for byte
    let result = run(run_cmd(fx, &fx.data, &out).args(["--stages", STAGES]), true);
    let text = String::from_utf8_lossy(&result.stdout);
    assert_same_outputs(&out);
    assert_nothing_half_written(&out);
    let errors = bytes(&out.join("errors.json"));
    assert_eq!(String::from_utf8_lossy(&errors).trim(), "[]", "{text}");
    let redone = [
        boxes.clone(),
        grade(&ids[1]),
        crops(&ids[2]).join("manifest.json"),
        crops(&ids[3]).join("manifest.json"),
        crops(&ids[4]).join("crops.png"),
    ];
    for path in redone {
        let rel = path.strip_prefix(&out).unwrap();
        assert_eq!(bytes(&path), bytes(&reference.join(rel)), "{rel:?}");
    }
}
