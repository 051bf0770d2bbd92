//! `cervai run` (the staged pipeline) and `cervai merge` (join shards).

use crate::device::DeviceKind;
use crate::run::{self, BoxSource, ResolvedRun, RunConfig, RunDir, Shard, Stage};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Cohort folder in the official layout (<id>/sag, <id>/tra).
    #[arg(long)]
    pub data: PathBuf,
    /// Run directory; created if new, resumed if it exists.
    #[arg(long)]
    pub out: PathBuf,
    /// TOML config (models, box source, batching); the flags below override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Stages to run, comma-separated, e.g. `detect` for a localization job.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "detect,crop,grade,report"
    )]
    pub stages: Vec<Stage>,
    /// Detector checkpoint.
    #[arg(long)]
    pub detector: Option<PathBuf>,
    /// Grader checkpoint.
    #[arg(long)]
    pub grader: Option<PathBuf>,
    /// Where stage 1 takes its boxes from.
    #[arg(long, value_enum)]
    pub boxes: Option<BoxSource>,
    /// Process only shard I of N (0-based), e.g. `--shard 2/8`.
    #[arg(long, default_value = "0/1")]
    pub shard: Shard,
    /// Device for the models.
    #[arg(long, value_enum)]
    pub device: Option<DeviceKind>,
    /// libtorch threads (0: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Patients per model batch.
    #[arg(long)]
    pub batch: Option<usize>,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The merged run directory.
    #[arg(long)]
    pub out: PathBuf,
    /// The shards' run directories.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let plan = resolve(&args)?;
    let out = RunDir::new(&args.out);
    let summary = run::execute(&plan, &out, &args.stages)?;

    // Summary: what ran, what failed, and the score when labels exist
    for (stage, outcome, seconds) in &summary.stages {
        let failed = outcome.failed.len();
        println!(
            "{:>8}  done {:>5}  already done {:>5}  failed {:>4}  {seconds:6.2} s",
            stage.name(),
            outcome.done,
            outcome.skipped,
            failed
        );
    }
    if let Some(score) = &summary.score {
        println!(
            "score {:.4}  (qd {:.4}  sl {:.4}  zjppt {:.4}  zyzg {:.4}; {} patients)",
            score.score,
            score.qd.metric,
            score.sl.metric,
            score.zjppt.metric,
            score.zyzg.metric,
            score.n_scored
        );
    }
    if let Some(index) = &summary.report {
        println!("report: {}", index.display());
    }
    let per_second = summary.patients as f64 / summary.seconds.max(1e-9);
    let memory = crate::memory::peak_rss_mib()
        .map(|m| format!(", peak RSS {m:.0} MiB"))
        .unwrap_or_default();
    println!(
        "{} patients in {:.1} s ({per_second:.1}/s{memory}); run directory {}",
        summary.patients,
        summary.seconds,
        out.root.display()
    );
    if summary.failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{} patient(s) failed; see {}",
        summary.failed.len(),
        out.errors().display()
    );
    for err in summary.failed.iter().take(5) {
        eprintln!("  {} [{}] {}: {}", err.id, err.stage, err.file, err.problem);
    }
    Ok(ExitCode::from(1))
}

/// Config file (if any), then flags on top.
fn resolve(args: &RunArgs) -> anyhow::Result<ResolvedRun> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("bad config {}", path.display()))?
        }
        None => RunConfig::default(),
    };
    config.detector = args.detector.clone().or(config.detector);
    config.grader = args.grader.clone().or(config.grader);
    config.boxes = args.boxes.unwrap_or(config.boxes);
    config.device = args.device.unwrap_or(config.device);
    config.threads = args.threads.unwrap_or(config.threads);
    config.batch_patients = args.batch.unwrap_or(config.batch_patients);
    Ok(ResolvedRun {
        data: args.data.clone(),
        shard: args.shard.to_string(),
        config,
    })
}

pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let shards: Vec<RunDir> = args.shards.iter().map(RunDir::new).collect();
    let n = run::merge::merge(&shards, &RunDir::new(&args.out))?;
    println!(
        "merged {} shards, {n} patients, into {}",
        shards.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
