//! `cervai evaluate` run as a user runs it: a table on stdout, the JSON
//! report with `--json`, bad records named on stderr while the good ones
//! are still scored, and the exit status telling whether anything was bad.

use std::path::Path;
use std::process::Command;

fn record(id: &str, qd: u8, sl: u8, disc: u8, canal: u8) -> String {
    format!(
        r#"{{"id": "{id}", "qd": {qd}, "sl": {sl}, "zjppt": [{disc},{disc},{disc},{disc},{disc}],
            "zyzg": [{canal},0,0,0,0,0,0,0,0,0,0]}}"#
    )
}

fn write(path: &Path, records: &[String]) {
    std::fs::write(path, format!("[{}]", records.join(",\n"))).unwrap();
}

fn evaluate(labels: &Path, pred: &Path, json: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cervai"))
        .args(["evaluate", "--labels"])
        .arg(labels)
        .arg("--pred")
        .arg(pred)
        .arg("--json")
        .arg(json)
        .output()
        .unwrap()
}

#[test]
fn scores_good_records_and_reports_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, pred, json) = (
        dir.path().join("labels.json"),
        dir.path().join("pred.json"),
        dir.path().join("out/score.json"),
    );
    write(
        &labels,
        &[
            record("a", 0, 0, 1, 0),
            record("b", 1, 1, 2, 1),
            record("c", 2, 1, 2, 1),
        ],
    );

    // Perfect predictions for a and b, a broken record for c, an unknown id.
    let broken = r#"{"id": "c", "qd": 7, "sl": 1, "zjppt": [0,0,0,0,0], "zyzg": []}"#;
    let extra = record("x", 0, 0, 0, 0);
    write(
        &pred,
        &[
            record("a", 0, 0, 1, 0),
            record("b", 1, 1, 2, 1),
            broken.into(),
            extra,
        ],
    );
    let out = evaluate(&labels, &pred, &json);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("patient c") && stderr.contains("pred.json"),
        "{stderr}"
    );
    assert!(
        stdout.contains("patients scored 2, missing from predictions 1"),
        "{stdout}"
    );

    let bytes = std::fs::read(&json).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(report["n_scored"], 2);
    assert_eq!(report["missing"][0], "c");
    assert_eq!(report["ignored"][0], "x");
    assert_eq!(report["read_errors"].as_array().unwrap().len(), 1);
    // a and b are predicted exactly: every task scores 1.
    assert_eq!(report["score"], 1.0);
}

#[test]
fn clean_files_exit_0_and_a_missing_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, json) = (dir.path().join("l.json"), dir.path().join("s.json"));
    write(&labels, &[record("a", 0, 0, 3, 3), record("b", 1, 1, 0, 0)]);
    let out = evaluate(&labels, &labels, &json);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("score  weighted sum           1.0000"));

    let out = evaluate(&labels, &dir.path().join("absent.json"), &json);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.json"));
}
