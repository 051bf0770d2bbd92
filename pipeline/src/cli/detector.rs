//! `cervai detector train|eval|bench` and `cervai detect`.

use crate::data::study::{list_patients, load_sagittal};
use crate::data::write_boxes;
use crate::detect::bench::bench;
use crate::detect::cohort::load_cohort;
use crate::detect::evaluate::{evaluate, level_names, render};
use crate::detect::train::train;
use crate::detect::yolo::{load_split, read_spec};
use crate::detect::{DataFormat, DetectorRunConfig, SpineDetector};
use crate::device::{set_threads, DeviceKind};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DetectorArgs {
    #[command(subcommand)]
    pub command: DetectorCommand,
}

#[derive(clap::Subcommand)]
pub enum DetectorCommand {
    /// Train a detector from a TOML config.
    Train(TrainArgs),
    /// Per-level IoU, identification rate, mAP50 and mAP50-95 of a model.
    Eval(EvalArgs),
    /// Inference images/s and peak memory at given batch sizes.
    Bench(BenchArgs),
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Training config (TOML).
    #[arg(long, default_value = "configs/detector.toml")]
    pub config: PathBuf,
    /// Overrides `data.root` (a cohort folder, or a YOLO data.yaml).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Overrides `data.val_root` (cervai cohorts only).
    #[arg(long)]
    pub val_data: Option<PathBuf>,
    /// Overrides `out`, the run folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overrides `train.epochs`.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Where the model runs.
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Detector checkpoint.
    #[arg(long)]
    pub model: PathBuf,
    /// A cohort folder (cervai) or a YOLO data.yaml.
    #[arg(long)]
    pub data: PathBuf,
    /// Layout of `--data`; by default YOLO for a `.yaml` file, else cervai.
    #[arg(long, value_enum)]
    pub format: Option<DataFormat>,
    /// YOLO split to evaluate.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// libtorch threads (0 keeps libtorch's default).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where the model runs.
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Detector checkpoint; without it, a freshly initialised model of the
    /// default architecture (same speed).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Batch sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pub batch: Vec<usize>,
    /// Timed iterations per batch size.
    #[arg(long, default_value_t = 30)]
    pub iters: usize,
    /// libtorch threads (0 keeps libtorch's default).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where the model runs.
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
}

#[derive(clap::Args)]
pub struct DetectArgs {
    /// Detector checkpoint.
    #[arg(long)]
    pub model: PathBuf,
    /// Folder of studies in the official layout.
    #[arg(long)]
    pub data: PathBuf,
    /// Output box file (challenge format plus scores).
    #[arg(long)]
    pub out: PathBuf,
    /// Images per forward pass.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// libtorch threads (0 keeps libtorch's default).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where the model runs.
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
}

pub fn run(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DetectorCommand::Train(a) => train_cmd(a),
        DetectorCommand::Eval(a) => eval_cmd(a),
        DetectorCommand::Bench(a) => bench_cmd(a),
    }
}

fn train_cmd(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = DetectorRunConfig::load(&args.config)?;
    if let Some(data) = args.data {
        cfg.data.root = data;
    }
    if args.val_data.is_some() {
        cfg.data.val_root = args.val_data;
    }
    if let Some(out) = args.out {
        cfg.out = out;
    }
    if let Some(epochs) = args.epochs {
        cfg.train.epochs = epochs;
    }
    set_threads(cfg.threads);
    let outcome = train(&cfg, args.device.resolve()?).context("detector training failed")?;
    let r = &outcome.last;
    let levels = match cfg.data.format {
        DataFormat::Cervai => format!(
            "  val mean IoU {:.4}  identification {:.4}",
            r.mean_iou, r.identification
        ),
        DataFormat::Yolo => String::new(),
    };
    println!(
        "done in {:.0}s: {}{levels}  mAP50 {:.4}  mAP50-95 {:.4}",
        outcome.seconds,
        outcome.checkpoint.display(),
        r.map.map50,
        r.map.map50_95
    );
    Ok(ExitCode::SUCCESS)
}

fn eval_cmd(args: EvalArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let device = args.device.resolve()?;
    let det = SpineDetector::load(&args.model, device)?;
    let size = det.model.net.config().image_size as usize;
    let yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let format = match args.format {
        Some(f) => f,
        None if yaml(&args.data) => DataFormat::Yolo,
        None => DataFormat::Cervai,
    };
    let (samples, names) = match format {
        DataFormat::Cervai => (load_cohort(&args.data, 0)?, level_names()),
        DataFormat::Yolo => {
            let spec = read_spec(&args.data)?;
            (
                load_split(spec.split(&args.split)?, size, 0)?,
                spec.names.clone(),
            )
        }
    };
    let report = evaluate(&det, &samples, format)?;
    print!("{}", render(&report, &names));
    Ok(ExitCode::SUCCESS)
}

fn bench_cmd(args: BenchArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let device = args.device.resolve()?;
    let det = match &args.model {
        Some(path) => SpineDetector::load(path, device)?,
        None => {
            tch::manual_seed(0);
            let model = detector::Model::new(&Default::default(), device);
            SpineDetector::from_model(model, device)
        }
    };
    let params = detector::model::parameter_count(&det.model.vs);
    println!("parameters {params}  threads {}", tch::get_num_threads());
    for &batch in &args.batch {
        let r = bench(&det, batch, 3, args.iters);
        let mem = r
            .peak_rss_mib
            .map_or("n/a".into(), |m| format!("{m:.0} MiB"));
        println!(
            "batch {:>3}  {:>8.1} images/s  {:>8.2} ms/batch  peak RSS {mem}",
            r.batch, r.images_per_second, r.ms_per_batch
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn detect(args: DetectArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let device = args.device.resolve()?;
    let mut det = SpineDetector::load(&args.model, device)?;
    det.batch_size = args.batch.max(1);

    // Load every study; a bad one is reported and skipped.
    let ids = list_patients(&args.data)?;
    let mut studies = Vec::new();
    let mut failed = 0;
    for id in &ids {
        match load_sagittal(&args.data, id) {
            Ok(images) => studies.push((id.clone(), images)),
            Err(err) => {
                eprintln!("skipped: {err}");
                failed += 1;
            }
        }
    }

    // Detect in batches of patients and write the box file.
    let batch: Vec<(&str, &[crate::data::GrayImage; 3])> =
        studies.iter().map(|(id, s)| (id.as_str(), s)).collect();
    let spines = det.detect_patients(&batch)?;
    write_boxes(&args.out, &spines, true)?;
    println!(
        "{} patients -> {} ({failed} failed)",
        spines.len(),
        args.out.display()
    );
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
