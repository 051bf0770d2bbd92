//! The data layer against the public CervAI files in `../shared/cervai`:
//! every one of the 400 label and box records parses, known values and the
//! label counts come out exactly, and the submission format round-trips
//! byte for byte. Skips visibly when the shared files are absent.

use pipeline::data::SpineBoxes;
use pipeline::data::{read_boxes, read_labels, write_labels, PatientGrades, PixelBox};
use std::io::Write;
use std::path::PathBuf;

fn shared_file(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cervai");
    let path = dir.join(name);
    if path.is_file() {
        Some(path)
    } else {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found", path.display());
        None
    }
}

fn counts(values: impl Iterator<Item = u8>, classes: usize) -> Vec<usize> {
    let mut out = vec![0; classes];
    values.for_each(|v| out[v as usize] += 1);
    out
}

#[test]
fn all_400_label_records_parse_with_known_values_and_counts() {
    let Some(path) = shared_file("train.json") else {
        return;
    };
    let file = read_labels(&path).unwrap();
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let p = &file.patients;
    assert_eq!(p.len(), 400);

    // First, 124th and last records, read off the file by hand.
    assert_eq!(p[0].id, "01240428214113");
    assert_eq!((p[0].qd, p[0].sl), (1, 1));
    assert_eq!(p[123].id, "01240417208061");
    assert_eq!(p[123].zjppt, [0, 2, 2, 2, 2]);
    assert_eq!(p[123].zyzg, [0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    assert_eq!(p[399].id, "01240426219016");
    assert_eq!((p[399].qd, p[399].sl), (0, 1));
    assert_eq!(p[399].zjppt, [0, 2, 2, 0, 0]);

    // The label counts quoted in DESIGN.md.
    assert_eq!(counts(p.iter().map(|r| r.qd), 3), [63, 269, 68]);
    assert_eq!(counts(p.iter().map(|r| r.sl), 2), [22, 378]);
    let discs = p.iter().flat_map(|r| r.zjppt);
    assert_eq!(counts(discs, 4), [499, 111, 1359, 31]);
    let canal = p.iter().flat_map(|r| r.zyzg);
    assert_eq!(counts(canal, 4), [2547, 1208, 527, 118]);
}

#[test]
fn all_400_box_records_parse_with_known_values() {
    let (Some(boxes), Some(labels)) = (
        shared_file("bounding_box_train.json"),
        shared_file("train.json"),
    ) else {
        return;
    };
    let file = read_boxes(&boxes, false).unwrap();
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.patients.len(), 400);
    assert!(file.patients.iter().all(SpineBoxes::is_complete));

    let first = &file.patients[0];
    assert_eq!(first.id, "01240429214076");
    let c2 = |s: usize| first.levels[0][s].unwrap().bbox;
    assert_eq!(c2(0), PixelBox::new(98.0, 58.0, 113.0, 76.0));
    assert_eq!(c2(2), PixelBox::new(96.0, 49.0, 114.0, 77.0));
    let c7_mid = first.levels[5][1].unwrap();
    assert_eq!(c7_mid.bbox, PixelBox::new(95.0, 127.0, 114.0, 147.0));
    assert_eq!(c7_mid.score, 1.0);
    let last = &file.patients[399];
    assert_eq!(last.id, "01240528221075");
    assert_eq!(
        last.levels[5][2].unwrap().bbox.to_challenge_string(),
        "(95,146)(114,163)"
    );

    // Every labelled patient has boxes and the reverse.
    let labels = read_labels(&labels).unwrap();
    let by_id = file.by_id();
    assert!(labels
        .patients
        .iter()
        .all(|p| by_id.contains_key(p.id.as_str())));
}

#[test]
fn example_answer_reads_and_writes_back_byte_for_byte() {
    let Some(path) = shared_file("example_answer.json") else {
        return;
    };
    let file = read_labels(&path).unwrap();
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.patients.len(), 100);
    let zeros = PatientGrades::zeros(&file.patients[0].id);
    assert_eq!(file.patients[0], zeros);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("answer.json");
    write_labels(&out, &file.patients).unwrap();
    let original = std::fs::read(&path).unwrap();
    let written = std::fs::read(&out).unwrap();
    assert!(
        written == original,
        "written file differs from example_answer.json"
    );
}

#[test]
fn train_json_reads_and_writes_back_byte_for_byte() {
    let Some(path) = shared_file("train.json") else {
        return;
    };
    let file = read_labels(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("train.json");
    write_labels(&out, &file.patients).unwrap();
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&path).unwrap());
}

#[test]
fn submission_round_trips_through_write_and_read() {
    let mut patients: Vec<PatientGrades> = (0..7)
        .map(|i| PatientGrades {
            id: format!("0124{i:010}"),
            qd: (i % 3) as u8,
            sl: (i % 2) as u8,
            zjppt: std::array::from_fn(|d| ((i + d) % 4) as u8),
            zyzg: std::array::from_fn(|p| ((i * p) % 4) as u8),
        })
        .collect();
    patients.push(PatientGrades::zeros("last"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sub/predictions.json");
    write_labels(&out, &patients).unwrap();
    let back = read_labels(&out).unwrap();
    assert!(back.errors.is_empty());
    assert_eq!(back.patients, patients);
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}
