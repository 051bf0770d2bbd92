//! Crops and graders on hand-made images: where disc patches fall, that
//! axial patches follow the anatomical position, that crops round-trip on
//! disk byte for byte, that a tiny grader learns, and that checkpoints
//! refuse what is not theirs.

use pipeline::anatomy::{Position, IMAGE_SIZE};
use pipeline::crops::{crop_patient, read_crops, write_crops, CropConfig, PatientCrops};
use pipeline::data::{GrayImage, PatientGrades, PixelBox, ScoredBox, SpineBoxes};
use pipeline::grade::log::EpochLog;
use pipeline::grade::{fit_grader, load_grader, predict, save_grader, score_patients, Cohort};

const SIDE: usize = IMAGE_SIZE as usize;

/// libtorch's random generator is one per process and the tests of this
/// file run on parallel threads: those that seed it and draw from it take
/// this lock, or their draws would interleave.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn torch_rng() -> std::sync::MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

/// A column of six square bodies (half side 9 px, 24 px apart) tilted by
/// `tilt` radians, body `v` painted with `shade[v]`, and its boxes.
fn column(tilt: f32, shade: [u8; 6]) -> (GrayImage, SpineBoxes) {
    let (s, c) = tilt.sin_cos();
    let centre = |v: usize| {
        let along = 24.0 * v as f32 - 60.0;
        (112.0 + along * s, 112.0 + along * c)
    };
    let mut img = GrayImage::new(SIDE, SIDE);
    let mut boxes = SpineBoxes::empty("p");
    for (v, &value) in shade.iter().enumerate() {
        let (cx, cy) = centre(v);
        for y in 0..SIDE {
            for x in 0..SIDE {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                let (along, across) = (dx * s + dy * c, dx * c - dy * s);
                if along.abs() <= 9.0 && across.abs() <= 9.0 {
                    img.pixels[y * SIDE + x] = value;
                }
            }
        }
        let r = 9.0 * (s.abs() + c.abs());
        let bbox = PixelBox::new(cx - r, cy - r, cx + r, cy + r);
        boxes.levels[v] = [Some(ScoredBox { bbox, score: 1.0 }); 3];
    }
    (img, boxes)
}

fn flat(value: u8) -> GrayImage {
    GrayImage {
        width: SIDE,
        height: SIDE,
        pixels: vec![value; SIDE * SIDE],
    }
}

fn small_config() -> CropConfig {
    CropConfig {
        sagittal_size: 16,
        axial_size: 16,
        column_height: 16,
        column_width: 8,
        ..Default::default()
    }
}

fn mean_rows(img: &GrayImage, rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> f32 {
    let n = rows.len() * cols.len();
    let sum: u32 = rows
        .flat_map(|y| cols.clone().map(move |x| (x, y)))
        .map(|(x, y)| img.get(x, y) as u32)
        .sum();
    sum as f32 / n as f32
}

#[test]
fn disc_crops_lie_between_the_right_two_bodies() {
    let shade = [40, 80, 120, 160, 200, 240];
    let (sag, boxes) = column(0.3, shade);
    let axial: [GrayImage; 11] = std::array::from_fn(|_| flat(50));
    let cfg = CropConfig {
        sagittal_span: 2.0,
        sagittal_shift: 0.0,
        ..CropConfig::default()
    };
    let crops = crop_patient("p", &[sag.clone(), sag.clone(), sag], &axial, &boxes, &cfg).unwrap();
    for disc in Position::DISCS {
        let patch = &crops.levels[disc.index()].sagittal[1];
        let (upper, lower) = (disc.upper().index(), disc.lower().unwrap().index());
        // 48 px patch over 48 source px: rows 4..10 lie inside the upper
        // body, rows 38..44 inside the lower one, the middle in the gap.
        let top = mean_rows(patch, 4..10, 20..28);
        let bottom = mean_rows(patch, 38..44, 20..28);
        let gap = mean_rows(patch, 22..26, 20..28);
        assert!((top - shade[upper] as f32).abs() < 3.0, "{disc}: top {top}");
        assert!(
            (bottom - shade[lower] as f32).abs() < 3.0,
            "{disc}: bottom {bottom}"
        );
        assert!(gap < 10.0, "{disc}: the disc gap is dark, got {gap}");
    }
}

#[test]
fn axial_patches_follow_the_anatomical_position_not_the_file_order() {
    // Write the axial images under their stems, load them back through
    // the study loader (files sort "2-3" before "2"), and check that each
    // position's patch shows its own image.
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("p");
    let shade = |p: Position| 20 + 20 * p.index() as u8;
    let (sag, boxes) = column(0.0, [200; 6]);
    for (series, names) in [
        ("sag", vec!["5", "6", "7"]),
        ("tra", Position::ALL.map(|p| p.stem()).to_vec()),
    ] {
        std::fs::create_dir_all(study.join(series)).unwrap();
        for name in names {
            let img = match Position::from_stem(name) {
                Some(p) if series == "tra" => flat(shade(p)),
                _ => sag.clone(),
            };
            pipeline::data::image::save_png(&study.join(series).join(format!("{name}.png")), &img)
                .unwrap();
        }
    }
    let loaded = pipeline::data::study::load_study(dir.path(), "p").unwrap();
    let crops = pipeline::crops::crop_study(&loaded, &boxes, &small_config()).unwrap();
    for level in &crops.levels {
        let v = level.axial.get(8, 8);
        assert_eq!(
            v,
            shade(level.position),
            "{} got the wrong axial image",
            level.position
        );
        assert!(!level.canal.found, "a flat image has no canal ring");
    }
}

#[test]
fn crops_round_trip_on_disk_with_identical_bytes() {
    let (sag, mut boxes) = column(0.2, [60, 90, 120, 150, 180, 210]);
    boxes.levels[3] = [None; 3]; // C5 missing: interpolated
    let axial: [GrayImage; 11] = std::array::from_fn(|i| flat(10 * i as u8));
    let crops = crop_patient(
        "p",
        &[sag.clone(), sag.clone(), sag],
        &axial,
        &boxes,
        &small_config(),
    )
    .unwrap();
    assert!(crops.boxes.filled[3].iter().all(|&f| f));
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_crops(a.path(), &crops).unwrap();
    write_crops(b.path(), &crops).unwrap();
    let back = read_crops(a.path()).unwrap();
    assert_eq!(back, crops);
    let mut names: Vec<_> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["crops.png", "manifest.json"]);
    for name in names {
        let (x, y) = (
            std::fs::read(a.path().join(&name)).unwrap(),
            std::fs::read(b.path().join(&name)).unwrap(),
        );
        assert_eq!(x, y, "{name:?} differs between two writes");
    }
}

/// Tiny cohort: the canal grade of every position is 2 when the patient's
/// bodies are brighter than the background and 0 when darker; discs follow; qd/sl follow tilt.
fn tiny_cohort(n: usize) -> (Vec<PatientCrops>, Vec<PatientGrades>) {
    let cfg = small_config();
    let mut crops = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let bright = i % 2 == 0;
        let tilt = if i % 4 < 2 { 0.0 } else { 0.25 };
        let (mut sag, boxes) = column(tilt, [if bright { 220 } else { 30 }; 6]);
        // Grey background: bodies brighter or darker than their surround
        // (patches are standardised, so only contrast can carry a grade).
        sag.pixels
            .iter_mut()
            .filter(|p| **p == 0)
            .for_each(|p| *p = 110);
        let axial: [GrayImage; 11] = std::array::from_fn(|_| flat(if bright { 150 } else { 60 }));
        let id = format!("p{i}");
        crops.push(
            crop_patient(&id, &[sag.clone(), sag.clone(), sag], &axial, &boxes, &cfg).unwrap(),
        );
        let g = if bright { 2 } else { 0 };
        labels.push(PatientGrades {
            id,
            qd: u8::from(tilt > 0.0),
            sl: u8::from(bright),
            zjppt: [g; 5],
            zyzg: [g; 11],
        });
    }
    (crops, labels)
}

fn tiny_grader_config() -> classifier::GraderConfig {
    let mut cfg = classifier::GraderConfig::default();
    cfg.level.sagittal_size = 16;
    cfg.level.axial_size = 16;
    cfg.level.width = 4;
    cfg.level.hidden = 16;
    cfg.spine.image_height = 16;
    cfg.spine.image_width = 8;
    cfg.spine.width = 4;
    cfg.train.epochs = 10;
    cfg.train.batch_size = 16;
    cfg.train.learning_rate = 5e-3;
    cfg.spine_train.epochs = 6;
    cfg.spine_train.batch_size = 4;
    cfg
}

#[test]
fn a_tiny_grader_learns_and_its_checkpoint_round_trips() {
    let _rng = torch_rng();
    tch::set_num_threads(1);
    let (crops, labels) = tiny_cohort(8);
    let cohort = Cohort {
        crops: crops.iter().collect(),
        labels: labels.iter().collect(),
    };
    let mut log = EpochLog::new(None);
    let cfg = tiny_grader_config();
    let grader = fit_grader(&cohort, None, &cfg, tch::Device::Cpu, &mut log, "t", None).unwrap();
    let losses: Vec<f64> = log
        .csv()
        .lines()
        .filter(|l| l.starts_with("t,level"))
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    assert_eq!(losses.len(), 10);
    assert!(
        losses[9] < 0.6 * losses[0],
        "level loss did not fall: {losses:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.safetensors");
    save_grader(&grader, &small_config(), &path).unwrap();
    let (loaded, crop_cfg) = load_grader(&path, tch::Device::Cpu).unwrap();
    assert_eq!(crop_cfg, small_config());
    let refs: Vec<&PatientCrops> = crops.iter().collect();
    assert_eq!(
        score_patients(&grader, &refs, 5),
        score_patients(&loaded, &refs, 5)
    );
    let grades = predict(&loaded, &crop_cfg, &refs, 5).unwrap();
    assert_eq!(grades.len(), 8);
    let other = CropConfig {
        sagittal_span: 3.0,
        ..small_config()
    };
    assert!(
        predict(&loaded, &other, &refs, 5).is_err(),
        "crops of other settings are refused"
    );
}

#[test]
fn checkpoints_refuse_other_kinds_truncation_and_other_architectures() {
    let _rng = torch_rng();
    let dir = tempfile::tempdir().unwrap();
    let cfg = tiny_grader_config();
    let grader = classifier::Grader::new(&cfg, tch::Device::Cpu).unwrap();
    let good = dir.path().join("g.safetensors");
    save_grader(&grader, &small_config(), &good).unwrap();

    // A detector-kind checkpoint.
    let meta = br#"{"kind":"detector","format":1}"#;
    let other = dir.path().join("d.safetensors");
    let w = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
    tch::Tensor::write_safetensors(
        &[("__meta__", tch::Tensor::from_slice(meta)), ("w", w)],
        &other,
    )
    .unwrap();
    let err = load_grader(&other, tch::Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("kind \"detector\""), "{err}");

    // A truncated file.
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_grader(&cut, tch::Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");

    // Weights of one architecture under another's config.
    let mut wide = cfg.clone();
    wide.level.width = 8;
    let mut g2 = classifier::Grader::new(&wide, tch::Device::Cpu).unwrap();
    g2.config = cfg.clone();
    let mixed = dir.path().join("mixed.safetensors");
    save_grader(&g2, &small_config(), &mixed).unwrap();
    let err = load_grader(&mixed, tch::Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("shape"), "{err}");

    // A tensor the architecture does not have.
    let mut tensors = tch::Tensor::read_safetensors(&good).unwrap();
    tensors.push((
        "level.stray.weight".into(),
        tch::Tensor::ones([3], (tch::Kind::Float, tch::Device::Cpu)),
    ));
    let extra = dir.path().join("extra.safetensors");
    tch::Tensor::write_safetensors(&tensors, &extra).unwrap();
    let err = load_grader(&extra, tch::Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unexpected tensor"), "{err}");
}

/// Saving progress must not change what is trained: cross-validation with
/// a resume folder gives the scores of one without, and the state of one
/// fold is never applied to the next (a leak from fold to fold would show
/// here as different out-of-fold scores).
#[test]
fn cross_validation_with_saved_progress_equals_one_without() {
    let _rng = torch_rng();
    use pipeline::grade::cv::{cross_validate, CvSettings};
    use pipeline::grade::resume::TrainingState;
    tch::set_num_threads(1);
    let (crops, labels) = tiny_cohort(9);
    let cohort = Cohort {
        crops: crops.iter().collect(),
        labels: labels.iter().collect(),
    };
    let mut cfg = tiny_grader_config();
    cfg.train.epochs = 3;
    cfg.spine_train.epochs = 2;
    let settings = CvSettings {
        folds: 3,
        seed: 4,
        device: tch::Device::Cpu,
        predict_batch: 16,
        tune: Default::default(),
    };
    let plain = cross_validate(&cohort, &cfg, &settings, &mut EpochLog::new(None), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = TrainingState::new(dir.path(), "tiny", &cohort, tch::Device::Cpu);
    let mut log = EpochLog::new(None);
    let saved = cross_validate(&cohort, &cfg, &settings, &mut log, Some(&state)).unwrap();
    assert_eq!(plain.scores, saved.scores);
    assert!(dir.path().join("resume/fold2.json").is_file());

    // Run again over the finished folds: read back, not retrained
    let mut again_log = EpochLog::new(None);
    let again = cross_validate(&cohort, &cfg, &settings, &mut again_log, Some(&state)).unwrap();
    assert_eq!(again.scores, plain.scores);
    assert_eq!(again_log.csv(), log.csv());
}
