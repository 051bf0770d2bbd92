//! `cervai ablate`: every variant of an ablation config is cross-validated
//! on the same patients with the same patient-level folds and seeds, and
//! the results become one table (Markdown, JSON and a bar chart). Each
//! variant's result is saved as it finishes, so an interrupted ablation
//! resumes with the variants still missing.
//!
//! ```text
//! OUT/boxes-detected.json        detector output, computed once
//! OUT/crops/<boxes>-<hash>/<id>/ crops, shared by variants with equal settings
//! OUT/variants/<slug>/result.json, epochs.csv
//! OUT/table.md, table.json, chart.png
//! ```

pub mod config;
pub mod table;

pub use config::{AblationConfig, Variant};
pub use table::VariantResult;

use crate::data::boxes::{read_boxes, write_boxes, SpineBoxes};
use crate::data::labels::{read_labels, PatientGrades};
use crate::data::{json, study};
use crate::detect::SpineDetector;
use crate::grade::cohort::{gather, CropSource};
use crate::grade::cv::{cross_validate, CvSettings};
use crate::grade::log::EpochLog;
use crate::grade::{ClassifierFileConfig, Cohort};
use crate::hash::fnv;
use crate::metric::score_pairs;
use crate::report::{write_ablation_chart, AblationBar};
use crate::run::BoxSource;
use anyhow::{bail, Context};
use std::collections::HashMap;
use std::path::Path;

/// Runs (or resumes) every variant and writes the table into `out`.
pub fn run(
    cfg: &AblationConfig,
    out: &Path,
    device: tch::Device,
) -> anyhow::Result<Vec<VariantResult>> {
    let labels = read_labels(&cfg.data.join("train.json"))?;
    labels.errors.iter().for_each(|e| tracing::warn!("{e}"));
    let mut results = Vec::new();
    for variant in &cfg.variants {
        let grader_cfg = cfg.resolve(variant).map_err(anyhow::Error::msg)?;
        let dir = out.join("variants").join(config::slug(&variant.name));
        let result = match saved(&dir, &grader_cfg) {
            Some(done) => {
                tracing::info!("{}: already done", variant.name);
                done
            }
            None => {
                tracing::info!("{}: cross-validating", variant.name);
                let boxes = boxes(cfg, variant.boxes, out, device)?;
                let r = run_variant(
                    cfg,
                    variant,
                    &grader_cfg,
                    &labels.patients,
                    &boxes,
                    out,
                    device,
                )?;
                json::write_pretty(&dir.join("result.json"), &r)?;
                r
            }
        };
        println!(
            "{:<28} score {:.4} ± {:.4}",
            result.name,
            result.mean_sd(0).0,
            result.mean_sd(0).1
        );
        results.push(result);
    }
    write_table(out, &results)?;
    Ok(results)
}

/// A saved result, if it was made with this very config.
fn saved(dir: &Path, cfg: &ClassifierFileConfig) -> Option<VariantResult> {
    let value = json::read_value(&dir.join("result.json")).ok()?;
    let result: VariantResult = serde_json::from_value(value).ok()?;
    (result.config == cfg.to_toml()).then_some(result)
}

/// Boxes by id: the true ones, or the detector's (cached in `out`).
fn boxes(
    cfg: &AblationConfig,
    source: BoxSource,
    out: &Path,
    device: tch::Device,
) -> anyhow::Result<HashMap<String, SpineBoxes>> {
    let file = match source {
        BoxSource::Truth => cfg.data.join("bounding_box_train.json"),
        BoxSource::Detected => {
            let cache = out.join("boxes-detected.json");
            if !cache.exists() {
                detect_all(cfg, &cache, device)?;
            }
            cache
        }
    };
    let read = read_boxes(&file, source == BoxSource::Detected)?;
    read.errors.iter().for_each(|e| tracing::warn!("{e}"));
    Ok(read
        .patients
        .into_iter()
        .map(|b| (b.id.clone(), b))
        .collect())
}

fn detect_all(cfg: &AblationConfig, cache: &Path, device: tch::Device) -> anyhow::Result<()> {
    let Some(model) = &cfg.detector else {
        bail!("a variant uses detected boxes but the ablation config names no `detector`")
    };
    let detector = SpineDetector::load(model, device)
        .with_context(|| format!("cannot load detector {}", model.display()))?;
    let ids = study::list_patients(&cfg.data)?;
    let mut found = Vec::new();
    for chunk in ids.chunks(32) {
        let images: Vec<_> = chunk
            .iter()
            .map(|id| study::load_sagittal(&cfg.data, id))
            .collect();
        let batch: Vec<(&str, &[crate::data::GrayImage; 3])> = chunk
            .iter()
            .zip(&images)
            .filter_map(|(id, img)| img.as_ref().ok().map(|img| (id.as_str(), img)))
            .collect();
        found.extend(detector.detect_patients(&batch)?);
    }
    write_boxes(cache, &found, true)?;
    Ok(())
}

fn run_variant(
    cfg: &AblationConfig,
    variant: &Variant,
    grader_cfg: &ClassifierFileConfig,
    labels: &[PatientGrades],
    boxes: &HashMap<String, SpineBoxes>,
    out: &Path,
    device: tch::Device,
) -> anyhow::Result<VariantResult> {
    // Crops, shared between variants that cut them the same way
    let crop_key = format!(
        "{:?}-{:016x}",
        variant.boxes,
        fnv(&toml::to_string(&grader_cfg.crops)?)
    );
    let crops_dir = out.join("crops").join(crop_key.to_lowercase());
    let ids: Vec<String> = labels.iter().map(|l| l.id.clone()).collect();
    let src = CropSource {
        images: Some(&cfg.data),
        boxes: Some(boxes),
        crops: Some(&crops_dir),
    };
    let crops = gather(&ids, src, &grader_cfg.crops);
    let pairs: Vec<_> = crops
        .into_iter()
        .zip(labels)
        .filter_map(|(c, l)| c.ok().map(|c| (c, l)))
        .collect();
    if pairs.len() < ids.len() {
        tracing::warn!(
            "{}: {} of {} patients could not be cropped",
            variant.name,
            ids.len() - pairs.len(),
            ids.len()
        );
    }
    let cohort = Cohort {
        crops: pairs.iter().map(|(c, _)| c).collect(),
        labels: pairs.iter().map(|(_, l)| *l).collect(),
    };

    // Cross-validation with the shared split and seed
    crate::device::set_threads(grader_cfg.threads);
    let settings = CvSettings {
        folds: grader_cfg.folds,
        seed: grader_cfg.seed,
        device,
        predict_batch: grader_cfg.predict_batch,
        tune: grader_cfg.tune.clone(),
    };
    let dir = out.join("variants").join(config::slug(&variant.name));
    let mut log = EpochLog::new(Some(dir.join("epochs.csv")));
    let outcome = cross_validate(&cohort, &grader_cfg.grader(), &settings, &mut log, None)?;

    // Metrics per fold
    let folds = (0..grader_cfg.folds)
        .map(|f| {
            let pairs: Vec<(&PatientGrades, &PatientGrades)> = (0..cohort.len())
                .filter(|&i| outcome.folds[i] == f)
                .map(|i| (cohort.labels[i], &outcome.predictions[i]))
                .collect();
            let s = score_pairs(&pairs);
            [
                s.score,
                s.qd.metric,
                s.sl.metric,
                s.zjppt.metric,
                s.zyzg.metric,
            ]
        })
        .collect();
    Ok(VariantResult {
        name: variant.name.clone(),
        folds,
        pooled_score: outcome.score.score,
        patients: cohort.len(),
        config: grader_cfg.to_toml(),
    })
}

fn write_table(out: &Path, results: &[VariantResult]) -> anyhow::Result<()> {
    json::write_atomic(&out.join("table.md"), table::markdown(results).as_bytes())?;
    json::write_pretty(&out.join("table.json"), &table::json(results))?;
    let bars: Vec<AblationBar> = results
        .iter()
        .flat_map(|r| {
            table::METRICS.iter().enumerate().map(move |(m, name)| {
                let (mean, sd) = r.mean_sd(m);
                AblationBar {
                    variant: r.name.clone(),
                    metric: (*name).to_owned(),
                    mean,
                    sd,
                }
            })
        })
        .collect();
    write_ablation_chart(
        &bars,
        "ablation (mean ± sd over folds)",
        &out.join("chart.png"),
    )?;
    Ok(())
}
