//! A tiny hand-made run for the report tests: three patients with synthetic
//! images in the official layout, labels, true and detected boxes, a
//! submission, an `errors.json` and a `config.toml`. No model is involved.

#![allow(dead_code)]

use pipeline::anatomy::{Position, Vertebra, SLICES};
use pipeline::data::image::save_png;
use pipeline::data::{
    write_boxes, write_labels, GrayImage, PatientGrades, PixelBox, ScoredBox, SpineBoxes,
};
use std::path::{Path, PathBuf};

pub const RUN_IDS: [&str; 3] = ["p01", "p02", "p03"];

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub run: PathBuf,
}

fn vertebra_box(v: usize, shift: f32) -> PixelBox {
    let y1 = 28.0 + 30.0 * v as f32 + shift;
    PixelBox::new(92.0 + shift, y1, 126.0 + shift, y1 + 22.0)
}

/// A dark slice with one bright body per level, brighter towards the middle.
fn sagittal_image(slice: usize) -> GrayImage {
    let mut img = GrayImage::new(224, 224);
    for y in 0..224 {
        for x in 0..224 {
            let inside = (0..6).any(|v| {
                let b = vertebra_box(v, 0.0);
                (b.x1 + 3.0..b.x2 - 3.0).contains(&(x as f32))
                    && (b.y1 + 3.0..b.y2 - 3.0).contains(&(y as f32))
            });
            let canal = (132..142).contains(&x) && (20..210).contains(&y);
            let base = 30 + (x + y) as u8 / 8;
            img.pixels[y * 224 + x] = if inside {
                170 + 20 * slice as u8
            } else if canal {
                220
            } else {
                base
            };
        }
    }
    img
}

/// An axial image: a ring whose radius depends on the position.
fn axial_image(p: Position) -> GrayImage {
    let mut img = GrayImage::new(224, 224);
    let r = 40.0 + 4.0 * p.index() as f32;
    for y in 0..224 {
        for x in 0..224 {
            let d = ((x as f32 - 112.0).powi(2) + (y as f32 - 112.0).powi(2)).sqrt();
            img.pixels[y * 224 + x] = if (d - r).abs() < 6.0 {
                200
            } else {
                25 + (d / 4.0) as u8
            };
        }
    }
    img
}

fn spine(id: &str, shift: f32, score: f32) -> SpineBoxes {
    let mut s = SpineBoxes::empty(id);
    for v in 0..6 {
        for sl in 0..3 {
            let bbox = vertebra_box(v, shift);
            s.levels[v][sl] = Some(ScoredBox {
                bbox,
                score: score - 0.01 * v as f32,
            });
        }
    }
    s
}

fn grades(id: &str, seed: u8) -> PatientGrades {
    PatientGrades {
        id: id.into(),
        qd: seed % 3,
        sl: (seed / 2) % 2,
        zjppt: std::array::from_fn(|i| ((i as u8 + seed) * 3) % 4),
        zyzg: std::array::from_fn(|i| ((i as u8 * 7 + seed) % 5).min(3)),
    }
}

fn write_images(data: &Path, id: &str) {
    for (s, slice) in SLICES.iter().enumerate() {
        save_png(
            &data.join(id).join("sag").join(format!("{slice}.png")),
            &sagittal_image(s),
        )
        .unwrap();
    }
    for p in Position::ALL {
        save_png(
            &data.join(id).join("tra").join(format!("{}.png", p.stem())),
            &axial_image(p),
        )
        .unwrap();
    }
}

/// p01 and p02 predicted; p03 detected but failed at grading; p04 labelled
/// but not in this run. p02 misses C5 on the mid slice.
pub fn fixture(with_labels: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (data, run) = (dir.path().join("data"), dir.path().join("run-tiny"));
    RUN_IDS.iter().for_each(|id| write_images(&data, id));
    if with_labels {
        let labels: Vec<PatientGrades> = ["p01", "p02", "p03", "p04"]
            .iter()
            .zip(1..)
            .map(|(id, s)| grades(id, s))
            .collect();
        write_labels(&data.join("train.json"), &labels).unwrap();
        let truth: Vec<SpineBoxes> = RUN_IDS.iter().map(|id| spine(id, 0.0, 1.0)).collect();
        write_boxes(&data.join("bounding_box_train.json"), &truth, false).unwrap();
    }
    let mut detected = vec![
        spine("p01", 2.0, 0.97),
        spine("p02", 6.0, 0.91),
        spine("p03", 1.0, 0.88),
    ];
    detected[1].levels[Vertebra::C5.index()][1] = None;
    write_boxes(&run.join("boxes.json"), &detected, true).unwrap();
    let preds = vec![grades("p01", 1), grades("p02", 5)];
    write_labels(&run.join("predictions.json"), &preds).unwrap();
    let errors = r#"[{"id": "p03", "stage": "grade", "file": "crops/p03/manifest.json",
                      "problem": "crop <empty> & bad"}]"#;
    std::fs::write(run.join("errors.json"), errors).unwrap();
    std::fs::write(
        run.join("config.toml"),
        "[run]\nstages = [\"detect\", \"grade\"]\nseed = 7\n",
    )
    .unwrap();
    Fixture {
        _dir: dir,
        data,
        run,
    }
}
