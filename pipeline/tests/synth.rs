//! The demo-cohort generator: its files load with the data layer's own
//! readers, it is byte-for-byte deterministic, its labels and boxes follow
//! the public statistics (when `../shared/cervai` is present), and a simple
//! pixel measurement separates the grades of every task.

use pipeline::anatomy::{Position, Vertebra, IMAGE_SIZE, MID_SLICE};
use pipeline::data::{self, boxes::read_boxes, GrayImage, PatientGrades, PixelBox, SpineBoxes};
use pipeline::synth::{self, Phantom};
use std::collections::BTreeMap;
use std::io::Write;
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

fn shared_cervai() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cervai");
    if dir.join("train.json").exists() && dir.join("bounding_box_train.json").exists() {
        Some(dir)
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: public label files not found at {}",
            dir.display()
        );
        None
    }
}

/// Pooled class frequencies of one task.
fn frequencies(labels: &[PatientGrades], task: &str) -> Vec<f64> {
    let grades: Vec<u8> = labels
        .iter()
        .flat_map(|p| match task {
            "qd" => vec![p.qd],
            "sl" => vec![p.sl],
            "zjppt" => p.zjppt.to_vec(),
            _ => p.zyzg.to_vec(),
        })
        .collect();
    let classes = if task == "qd" {
        3
    } else if task == "sl" {
        2
    } else {
        4
    };
    let n = grades.len() as f64;
    (0..classes)
        .map(|c| grades.iter().filter(|&&g| g == c).count() as f64 / n)
        .collect()
}

/// Share of each position's most common real grade, real and generated.
fn position_shares(real: &[PatientGrades], fake: &[PatientGrades], pos: usize) -> (f64, f64) {
    let count = |l: &[PatientGrades], g: u8| l.iter().filter(|p| p.zyzg[pos] == g).count();
    let top = (0..4u8).max_by_key(|&g| count(real, g)).unwrap();
    let share = |l: &[PatientGrades]| count(l, top) as f64 / l.len() as f64;
    (share(real), share(fake))
}

/// P(canal grade 0 at a disc | disc grade 0), the strongest coupling.
fn canal_zero_given_disc_zero(labels: &[PatientGrades]) -> f64 {
    let (mut both, mut disc0) = (0, 0);
    for p in labels {
        for d in 0..5 {
            if p.zjppt[d] == 0 {
                disc0 += 1;
                both += usize::from(p.zyzg[2 * d + 1] == 0);
            }
        }
    }
    both as f64 / disc0 as f64
}

/// A box measure: its name, how to take it, the tolerance on its mean.
type BoxMeasure = (&'static str, fn(&PixelBox) -> f32, f64);

/// Mean and standard deviation of a box measure per vertebra (mid slice).
fn box_stat(boxes: &[SpineBoxes], v: Vertebra, f: fn(&PixelBox) -> f32) -> (f64, f64) {
    let vals: Vec<f64> = boxes
        .iter()
        .map(|b| {
            let r = b.get(v, MID_SLICE).unwrap().bbox;
            let rounded = PixelBox::new(r.x1.round(), r.y1.round(), r.x2.round(), r.y2.round());
            f(&rounded) as f64
        })
        .collect();
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    let var = vals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / vals.len() as f64;
    (mean, var.sqrt())
}

#[test]
fn labels_and_boxes_follow_the_public_statistics() {
    let Some(dir) = shared_cervai() else { return };
    let real = data::read_labels(&dir.join("train.json")).unwrap().patients;
    let real_boxes = read_boxes(&dir.join("bounding_box_train.json"), false)
        .unwrap()
        .patients;
    let phantoms = synth::sample_cohort(400, 0);
    let fake: Vec<PatientGrades> = phantoms.iter().map(Phantom::grades).collect();
    let fake_boxes: Vec<SpineBoxes> = phantoms.iter().map(Phantom::boxes).collect();

    // Pooled class frequencies: within 5 points (qd) and 3 points (others).
    for (task, tol) in [("qd", 0.05), ("sl", 0.03), ("zjppt", 0.03), ("zyzg", 0.03)] {
        let (r, f) = (frequencies(&real, task), frequencies(&fake, task));
        eprintln!("{task}: real {r:.3?} synth {f:.3?}");
        for (a, b) in r.iter().zip(&f) {
            assert!((a - b).abs() <= tol, "{task}: real {r:.3?} synth {f:.3?}");
        }
    }
    // Per position, the share of its most common grade: within 8 points.
    for pos in 0..11 {
        let (r, f) = position_shares(&real, &fake, pos);
        assert!(
            (r - f).abs() <= 0.08,
            "{}: {r:.3} vs {f:.3}",
            Position::ALL[pos]
        );
    }
    // Disc–canal coupling.
    let (r, f) = (
        canal_zero_given_disc_zero(&real),
        canal_zero_given_disc_zero(&fake),
    );
    assert!(
        (r - f).abs() <= 0.08,
        "P(canal 0 | disc 0): {r:.3} vs {f:.3}"
    );

    // Boxes: centres within 2 px, sizes within 1 px, spread within 35 %.
    let measures: [BoxMeasure; 4] = [
        ("cx", |b| b.center().0, 2.0),
        ("cy", |b| b.center().1, 2.0),
        ("w", PixelBox::width, 1.0),
        ("h", PixelBox::height, 1.0),
    ];
    for v in Vertebra::ALL {
        for (name, f, tol) in measures {
            let (rm, rs) = box_stat(&real_boxes, v, f);
            let (fm, fs) = box_stat(&fake_boxes, v, f);
            assert!(
                (rm - fm).abs() <= tol,
                "{v} {name}: mean {rm:.2} vs {fm:.2}"
            );
            assert!(
                (rs - fs).abs() <= 0.35 * rs + 0.3,
                "{v} {name}: sd {rs:.2} vs {fs:.2}"
            );
        }
    }
}

/// Mean of a (2r+1)² patch.
fn patch(img: &GrayImage, x: f32, y: f32, r: i32) -> f64 {
    let (cx, cy) = (x.round() as i32, y.round() as i32);
    let mut sum = 0.0;
    for dy in -r..=r {
        for dx in -r..=r {
            sum += img.get((cx + dx) as usize, (cy + dy) as usize) as f64;
        }
    }
    sum / ((2 * r + 1) * (2 * r + 1)) as f64
}

/// Fraction of pairs with different grades that the measurement orders
/// the expected way (ties count half); 0.5 is chance.
fn concordance(pairs: &[(u8, f64)]) -> f64 {
    let (mut good, mut total) = (0.0, 0.0);
    for (i, a) in pairs.iter().enumerate() {
        for b in &pairs[i + 1..] {
            if a.0 == b.0 {
                continue;
            }
            let (lo, hi) = if a.0 < b.0 { (a, b) } else { (b, a) };
            total += 1.0;
            good += if hi.1 > lo.1 {
                1.0
            } else if hi.1 == lo.1 {
                0.5
            } else {
                0.0
            };
        }
    }
    good / total
}

/// Body centres on one slice, from the boxes.
fn centres(boxes: &SpineBoxes, slice: usize) -> Vec<(f32, f32)> {
    Vertebra::ALL
        .iter()
        .map(|&v| boxes.get(v, slice).unwrap().bbox.center())
        .collect()
}

/// Row-wise x of the CSF column behind the bodies: the centroid of the
/// bright pixels just behind each box, on the mid slice.
fn csf_line(img: &GrayImage, boxes: &SpineBoxes) -> Vec<f64> {
    Vertebra::ALL
        .iter()
        .map(|&v| {
            let b = boxes.get(v, MID_SLICE).unwrap().bbox;
            let y = b.center().1.round() as usize;
            let xs = (b.x2 as usize - 3)..(b.x2 as usize + 14);
            let peak = xs.clone().map(|x| img.get(x, y)).max().unwrap() as f64;
            let bright: Vec<usize> = xs.filter(|&x| img.get(x, y) as f64 > 0.6 * peak).collect();
            bright.iter().sum::<usize>() as f64 / bright.len() as f64
        })
        .collect()
}

/// Bright CSF pixels behind a graded position, relative to the patient's
/// CSF brightness: fewer where the canal is narrowed.
fn csf_amount(img: &GrayImage, boxes: &SpineBoxes, pos: Position, slice: usize) -> f64 {
    let c = centres(boxes, slice);
    let (v, w) = (
        pos.upper().index(),
        pos.lower().map_or(pos.upper().index(), |l| l.index()),
    );
    let y = (c[v].1 + c[w].1) / 2.0;
    let x0 = boxes.get(pos.upper(), slice).unwrap().bbox.x2 - 3.0;
    let strip = |yy: f32| (0..16).map(move |dx| (x0 + dx as f32, yy));
    let peak = c
        .iter()
        .flat_map(|p| strip(p.1))
        .map(|(x, y)| patch(img, x, y, 0))
        .fold(0.0, f64::max);
    let rows = [-1.0f32, 0.0, 1.0];
    let count = rows
        .iter()
        .flat_map(|dy| strip(y + dy))
        .filter(|&(x, y)| patch(img, x, y, 0) > 0.6 * peak)
        .count();
    count as f64
}

/// Brightest pixel of the disc space (the nucleus) against the
/// neighbouring marrow: degenerated discs are darker.
fn disc_brightness(img: &GrayImage, boxes: &SpineBoxes, d: usize) -> f64 {
    let c = centres(boxes, MID_SLICE);
    let (a, b) = (c[d], c[d + 1]);
    let (x, y) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let mut disc = 0.0f64;
    for dy in -2..=2 {
        for dx in -2..=1 {
            disc = disc.max(patch(img, x + dx as f32, y + dy as f32, 0));
        }
    }
    let marrow = (patch(img, a.0, a.1, 1) + patch(img, b.0, b.1, 1)) / 2.0;
    disc / marrow.max(1.0)
}

fn mid_sagittal(ph: &Phantom, index: usize) -> GrayImage {
    let [_, mid, _] = synth::render_study(ph, 5, index).sagittal;
    mid
}

#[test]
fn simple_pixel_measurements_separate_the_grades() {
    let phantoms = synth::sample_cohort(160, 5);
    let indexed: Vec<(usize, &Phantom)> = phantoms.iter().enumerate().collect();
    let mut canal = Vec::new();
    let mut disc = Vec::new();
    let mut curve = Vec::new();
    let mut align = Vec::new();
    for &(i, ph) in &indexed {
        let poor = ph.labels.sl == 0;
        if i >= 24 && !poor {
            continue;
        }
        let img = mid_sagittal(ph, i);
        let boxes = ph.boxes();
        let line = csf_line(&img, &boxes);
        let second = (1..5).map(|k| (line[k + 1] - 2.0 * line[k] + line[k - 1]).abs());
        align.push((1 - ph.labels.sl, second.fold(0.0, f64::max)));
        if i >= 24 {
            continue;
        }
        let chord = (line[0] + line[5]) / 2.0;
        curve.push((ph.labels.qd, (line[2] + line[3]) / 2.0 - chord));
        for d in 0..5 {
            disc.push((ph.labels.disc[d].grade, -disc_brightness(&img, &boxes, d)));
        }
        for pos in Position::ALL {
            canal.push((
                ph.labels.canal[pos.index()].grade,
                -csf_amount(&img, &boxes, pos, MID_SLICE),
            ));
        }
    }
    for (task, pairs) in [
        ("qd", &curve),
        ("sl", &align),
        ("zjppt", &disc),
        ("zyzg", &canal),
    ] {
        let c = concordance(pairs);
        eprintln!(
            "{task}: concordance {c:.3} over {} measurements",
            pairs.len()
        );
        assert!(
            c > 0.65,
            "{task}: pixel measurement orders grades at chance ({c:.3})"
        );
    }
}

#[test]
fn paracentral_herniations_show_most_on_their_own_side() {
    // Discs herniated towards one side narrow the canal more on that
    // side's lateral slice (5 or 7) than on the other one.
    let phantoms = synth::sample_cohort(40, 9);
    let (mut more, mut total) = (0, 0);
    for (i, ph) in phantoms.iter().enumerate() {
        let found: Vec<usize> = (0..5)
            .filter(|&d| ph.labels.disc[d].grade >= 2 && ph.labels.disc_side[d] != 0)
            .collect();
        if found.is_empty() || total >= 30 {
            continue;
        }
        let [left, _, right] = synth::render_study(ph, 9, i).sagittal;
        let boxes = ph.boxes();
        for d in found {
            let pos = Position::DISCS[d];
            let (l, r) = (
                csf_amount(&left, &boxes, pos, 0),
                csf_amount(&right, &boxes, pos, 2),
            );
            let (own, other) = if ph.labels.disc_side[d] < 0 {
                (l, r)
            } else {
                (r, l)
            };
            total += 1;
            more += usize::from(own < other);
        }
    }
    let share = more as f64 / total as f64;
    eprintln!("own side narrower in {more} of {total}");
    assert!(
        total >= 10 && share > 0.6,
        "own side narrower in {more} of {total}"
    );
}
