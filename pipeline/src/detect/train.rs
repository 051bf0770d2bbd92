//! The training driver: loads the data, runs the epochs with a progress
//! bar and one summary line each, writes `metrics.csv`, the resolved
//! `config.toml` and the EMA checkpoint `detector.ckpt` into the run folder,
//! and after every epoch the training state `last.ckpt`: started again on a
//! folder with that state and the same config, training resumes after the
//! last finished epoch and ends as an uninterrupted run would.
//!
//! Reproducible on CPU: libtorch is seeded, the data order and every
//! augmentation draw come from ChaCha generators seeded by (seed, epoch,
//! position), and augmentation runs in parallel without sharing a
//! generator.

use super::augment::augment;
use super::cohort::{load_cohort, split_by_patient};
use super::config::{DataFormat, DetectorRunConfig};
use super::evaluate::{evaluate, EvalReport};
use super::infer::SpineDetector;
use super::sample::{to_batch, Sample};
use super::yolo::{load_split, read_spec};
use super::DetectError;
use detector::checkpoint::{load_detector, save_detector};
use detector::resume::{load_training, save_training};
use detector::Trainer;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Name of the checkpoint inside the run folder.
pub const CHECKPOINT: &str = "detector.ckpt";

/// Name of the training state (weights, EMA, optimiser, epoch) inside it.
pub const RESUME: &str = "last.ckpt";

const CSV_HEADER: &str =
    "epoch,loss,cls_loss,box_loss,lr,val_iou,val_ident,val_map50,val_map50_95,seconds";

/// Train and validation samples of a config.
pub fn load_data(cfg: &DetectorRunConfig) -> Result<(Vec<Sample>, Vec<Sample>), DetectError> {
    let d = &cfg.data;
    match d.format {
        DataFormat::Cervai => {
            let all = load_cohort(&d.root, d.limit)?;
            match &d.val_root {
                Some(val) => Ok((all, load_cohort(val, d.limit)?)),
                None => Ok(split_by_patient(all, d.val_fraction, d.split_seed)),
            }
        }
        DataFormat::Yolo => {
            let spec = read_spec(&d.root)?;
            let size = cfg.model.image_size as usize;
            let train = load_split(spec.split("train")?, size, d.limit)?;
            let val = load_split(spec.split("val")?, size, d.limit)?;
            Ok((train, val))
        }
    }
}

/// What a run leaves behind.
#[derive(Debug)]
pub struct TrainOutcome {
    pub checkpoint: PathBuf,
    pub last: EvalReport,
    pub seconds: f64,
}

/// Trains a detector as `cfg` says on `device`.
pub fn train(cfg: &DetectorRunConfig, device: tch::Device) -> Result<TrainOutcome, DetectError> {
    let start = std::time::Instant::now();
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DetectError::Io { path, source }
    };
    std::fs::create_dir_all(&cfg.out).map_err(io(&cfg.out))?;
    let config_path = cfg.out.join("config.toml");
    let config_text = cfg.to_toml();
    let same_config = std::fs::read_to_string(&config_path).is_ok_and(|t| t == config_text);
    std::fs::write(&config_path, &config_text).map_err(io(&config_path))?;

    let (train_set, val_set) = load_data(cfg)?;
    check_sets(cfg, &train_set, &val_set)?;
    tracing::info!(
        "{} training and {} validation images",
        train_set.len(),
        val_set.len()
    );

    let bs = cfg.train.batch_size.max(1);
    let steps = train_set.len().div_ceil(bs);
    let mut trainer = Trainer::new(&cfg.model, &cfg.loss, &cfg.train, steps, device)?;
    let checkpoint = cfg.out.join(CHECKPOINT);

    // Resume after the last finished epoch of an earlier run of this config
    let resume = cfg.out.join(RESUME);
    let done = if same_config && resume.exists() {
        resume_from(&resume, &mut trainer)?
    } else {
        0
    };
    let csv_path = cfg.out.join("metrics.csv");
    let mut csv = open_csv(&csv_path, done).map_err(io(&csv_path))?;

    let mut last = None;
    for epoch in done + 1..=cfg.train.epochs {
        let (loss, cls, boxes) = run_epoch(&mut trainer, cfg, &train_set, epoch)?;
        save_detector(&checkpoint, trainer.eval_model())?;
        let report = validate(&checkpoint, cfg, &val_set, device)?;
        println!("{}", epoch_line(epoch, loss, &report, cfg.data.format));
        let secs = start.elapsed().as_secs_f64();
        writeln!(
            csv,
            "{epoch},{loss:.5},{cls:.5},{boxes:.5},{:.6},{:.5},{:.5},{:.5},{:.5},{secs:.1}",
            trainer.current_lr(),
            report.mean_iou,
            report.identification,
            report.map.map50,
            report.map.map50_95
        )
        .map_err(io(&csv_path))?;
        save_training(&resume, &trainer, &serde_json::json!({ "epoch": epoch }))?;
        last = Some(report);
    }
    let last = match last {
        Some(report) => report,
        None if done > 0 => validate(&checkpoint, cfg, &val_set, device)?,
        None => {
            return Err(DetectError::Config(
                "train.epochs must be at least 1".into(),
            ))
        }
    };
    drop(csv);
    crate::report::curves::write_curves_or_warn(&csv_path, &cfg.out.join("curves.png"));
    Ok(TrainOutcome {
        checkpoint,
        last,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Restores `trainer` from the state file; returns the epochs it holds.
fn resume_from(path: &Path, trainer: &mut Trainer) -> Result<usize, DetectError> {
    let note = load_training(path, trainer)?;
    let epoch = note["epoch"]
        .as_u64()
        .ok_or_else(|| DetectError::Config(format!("{}: no epoch recorded", path.display())))?
        as usize;
    println!("resuming after epoch {epoch} from {}", path.display());
    Ok(epoch)
}

/// `metrics.csv` opened for appending: a header, then the rows of the
/// first `done` epochs an earlier run wrote (a resume keeps those).
fn open_csv(path: &Path, done: usize) -> std::io::Result<std::fs::File> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let kept = old.lines().skip(1).filter(|row| {
        let epoch = row.split(',').next().and_then(|e| e.parse::<usize>().ok());
        epoch.is_some_and(|e| e <= done)
    });
    let mut text = format!("{CSV_HEADER}\n");
    kept.for_each(|row| text.push_str(&format!("{row}\n")));
    std::fs::write(path, text)?;
    std::fs::OpenOptions::new().append(true).open(path)
}

fn check_sets(
    cfg: &DetectorRunConfig,
    train: &[Sample],
    val: &[Sample],
) -> Result<(), DetectError> {
    if train.is_empty() || val.is_empty() {
        return Err(DetectError::Input(format!(
            "{} training and {} validation images: both must be non-empty",
            train.len(),
            val.len()
        )));
    }
    let nc = cfg.model.num_classes;
    let side = cfg.model.image_size as usize;
    for s in train.iter().chain(val) {
        if let Some(t) = s.truths.iter().find(|t| t.class >= nc) {
            let msg = format!(
                "{}: class {} but the model has {nc} classes",
                s.name, t.class
            );
            return Err(DetectError::Input(msg));
        }
        if s.image.width != side || s.image.height != side {
            let msg = format!(
                "{}: image is {}x{}, model.image_size is {side}",
                s.name, s.image.width, s.image.height
            );
            return Err(DetectError::Input(msg));
        }
    }
    Ok(())
}

/// One pass over the training set in a seeded order; mean losses.
fn run_epoch(
    trainer: &mut Trainer,
    cfg: &DetectorRunConfig,
    train_set: &[Sample],
    epoch: usize,
) -> Result<(f64, f64, f64), DetectError> {
    let seed = cfg.train.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut order: Vec<usize> = (0..train_set.len()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));

    let bs = cfg.train.batch_size.max(1);
    let bar = progress_bar(order.len().div_ceil(bs) as u64, epoch);
    let (mut total, mut cls, mut boxes, mut n) = (0.0, 0.0, 0.0, 0.0);
    for (b, chunk) in order.chunks(bs).enumerate() {
        let batch: Vec<Sample> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, &idx)| {
                let mut rng =
                    rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ ((b * bs + i) as u64) << 20);
                augment(&train_set[idx], &cfg.augment, &mut rng)
            })
            .collect::<Result<_, _>>()
            .map_err(|e| DetectError::Image(e.to_string()))?;
        let (images, truths) = to_batch(&batch, trainer.model.vs.device());
        let parts = trainer.step(&images, &truths);
        let loss = parts.total.double_value(&[]);
        (total, cls, boxes, n) = (total + loss, cls + parts.cls, boxes + parts.boxes, n + 1.0);
        bar.set_message(format!("loss {:.3}", total / n));
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok((total / n, cls / n, boxes / n))
}

fn progress_bar(len: u64, epoch: usize) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} {msg} ({eta})")
            .expect("valid template")
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(epoch.to_string());
    bar
}

/// Evaluates the checkpoint just written (so validation sees exactly what
/// was saved).
fn validate(
    checkpoint: &Path,
    cfg: &DetectorRunConfig,
    val_set: &[Sample],
    device: tch::Device,
) -> Result<EvalReport, DetectError> {
    let mut det = SpineDetector::from_model(load_detector(checkpoint, device)?, device);
    det.decode = cfg.decode.clone();
    evaluate(&det, val_set, cfg.data.format)
}

/// `epoch  3  loss 0.412  val_iou 0.871` (mAP for general datasets).
pub fn epoch_line(epoch: usize, loss: f64, r: &EvalReport, format: DataFormat) -> String {
    match format {
        DataFormat::Cervai => format!(
            "epoch {epoch:>2}  loss {loss:.3}  val_iou {:.3}  val_ident {:.3}",
            r.mean_iou, r.identification
        ),
        DataFormat::Yolo => format!(
            "epoch {epoch:>2}  loss {loss:.3}  val_map50 {:.3}  val_map50_95 {:.3}",
            r.map.map50, r.map.map50_95
        ),
    }
}
