//! `cervai classifier crop|train|cv|geometry-cv|bench` and `cervai grade`.

use crate::crops::CropConfig;
use crate::crops::PatientCrops;
use crate::data::{read_boxes, read_labels, write_labels, PatientGrades, SpineBoxes};
use crate::device::{set_threads, DeviceKind};
use crate::grade::cohort::{gather, list_crops, CropSource};
use crate::grade::cv::{cross_validate, CvOutcome, CvSettings};
use crate::grade::geometry_cv::geometry_cv;
use crate::grade::log::EpochLog;
use crate::grade::resume::TrainingState;
use crate::grade::{
    bench, fit_grader, load_grader, predict, save_grader, ClassifierFileConfig, Cohort,
};
use anyhow::{bail, Context};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ClassifierArgs {
    #[command(subcommand)]
    pub command: ClassifierCommand,
}

#[derive(clap::Subcommand)]
pub enum ClassifierCommand {
    /// Cut the per-level crops of a cohort into a folder (stage 2 alone).
    Crop(CropArgs),
    /// Cross-validate, tune offsets on out-of-fold scores, train the final
    /// grader on every patient and save it.
    Train(TrainArgs),
    /// Cross-validate only: out-of-fold predictions and their score.
    Cv(TrainArgs),
    /// Cross-validate the whole-spine head on true box geometry alone.
    GeometryCv(GeometryCvArgs),
    /// Grading throughput (levels per second) of the per-level net.
    Bench(BenchArgs),
}

#[derive(clap::Args)]
pub struct CropArgs {
    /// Cohort root: `<root>/<id>/sag/*.png`, `tra/*.png`.
    #[arg(long)]
    pub images: PathBuf,
    /// Box file (`bounding_box_train.json` or a detector's `boxes.json`).
    #[arg(long)]
    pub boxes: PathBuf,
    /// Folder to write `<id>/…` crops into.
    #[arg(long)]
    pub out: PathBuf,
    /// Grader config whose `[crops]` section is used.
    #[arg(long, default_value = "configs/classifier.toml")]
    pub config: PathBuf,
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Grader config (TOML).
    #[arg(long, default_value = "configs/classifier.toml")]
    pub config: PathBuf,
    /// Cohort root with the study images (needed unless --crops holds them).
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// Label file; defaults to `<images>/train.json`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Box file; defaults to `<images>/bounding_box_train.json`.
    #[arg(long)]
    pub boxes: Option<PathBuf>,
    /// Crops folder: reused where it matches the config, filled otherwise.
    #[arg(long)]
    pub crops: Option<PathBuf>,
    /// Output folder: checkpoint, resolved config, epoch CSV, OOF files.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
}

#[derive(clap::Args)]
pub struct GeometryCvArgs {
    /// Label file (e.g. ../shared/cervai/train.json).
    #[arg(long)]
    pub labels: PathBuf,
    /// True boxes (e.g. ../shared/cervai/bounding_box_train.json).
    #[arg(long)]
    pub boxes: PathBuf,
    /// Grader config; its `[spine]` (image forced off) and `[spine_train]`.
    #[arg(long, default_value = "configs/classifier.toml")]
    pub config: PathBuf,
    /// Folds (overrides the config).
    #[arg(long)]
    pub folds: Option<usize>,
    /// libtorch threads (1 suits this tiny model best).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Heads per fold, from consecutive seeds, whose scores are averaged.
    #[arg(long, default_value_t = 5)]
    pub members: usize,
    /// Seeds to repeat the whole CV with (mean and spread reported).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub seeds: Vec<u64>,
    /// Write the figures as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// A trained grader; without it a fresh one from --config is timed.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, default_value = "configs/classifier.toml")]
    pub config: PathBuf,
    /// Levels to grade.
    #[arg(long, default_value_t = 4096)]
    pub levels: usize,
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// libtorch threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
}

#[derive(clap::Args)]
pub struct GradeArgs {
    /// Crops folder (`<dir>/<id>/manifest.json`, from a run or `classifier crop`).
    #[arg(long)]
    pub crops: PathBuf,
    /// Grader checkpoint from `cervai classifier train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Submission file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
    /// libtorch threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Patients per model call.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
}

pub fn run(args: ClassifierArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ClassifierCommand::Crop(a) => crop(a),
        ClassifierCommand::Train(a) => train(a, true),
        ClassifierCommand::Cv(a) => train(a, false),
        ClassifierCommand::GeometryCv(a) => geometry(a),
        ClassifierCommand::Bench(a) => bench_cmd(a),
    }
}

fn load_config(path: &Path) -> anyhow::Result<ClassifierFileConfig> {
    ClassifierFileConfig::load(path).map_err(anyhow::Error::msg)
}

fn boxes_by_id(path: &Path) -> anyhow::Result<HashMap<String, SpineBoxes>> {
    let file = read_boxes(path, true)?;
    for e in &file.errors {
        tracing::warn!("{e}");
    }
    Ok(file
        .patients
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

fn crop(args: CropArgs) -> anyhow::Result<ExitCode> {
    let cfg = load_config(&args.config)?;
    let boxes = boxes_by_id(&args.boxes)?;
    let mut ids: Vec<String> = boxes.keys().cloned().collect();
    ids.sort();
    let src = CropSource {
        images: Some(&args.images),
        boxes: Some(&boxes),
        crops: Some(&args.out),
    };
    let results = gather(&ids, src, &cfg.crops);
    let failed = report_failures(&results);
    println!(
        "cropped {} patients into {}",
        results.len() - failed,
        args.out.display()
    );
    Ok(exit_code(failed))
}

fn train(args: TrainArgs, final_model: bool) -> anyhow::Result<ExitCode> {
    let cfg = load_config(&args.config)?;
    set_threads(cfg.threads);
    let device = args.device.resolve()?;
    let default_in = |name: &str| args.images.as_ref().map(|d| d.join(name));
    let labels_path = args.labels.clone().or_else(|| default_in("train.json"));
    let labels_path = labels_path.context("--labels (or --images holding train.json) is needed")?;
    let labels = read_labels(&labels_path)?;
    labels.errors.iter().for_each(|e| tracing::warn!("{e}"));
    let boxes_path = args
        .boxes
        .clone()
        .or_else(|| default_in("bounding_box_train.json"));
    let boxes = match &boxes_path {
        Some(p) if p.is_file() => Some(boxes_by_id(p)?),
        _ => None,
    };

    // Crops of every labelled patient.
    let ids: Vec<String> = labels.patients.iter().map(|p| p.id.clone()).collect();
    let src = CropSource {
        images: args.images.as_deref(),
        boxes: boxes.as_ref(),
        crops: args.crops.as_deref(),
    };
    let results = gather(&ids, src, &cfg.crops);
    let failed = report_failures(&results);
    let pairs: Vec<(PatientCrops, &PatientGrades)> = results
        .into_iter()
        .zip(&labels.patients)
        .filter_map(|(r, g)| r.ok().map(|c| (c, g)))
        .collect();
    if pairs.len() < cfg.folds {
        bail!(
            "only {} patients could be cropped; {} folds need more",
            pairs.len(),
            cfg.folds
        );
    }
    let cohort = Cohort {
        crops: pairs.iter().map(|(c, _)| c).collect(),
        labels: pairs.iter().map(|(_, g)| *g).collect(),
    };
    println!("{} patients ({} failed to crop)", cohort.len(), failed);

    // Cross-validation, then the final model.
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("config.toml"), cfg.to_toml())?;
    let mut log = EpochLog::new(Some(args.out.join("epochs.csv")));
    let settings = CvSettings {
        folds: cfg.folds,
        seed: cfg.seed,
        device,
        predict_batch: cfg.predict_batch,
        tune: cfg.tune.clone(),
    };
    // Progress is saved after every epoch; an interrupted training started
    // again with the same config, device and patients resumes where it
    // stopped (`cv` and `train` share their folds).
    let state = TrainingState::new(&args.out, &cfg.to_toml(), &cohort, device);
    let outcome = cross_validate(&cohort, &cfg.grader(), &settings, &mut log, Some(&state))?;
    write_cv(&args.out, &outcome)?;
    if final_model {
        let grader = fit_grader(
            &cohort,
            None,
            &cfg.grader(),
            device,
            &mut log,
            "final",
            Some(&state),
        );
        let mut grader = grader?;
        grader.thresholds = outcome.thresholds.clone();
        let path = args.out.join("grader.safetensors");
        save_grader(&grader, &cfg.crops, &path)?;
        println!("saved {}", path.display());
    }
    state.finish();
    let curves = args.out.join("curves.png");
    crate::report::curves::write_curves_or_warn(&args.out.join("epochs.csv"), &curves);
    Ok(exit_code(failed))
}

fn write_cv(out: &Path, outcome: &CvOutcome) -> anyhow::Result<()> {
    write_labels(&out.join("oof_predictions.json"), &outcome.predictions)?;
    let summary = serde_json::json!({
        "score": outcome.score,
        "thresholds": outcome.thresholds,
        "folds": outcome.folds,
    });
    crate::data::json::write_pretty(&out.join("cv_score.json"), &summary)?;
    let s = &outcome.score;
    println!(
        "out-of-fold score {:.4}  (qd {:.4}  sl {:.4}  zjppt {:.4}  zyzg {:.4})  n={}",
        s.score, s.qd.metric, s.sl.metric, s.zjppt.metric, s.zyzg.metric, s.n_scored
    );
    Ok(())
}

fn geometry(args: GeometryCvArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = load_config(&args.config)?;
    set_threads(args.threads);
    let folds = args.folds.unwrap_or(cfg.folds);
    let labels = read_labels(&args.labels)?;
    let boxes = read_boxes(&args.boxes, false)?;
    let by_id = boxes.by_id();
    let mut columns = Vec::new();
    let mut grades = Vec::new();
    for g in &labels.patients {
        let Some(b) = by_id.get(g.id.as_str()) else {
            continue;
        };
        let complete = crate::crops::frame::complete(b).map_err(anyhow::Error::msg)?;
        columns.push(complete.boxes[crate::anatomy::MID_SLICE].map(|b| [b.x1, b.y1, b.x2, b.y2]));
        grades.push(g);
    }
    println!(
        "{} patients with labels and boxes, {folds}-fold CV",
        columns.len()
    );
    let mut runs = Vec::new();
    for &seed in &args.seeds {
        cfg.seed = seed;
        let mut log = EpochLog::new(None);
        let r = geometry_cv(
            &columns,
            &grades,
            &cfg.grader(),
            folds,
            args.members,
            &cfg.tune,
            &mut log,
        )?;
        println!(
            "seed {seed}: qd macro-F1 {:.4} (argmax {:.4})  sl F1[0] {:.4} (argmax {:.4})",
            r.qd_macro_f1, r.qd_macro_f1_argmax, r.sl_f1_class0, r.sl_f1_class0_argmax
        );
        runs.push(r);
    }
    let mean = |f: fn(&crate::grade::geometry_cv::GeometryCv) -> f64| {
        runs.iter().map(f).sum::<f64>() / runs.len().max(1) as f64
    };
    let (qd, sl) = (mean(|r| r.qd_macro_f1), mean(|r| r.sl_f1_class0));
    println!(
        "mean over {} seeds: qd macro-F1 {qd:.4}  sl F1[0] {sl:.4}",
        runs.len()
    );
    if let Some(out) = &args.out {
        let json = serde_json::json!({ "runs": runs, "seeds": args.seeds, "qd_macro_f1": qd, "sl_f1_class0": sl });
        crate::data::json::write_pretty(out, &json)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_cmd(args: BenchArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let device = args.device.resolve()?;
    let grader = match &args.model {
        Some(m) => load_grader(m, device)?.0,
        None => classifier::Grader::new(&load_config(&args.config)?.grader(), device)?,
    };
    let r = bench::bench_levels(&grader, args.levels, args.batch);
    println!(
        "{} levels at batch {} on {:?} with {} threads: {:.3} s, {:.1} levels/s",
        r.levels, r.batch, device, args.threads, r.seconds, r.levels_per_second
    );
    Ok(ExitCode::SUCCESS)
}

pub fn grade(args: GradeArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let device = args.device.resolve()?;
    let (grader, crop_cfg): (_, CropConfig) = load_grader(&args.model, device)
        .with_context(|| format!("loading the grader {}", args.model.display()))?;
    let ids = list_crops(&args.crops)
        .with_context(|| format!("listing crops in {}", args.crops.display()))?;
    if ids.is_empty() {
        bail!("no `<id>/manifest.json` under {}", args.crops.display());
    }
    let src = CropSource {
        images: None,
        boxes: None,
        crops: Some(&args.crops),
    };
    let results = gather(&ids, src, &crop_cfg);
    let failed = report_failures(&results);
    let crops: Vec<&PatientCrops> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let grades = predict(&grader, &crop_cfg, &crops, args.batch)?;
    write_labels(&args.out, &grades)?;
    println!(
        "graded {} patients into {} ({failed} failed)",
        grades.len(),
        args.out.display()
    );
    Ok(exit_code(failed))
}

fn report_failures<T>(results: &[Result<T, String>]) -> usize {
    let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    errors.iter().for_each(|e| tracing::error!("{e}"));
    errors.len()
}

fn exit_code(failed: usize) -> ExitCode {
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
