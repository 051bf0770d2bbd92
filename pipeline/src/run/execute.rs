//! One invocation of `cervai run`: lock the run directory, check or save
//! its config, pick this shard's patients, run the asked stages in order,
//! and write `errors.json` with every patient that failed.

use super::config::{BoxSource, ResolvedRun, Stage};
use super::drive::StageOutcome;
use super::errors::{self, PatientError};
use super::grade::RunGrader;
use super::layout::RunDir;
use super::localize::{Localizer, TrueBoxes};
use super::lock::RunLock;
use super::shard::Shard;
use crate::data::{json, study};
use crate::metric::Score;
use anyhow::{bail, Context};
use std::path::Path;

/// What a run did, for the summary line and the exit status.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub patients: usize,
    /// Each stage that ran, with its wall-clock seconds.
    pub stages: Vec<(Stage, StageOutcome, f64)>,
    pub failed: Vec<PatientError>,
    pub score: Option<Score>,
    /// `RUN/report/index.html`, when the report stage ran.
    pub report: Option<std::path::PathBuf>,
    pub seconds: f64,
}

/// Runs `stages` of `plan` into `run`.
pub fn execute(plan: &ResolvedRun, run: &RunDir, stages: &[Stage]) -> anyhow::Result<RunSummary> {
    let started = std::time::Instant::now();
    let _lock = RunLock::acquire(&run.root)?;
    let mut models = Models::load(plan, stages)?;
    save_or_check_config(plan, run)?;
    remove_stale_partials(&run.root);
    crate::device::set_threads(plan.config.threads);

    // This shard's patients, in a stable order
    let shard: Shard = plan.shard.parse().map_err(anyhow::Error::msg)?;
    let ids: Vec<String> = study::list_patients(&plan.data)?
        .into_iter()
        .filter(|id| shard.contains(id))
        .collect();
    tracing::info!(
        "{} patients in {} (shard {shard})",
        ids.len(),
        plan.data.display()
    );

    // Run the stages in anatomical-pipeline order
    let mut summary = RunSummary {
        patients: ids.len(),
        ..Default::default()
    };
    let mut order = stages.to_vec();
    order.sort();
    order.dedup();
    let mut ids = ids;
    for stage in order {
        let stage_started = std::time::Instant::now();
        let outcome = run_stage(stage, plan, run, &ids, &mut models, &mut summary)?;
        let seconds = stage_started.elapsed().as_secs_f64();
        // A patient that failed is not handed to the later stages
        ids.retain(|id| !outcome.failed.iter().any(|e| &e.id == id));
        summary.failed.extend(outcome.failed.iter().cloned());
        summary.stages.push((stage, outcome, seconds));
    }

    // Record failures (a resumed run that fixed them clears them)
    errors::write(&run.errors(), &summary.failed)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn run_stage(
    stage: Stage,
    plan: &ResolvedRun,
    run: &RunDir,
    ids: &[String],
    models: &mut Models,
    summary: &mut RunSummary,
) -> anyhow::Result<StageOutcome> {
    let batch = plan.config.batch_patients.max(1);
    let no_grader = || anyhow::anyhow!("internal: the grader was not loaded for this stage");
    let outcome = match stage {
        Stage::Detect => {
            let localizer = models
                .localizer
                .as_mut()
                .context("internal: no localizer was loaded for the detect stage")?;
            let outcome = super::detect::run(&plan.data, run, ids, batch, localizer.as_mut());
            super::detect::collect(run, ids)?;
            outcome
        }
        Stage::Crop => {
            let grader = models.grader.as_ref().ok_or_else(no_grader)?;
            super::grade::crop_stage(plan, run, ids, &grader.crops)
        }
        Stage::Grade => {
            let grader = models.grader.as_ref().ok_or_else(no_grader)?;
            super::grade::grade_stage(plan, run, ids, grader)?
        }
        Stage::Report => {
            summary.score = super::report::score_run(&plan.data, run)?;
            let opts = crate::report::ReportOptions::default();
            let written = crate::report::write_run_report(&run.root, &plan.data, &opts)?;
            for note in &written.notes {
                tracing::warn!("report: {note}");
            }
            summary.report = Some(written.index);
            StageOutcome {
                done: written.patients,
                ..Default::default()
            }
        }
    };
    Ok(outcome)
}

fn localizer(plan: &ResolvedRun) -> anyhow::Result<Box<dyn Localizer>> {
    match plan.config.boxes {
        BoxSource::Truth => {
            let path = plan.data.join("bounding_box_train.json");
            Ok(Box::new(TrueBoxes::load(&path)?))
        }
        BoxSource::Detected => {
            let Some(model) = &plan.config.detector else {
                bail!("the detect stage needs a detector: pass --detector or set `detector`")
            };
            let device = plan.config.device.resolve()?;
            super::models::load_detector(model, device)
        }
    }
}

/// The models of a run, each loaded once, before anything is written: a
/// bad checkpoint fails the run at once rather than after stage 1, and
/// leaves no config behind that a corrected resume would have to match.
struct Models {
    /// Stage 1's boxes: the detector, or the cohort's true boxes.
    localizer: Option<Box<dyn Localizer>>,
    /// Stage 3's grader; stage 2 cuts crops with its settings.
    grader: Option<RunGrader>,
}

impl Models {
    fn load(plan: &ResolvedRun, stages: &[Stage]) -> anyhow::Result<Self> {
        let localizer = match stages.contains(&Stage::Detect) {
            true => Some(localizer(plan)?),
            false => None,
        };
        let grader = match stages.contains(&Stage::Crop) || stages.contains(&Stage::Grade) {
            true => Some(RunGrader::load(plan)?),
            false => None,
        };
        Ok(Self { localizer, grader })
    }
}

/// A new run saves its config; a resumed run must have been made with the
/// same inputs and models, or its old outputs would be mixed with new ones.
fn save_or_check_config(plan: &ResolvedRun, run: &RunDir) -> anyhow::Result<()> {
    let path = run.config();
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let old: ResolvedRun = toml::from_str(&text)
            .with_context(|| format!("{} is not a cervai run config", path.display()))?;
        if !old.same_outputs_as(plan) {
            bail!(
                "{} was made with other data, shard, models or box source; resume it with the \
                 same settings or choose a new --out",
                run.root.display()
            );
        }
    }
    let text = toml::to_string_pretty(plan).context("cannot serialise the run config")?;
    json::write_atomic(&path, text.as_bytes())?;
    Ok(())
}

/// Temporary files of an interrupted write (`.<name>.<pid>.partial`) are
/// never trusted; holding the lock, every one of them is stale.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_stale_partials(&path);
        } else if path.extension().is_some_and(|e| e == "partial") {
            tracing::debug!("removing {} left by an interrupted run", path.display());
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Whether `dir` looks like a run directory (for `merge`).
pub fn is_run_dir(dir: &Path) -> bool {
    RunDir::new(dir).config().exists()
}
