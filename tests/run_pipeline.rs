//! End-to-end tests of `cervai run`, `merge` and `ablate`: the binary on a
//! tiny generated cohort with tiny trained models.

mod common;

use common::{assert_same_files, bytes, cervai, copy_dir, detect_cmd, files_under, fixture, run};
use common::{run_cmd, PATIENTS};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&bytes(path)).unwrap()
}

/// A reference run through every stage, made once.
fn reference() -> &'static Path {
    static REF: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        let fx = fixture();
        let out = fx.root.join("reference");
        run(&mut run_cmd(fx, &fx.data, &out), true);
        out
    })
}

#[test]
fn all_stages_write_every_artifact() {
    let out = reference();
    let predictions = json(&out.join("predictions.json"));
    assert_eq!(predictions.as_array().unwrap().len(), PATIENTS);
    assert_eq!(
        json(&out.join("boxes.json")).as_array().unwrap().len(),
        PATIENTS
    );
    assert_eq!(json(&out.join("errors.json")), serde_json::json!([]));
    assert!(out.join("config.toml").is_file());
    assert!(out.join("report/index.html").is_file());
    assert!(out.join("report/metrics.json").is_file());
    let crops = std::fs::read_dir(out.join("crops")).unwrap().count();
    assert_eq!(crops, PATIENTS);
}

#[test]
fn a_detector_only_job_writes_every_level_with_a_score() {
    let fx = fixture();
    let out = fx.root.join("detect-only");
    let mut cmd = detect_cmd(fx, &fx.data, &out);
    run(&mut cmd, true);
    let boxes = json(&out.join("boxes.json"));
    let boxes = boxes.as_array().unwrap();
    assert_eq!(boxes.len(), PATIENTS);
    for patient in boxes {
        for level in ["C2", "C3", "C4", "C5", "C6", "C7"] {
            let slices = patient[level].as_array().unwrap();
            let scores = patient["scores"][level].as_array().unwrap();
            assert_eq!((slices.len(), scores.len()), (3, 3));
            for (b, s) in slices.iter().zip(scores) {
                assert!(b.is_null() || b.as_str().unwrap().starts_with('('), "{b}");
                assert!((0.0..=1.0).contains(&s.as_f64().unwrap()));
            }
        }
    }
    assert!(!out.join("predictions.json").exists(), "only stage 1 ran");
}

#[test]
fn a_second_run_skips_finished_work_and_changes_nothing() {
    let fx = fixture();
    let out = fx.root.join("rerun");
    run(&mut run_cmd(fx, &fx.data, &out), true);
    let first = bytes(&out.join("predictions.json"));
    let again = run(&mut run_cmd(fx, &fx.data, &out), true);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        text.contains(&format!("already done {PATIENTS:>5}")),
        "{text}"
    );
    assert_eq!(first, bytes(&out.join("predictions.json")));
}

#[test]
fn killed_mid_stage_then_resumed_equals_an_uninterrupted_run() {
    let fx = fixture();
    let out = fx.root.join("killed");
    let mut child = run_cmd(fx, &fx.data, &out)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();

    // Kill -9 once the crop stage has finished a few patients
    let crops = out.join("crops");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = std::fs::read_dir(&crops).map(|d| d.count()).unwrap_or(0);
        if done >= 3 || Instant::now() > deadline {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().ok();
    child.wait().unwrap();

    run(&mut run_cmd(fx, &fx.data, &out), true);
    let reference = reference();
    assert_same_files(&out, reference, &["boxes.json", "predictions.json"]);
    let leftovers = files_under(&out)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".partial"));
    assert_eq!(
        leftovers.count(),
        0,
        "a resumed run leaves no temporary files"
    );
}

#[test]
fn a_corrupted_patient_is_reported_and_the_others_are_scored() {
    let fx = fixture();
    let data = fx.root.join("corrupted");
    copy_dir(&fx.data, &data);
    let bad = first_patient(&data);
    std::fs::write(data.join(&bad).join("sag").join("6.png"), b"not a png").unwrap();

    let out = fx.root.join("corrupted-run");
    let result = run(&mut run_cmd(fx, &data, &out), false);
    assert_eq!(result.status.code(), Some(1));
    let errors = json(&out.join("errors.json"));
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["id"], serde_json::json!(bad));
    assert!(errors[0]["file"].as_str().unwrap().ends_with("6.png"));
    let predictions = json(&out.join("predictions.json"));
    assert_eq!(predictions.as_array().unwrap().len(), PATIENTS - 1);
    let metrics = json(&out.join("report/metrics.json"));
    assert_eq!(metrics["n_scored"], serde_json::json!(PATIENTS - 1));
}

#[test]
fn shards_merged_equal_an_unsharded_run() {
    let fx = fixture();
    let shards: Vec<_> = (0..2).map(|i| fx.root.join(format!("shard{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        run(
            run_cmd(fx, &fx.data, dir)
                .arg("--shard")
                .arg(format!("{i}/2")),
            true,
        );
    }
    let merged = fx.root.join("merged");
    run(
        cervai()
            .arg("merge")
            .arg("--out")
            .arg(&merged)
            .args(&shards),
        true,
    );
    let reference = reference();
    assert_same_files(&merged, reference, &["boxes.json", "predictions.json"]);
}

#[test]
fn a_second_process_on_the_same_run_directory_is_refused() {
    let fx = fixture();
    let out = fx.root.join("locked");
    let mut first = run_cmd(fx, &fx.data, &out)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lock = out.join(".lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&lock)
        .unwrap_or_default()
        .is_empty()
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = run(&mut run_cmd(fx, &fx.data, &out), false);
    let finished_first = first.try_wait().unwrap().is_some();
    first.wait().unwrap();
    if !finished_first {
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(err.contains("in use by another cervai process"), "{err}");
    }
}

#[test]
fn an_ablation_with_two_variants_writes_its_table() {
    let fx = fixture();
    let cfg = fx.root.join("ablation.toml");
    std::fs::write(
        &cfg,
        format!(
            "data = {:?}\nbase = {:?}\nfolds = 2\nseed = 3\n\
             [[variants]]\nname = \"full\"\nboxes = \"truth\"\n\
             [[variants]]\nname = \"no axial\"\nboxes = \"truth\"\n\
             set = {{ \"level.use_axial\" = false }}\n",
            fx.data, fx.grader_config
        ),
    )
    .unwrap();
    let out = fx.root.join("ablation");
    run(
        cervai()
            .arg("ablate")
            .arg("--config")
            .arg(&cfg)
            .arg("--out")
            .arg(&out),
        true,
    );
    let table = String::from_utf8(bytes(&out.join("table.md"))).unwrap();
    assert!(
        table.contains("| full |") && table.contains("| no axial |"),
        "{table}"
    );
    let rows = json(&out.join("table.json"));
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(out.join("chart.png").is_file());

    // Resuming finds both variants done and rewrites the same table
    let again = run(
        cervai()
            .arg("ablate")
            .arg("--config")
            .arg(&cfg)
            .arg("--out")
            .arg(&out),
        true,
    );
    assert_eq!(
        table,
        String::from_utf8(bytes(&out.join("table.md"))).unwrap()
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("full"));
}

fn first_patient(data: &Path) -> String {
    let mut ids: Vec<String> = std::fs::read_dir(data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids.remove(0)
}
