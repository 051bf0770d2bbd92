//! Every kind of bad input, on small files each test writes into its own
//! temporary folder: the error names the patient and the file, and one bad
//! patient never stops the others from loading.

use opencv::core::{Mat, Scalar, Vec3b, Vec4b, Vector, CV_16UC1, CV_8UC1, CV_8UC3, CV_8UC4};
use opencv::imgcodecs;
use opencv::prelude::*;
use pipeline::anatomy::{Position, SLICES};
use pipeline::data::study::{list_patients, load_axial, load_studies, load_study};
use pipeline::data::{read_boxes, read_labels, DataError};
use std::path::{Path, PathBuf};

const SIDE: i32 = 224;

/// Gray value of sagittal slice `s` (5, 6, 7) and of axial position `i`.
fn sag_value(s: u8) -> u8 {
    200 + s
}

fn axial_value(i: usize) -> u8 {
    10 * i as u8 + 5
}

fn png_bytes(mat: &Mat) -> Vec<u8> {
    let mut buf = Vector::<u8>::new();
    imgcodecs::imencode(".png", mat, &mut buf, &Vector::new()).unwrap();
    buf.to_vec()
}

fn plain(value: u8, rows: i32, cols: i32) -> Vec<u8> {
    let scalar = Scalar::all(value as f64);
    png_bytes(&Mat::new_rows_cols_with_default(rows, cols, CV_8UC1, scalar).unwrap())
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A valid patient folder; axial files are written in reverse anatomical
/// order so that nothing can rely on the order of creation.
fn write_patient(root: &Path, id: &str) -> PathBuf {
    let dir = root.join(id);
    for s in SLICES {
        write(
            &dir.join(format!("sag/{s}.png")),
            &plain(sag_value(s), SIDE, SIDE),
        );
    }
    for p in Position::ALL.iter().rev() {
        let path = dir.join(format!("tra/{}.png", p.stem()));
        write(&path, &plain(axial_value(p.index()), SIDE, SIDE));
    }
    dir
}

/// Asserts that `err` names the patient and the file and says `what`.
fn assert_names(err: &DataError, id: &str, file: &Path, what: &str) {
    let text = err.to_string();
    assert_eq!(err.patient.as_deref(), Some(id), "{text}");
    assert_eq!(err.file, file, "{text}");
    assert!(
        text.contains(id) && text.contains(&file.display().to_string()),
        "{text}"
    );
    assert!(text.contains(what), "{text:?} should mention {what:?}");
}

/// Writes one good and one broken patient (broken by `spoil`), loads both,
/// and returns the broken one's error after checking the good one loaded.
fn load_with_one_bad(spoil: impl FnOnce(&Path)) -> (tempfile::TempDir, DataError) {
    let root = tempfile::tempdir().unwrap();
    write_patient(root.path(), "good");
    spoil(&write_patient(root.path(), "bad"));
    let ids = list_patients(root.path()).unwrap();
    assert_eq!(ids, ["bad", "good"]);
    let mut results = load_studies(root.path(), &ids);
    let good = results.pop().unwrap().expect("the good patient loads");
    assert_eq!(good.sagittal[1].get(0, 0), sag_value(6));
    let err = results.pop().unwrap().expect_err("the bad patient fails");
    (root, err)
}

#[test]
fn axial_images_are_matched_by_anatomy() {
    let root = tempfile::tempdir().unwrap();
    write_patient(root.path(), "p");
    let study = load_study(root.path(), "p").unwrap();
    for (i, img) in study.axial.iter().enumerate() {
        assert_eq!(img.get(100, 100), axial_value(i), "position {i}");
    }
    let sag: Vec<u8> = study.sagittal.iter().map(|img| img.get(5, 5)).collect();
    assert_eq!(sag, [205, 206, 207]);
}

#[test]
fn missing_file() {
    let (root, err) =
        load_with_one_bad(|dir| std::fs::remove_file(dir.join("tra/4-5.png")).unwrap());
    assert_names(
        &err,
        "bad",
        &root.path().join("bad/tra/4-5.png"),
        "missing file",
    );
}

#[test]
fn missing_file_mentions_a_file_of_another_format() {
    let (root, err) = load_with_one_bad(|dir| {
        std::fs::rename(dir.join("sag/6.png"), dir.join("sag/6.jpg")).unwrap()
    });
    assert_names(&err, "bad", &root.path().join("bad/sag/6.png"), "6.jpg");
}

#[test]
fn zero_byte_file() {
    let (root, err) = load_with_one_bad(|dir| write(&dir.join("sag/5.png"), b""));
    assert_names(&err, "bad", &root.path().join("bad/sag/5.png"), "0 bytes");
}

#[test]
fn text_file_named_png() {
    let (root, err) = load_with_one_bad(|dir| write(&dir.join("tra/7.png"), b"not a picture\n"));
    assert_names(
        &err,
        "bad",
        &root.path().join("bad/tra/7.png"),
        "not a readable image",
    );
}

#[test]
fn truncated_png() {
    let bytes = plain(90, SIDE, SIDE);
    let (root, err) =
        load_with_one_bad(|dir| write(&dir.join("tra/3.png"), &bytes[..bytes.len() / 2]));
    assert_names(
        &err,
        "bad",
        &root.path().join("bad/tra/3.png"),
        "not a readable image",
    );
}

#[test]
fn huge_png_header_is_refused_before_decoding() {
    let mut bytes = plain(1, SIDE, SIDE);
    bytes[16..24].copy_from_slice(&[0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0]); // 100000x100000
    let (root, err) = load_with_one_bad(|dir| write(&dir.join("tra/6.png"), &bytes));
    assert_names(
        &err,
        "bad",
        &root.path().join("bad/tra/6.png"),
        "100000x100000",
    );
}

#[test]
fn other_image_formats_are_refused() {
    let bmp = b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00";
    let (root, err) = load_with_one_bad(|dir| write(&dir.join("sag/6.png"), bmp));
    assert_names(
        &err,
        "bad",
        &root.path().join("bad/sag/6.png"),
        "neither PNG nor JPEG",
    );
}

#[test]
fn image_not_224_is_refused() {
    let (root, err) = load_with_one_bad(|dir| write(&dir.join("sag/7.png"), &plain(1, 224, 200)));
    assert_names(&err, "bad", &root.path().join("bad/sag/7.png"), "200x224");
}

#[test]
fn two_files_for_one_stem_are_refused() {
    let (root, err) = load_with_one_bad(|dir| {
        write(&dir.join("tra/2.PNG"), &plain(1, SIDE, SIDE));
    });
    assert_eq!(err.patient.as_deref(), Some("bad"));
    let text = err.to_string();
    assert!(text.contains("two images for \"2\""), "{text}");
    assert!(
        text.contains(&root.path().join("bad/tra").display().to_string()),
        "{text}"
    );
}

#[test]
fn empty_patient_folder() {
    let (root, err) = load_with_one_bad(|dir| {
        std::fs::remove_dir_all(dir).unwrap();
        std::fs::create_dir(dir).unwrap();
        write(&dir.join(".DS_Store"), b"\0\0\0\x01Bud1");
    });
    assert_names(
        &err,
        "bad",
        &root.path().join("bad"),
        "patient folder is empty",
    );
}

#[test]
fn missing_series_folder() {
    let (root, err) = load_with_one_bad(|dir| std::fs::remove_dir_all(dir.join("tra")).unwrap());
    assert_names(
        &err,
        "bad",
        &root.path().join("bad/tra"),
        "no \"tra\" folder",
    );
}

#[test]
fn sixteen_bit_png_is_scaled_by_its_real_range() {
    // Values 1000..=1255 span exactly 255 levels: scaled by the real range
    // they map to 0..=255; dropping the low byte would give 3 or 4.
    let mut mat = Mat::new_rows_cols_with_default(SIDE, SIDE, CV_16UC1, Scalar::all(0.0)).unwrap();
    for y in 0..SIDE {
        for x in 0..SIDE {
            *mat.at_2d_mut::<u16>(y, x).unwrap() = 1000 + ((y * SIDE + x) % 256) as u16;
        }
    }
    let root = tempfile::tempdir().unwrap();
    let dir = write_patient(root.path(), "p");
    write(&dir.join("tra/5-6.png"), &png_bytes(&mat));
    let axial = load_axial(root.path(), "p").unwrap();
    let img = &axial[Position::C5C6.index()];
    for (i, &v) in img.pixels.iter().enumerate() {
        assert_eq!(v as usize, i % 256, "pixel {i}");
    }
}

#[test]
fn colour_pngs_are_converted_to_gray() {
    // Gray colours stay exact; pure blue (BGR 255,0,0) weighs 0.114 -> 29.
    let mut rgb = Mat::new_rows_cols_with_default(SIDE, SIDE, CV_8UC3, Scalar::all(77.0)).unwrap();
    *rgb.at_2d_mut::<Vec3b>(0, 0).unwrap() = Vec3b::from([255, 0, 0]);
    let rgba_fill = Scalar::new(150.0, 150.0, 150.0, 10.0);
    let rgba = Mat::new_rows_cols_with_default(SIDE, SIDE, CV_8UC4, rgba_fill).unwrap();
    let mut rgba = rgba;
    *rgba.at_2d_mut::<Vec4b>(1, 1).unwrap() = Vec4b::from([0, 0, 255, 255]);
    let root = tempfile::tempdir().unwrap();
    let dir = write_patient(root.path(), "p");
    write(&dir.join("tra/2.png"), &png_bytes(&rgb));
    write(&dir.join("tra/7.png"), &png_bytes(&rgba));
    let axial = load_axial(root.path(), "p").unwrap();
    assert_eq!((axial[0].get(5, 5), axial[0].get(0, 0)), (77, 29));
    // Alpha is dropped, not blended; pure red weighs 0.299 -> 76.
    assert_eq!((axial[10].get(5, 5), axial[10].get(1, 1)), (150, 76));
}

#[test]
fn malformed_box_string() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("boxes.json");
    let good = r#""(98,58)(113,76)""#;
    let row = format!("[{good}, {good}, {good}]");
    let record = |id: &str, c4: &str| {
        format!(
            r#"{{"id": "{id}", "C2": {row}, "C3": {row}, "C4": {c4}, "C5": {row}, "C6": {row},
            "C7": {row}}}"#
        )
    };
    let bad = format!(r#"[{good}, "(98,58)(113", {good}]"#);
    write(
        &path,
        format!(
            "[{}, {}, {}]",
            record("a", &row),
            record("b", &bad),
            record("c", &row)
        )
        .as_bytes(),
    );
    let file = read_boxes(&path, false).unwrap();
    let ids: Vec<&str> = file.patients.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(file.errors.len(), 1);
    assert_names(&file.errors[0], "b", &path, "C4 on slice 6");
}

/// A label record with the given field texts.
fn label(id: &str, qd: &str, zjppt: &str) -> String {
    format!(
        r#"{{"id": "{id}", "qd": {qd}, "sl": 1, "zjppt": {zjppt},
            "zyzg": [0,0,0,0,0,0,0,0,0,0,0]}}"#
    )
}

#[test]
fn bad_label_records_are_reported_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.json");
    let records = [
        label("ok1", "0", "[0,1,2,3,0]"),
        label("short", "0", "[0,1,2,3]"),
        label("range", "3", "[0,0,0,0,0]"),
        label("disc9", "1", "[0,0,9,0,0]"),
        label("ok1", "2", "[0,0,0,0,0]"),
        label("ok2", "2", "[0,0,0,0,0]"),
    ];
    write(&path, format!("[{}]", records.join(",")).as_bytes());
    let file = read_labels(&path).unwrap();
    let ids: Vec<&str> = file.patients.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ok1", "ok2"]);
    assert_eq!(
        file.patients[0].qd, 0,
        "the first of two duplicates is kept"
    );
    let errors = &file.errors;
    assert_eq!(errors.len(), 4);
    assert_names(&errors[0], "short", &path, "has 4 grades, expected 5");
    assert_names(&errors[1], "range", &path, "out of range");
    assert_names(&errors[2], "disc9", &path, "\"zjppt\"[2]");
    assert_names(&errors[3], "ok1", &path, "duplicate id");
}

#[test]
fn json_not_utf8_or_not_valid_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("latin1.json");
    write(&latin1, b"[{\"id\": \"caf\xe9\"}]");
    let invalid = dir.path().join("invalid.json");
    write(&invalid, b"[{\"id\": \"a\", ");
    for (path, what) in [(&latin1, "not UTF-8"), (&invalid, "not valid JSON")] {
        let err = read_labels(path).unwrap_err();
        assert_eq!(&err.file, path);
        assert!(err.to_string().contains(what), "{err}");
        let err = read_boxes(path, false).unwrap_err();
        assert!(err.to_string().contains(what), "{err}");
    }
}
