//! Folders exported by other tools: stray system files, extra images,
//! upper-case names, ids that differ in spaces or case, and labels without
//! folders (and the reverse). Each test builds its cohort in a temp folder.

use opencv::core::{Mat, Scalar, Vector, CV_8UC1};
use opencv::imgcodecs;
use opencv::prelude::*;
use pipeline::anatomy::{Position, SLICES};
use pipeline::data::study::{list_patients, load_study, match_ids};
use pipeline::data::{read_labels, write_labels, PatientGrades};
use std::path::Path;

fn png(value: u8) -> Vec<u8> {
    let mat = Mat::new_rows_cols_with_default(224, 224, CV_8UC1, Scalar::all(value as f64));
    let mut buf = Vector::<u8>::new();
    imgcodecs::imencode(".png", &mat.unwrap(), &mut buf, &Vector::new()).unwrap();
    buf.to_vec()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A patient whose folder and file names are spelt with `sag`, `tra`, `ext`.
fn write_patient(root: &Path, id: &str, sag: &str, tra: &str, ext: &str) {
    let dir = root.join(id);
    for s in SLICES {
        write(&dir.join(format!("{sag}/{s}.{ext}")), &png(200 + s));
    }
    for p in Position::ALL {
        let value = 10 * p.index() as u8;
        write(&dir.join(format!("{tra}/{}.{ext}", p.stem())), &png(value));
    }
}

fn assert_anatomical(root: &Path, id: &str) {
    let study = load_study(root, id).unwrap_or_else(|e| panic!("{e}"));
    let axial: Vec<u8> = study.axial.iter().map(|img| img.get(0, 0)).collect();
    let expected: Vec<u8> = (0..11).map(|i| 10 * i).collect();
    assert_eq!(axial, expected);
    assert_eq!(study.sagittal.map(|img| img.get(0, 0)), [205, 206, 207]);
}

#[test]
fn stray_and_system_files_are_ignored() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write_patient(r, "p1", "sag", "tra", "png");
    for junk in [
        "Thumbs.db",
        ".DS_Store",
        "train.json",
        "p1/.DS_Store",
        "p1/Thumbs.db",
    ] {
        write(&r.join(junk), b"junk");
    }
    for junk in [
        "p1/tra/Thumbs.db",
        "p1/tra/8.png",
        "p1/tra/notes.txt",
        "p1/sag/._5.png",
    ] {
        write(&r.join(junk), b"junk");
    }
    std::fs::create_dir(r.join(".cache")).unwrap();
    assert_eq!(list_patients(r).unwrap(), ["p1"]);
    assert_anatomical(r, "p1");
}

#[test]
fn upper_case_extensions_and_folder_names_are_accepted() {
    let root = tempfile::tempdir().unwrap();
    write_patient(root.path(), "p1", "SAG", "Tra", "PNG");
    write_patient(root.path(), "p2", "sag", "tra", "Png");
    assert_eq!(list_patients(root.path()).unwrap(), ["p1", "p2"]);
    assert_anatomical(root.path(), "p1");
    assert_anatomical(root.path(), "p2");
}

#[test]
fn ids_with_spaces_and_case_match_their_folders() {
    let root = tempfile::tempdir().unwrap();
    write_patient(root.path(), "P01 ", "sag", "tra", "png");
    write_patient(root.path(), "p02", "sag", "tra", "png");
    let labels_path = root.path().join("labels.json");
    let text = br#"[{"id": " p01", "qd": 0, "sl": 1, "zjppt": [0,0,0,0,0],
        "zyzg": [0,0,0,0,0,0,0,0,0,0,0]}]"#;
    write(&labels_path, text);
    let labels = read_labels(&labels_path).unwrap();
    assert_eq!(labels.patients[0].id, "p01", "label ids are trimmed");

    let disk = list_patients(root.path()).unwrap();
    let ids: Vec<&str> = labels.patients.iter().map(|p| p.id.as_str()).collect();
    let m = match_ids(&ids, &disk);
    assert_eq!(m.matched, [("p01".to_owned(), "P01 ".to_owned())]);
    assert_eq!(m.disk_only, ["p02"]);
    // The folder's own spelling opens it.
    assert_anatomical(root.path(), &m.matched[0].1);
}

#[test]
fn ids_differing_only_in_case_are_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.json");
    let patients = [PatientGrades::zeros("AB12"), PatientGrades::zeros("ab12")];
    write_labels(&path, &patients).unwrap();
    let file = read_labels(&path).unwrap();
    assert_eq!(file.patients.len(), 1);
    let err = file.errors[0].to_string();
    assert!(
        err.contains("ab12") && err.contains("duplicate id"),
        "{err}"
    );
}

#[test]
fn labels_without_folders_and_folders_without_labels_are_listed() {
    let root = tempfile::tempdir().unwrap();
    for id in ["b", "c", "d"] {
        write_patient(root.path(), id, "sag", "tra", "png");
    }
    let disk = list_patients(root.path()).unwrap();
    let m = match_ids(&["a", "b", "c"], &disk);
    let matched: Vec<&str> = m.matched.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(matched, ["b", "c"]);
    assert_eq!(m.labels_only, ["a"]);
    assert_eq!(m.disk_only, ["d"]);
    let err = load_study(root.path(), "a").unwrap_err();
    assert_eq!(err.patient.as_deref(), Some("a"));
    assert!(err.to_string().contains("folder not found"), "{err}");
}
