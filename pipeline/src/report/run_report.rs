//! The report stage of a run: reads `RUN/predictions.json`, `RUN/boxes.json`,
//! `RUN/errors.json`, `RUN/config.toml` and the cohort's `train.json` and
//! `bounding_box_train.json` (each optional), scores, draws the overlays of
//! the worst patients and writes `RUN/report/index.html`.

use super::html::{self, PatientRow, RunReport};
use super::overlay::{write_overlay, OverlayInput};
use super::stats::{level_ious, patient_iou, wrong_grades};
use super::ReportError;
use crate::data::json::write_atomic;
use crate::data::study::{load_axial, load_sagittal};
use crate::data::{read_boxes, read_labels, PatientGrades, SpineBoxes};
use crate::metric;
use crate::run::errors::{self, PatientError};
use crate::run::RunDir;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where the inputs are and how much to draw.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Labels; default `DATA/train.json` when it exists.
    pub labels: Option<PathBuf>,
    /// True boxes; default `DATA/bounding_box_train.json` when it exists.
    pub true_boxes: Option<PathBuf>,
    /// Overlays are drawn for this many patients, worst first.
    pub max_overlays: usize,
    /// Rows of the worst-patients table.
    pub worst_rows: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            labels: None,
            true_boxes: None,
            max_overlays: 100,
            worst_rows: 20,
        }
    }
}

/// What was written.
#[derive(Clone, Debug)]
pub struct ReportSummary {
    /// `RUN/report/index.html`.
    pub index: PathBuf,
    pub patients: usize,
    pub overlays: usize,
    /// The official score, when the cohort has labels.
    pub score: Option<f64>,
    /// Problems that did not stop the report (bad records, unreadable images).
    pub notes: Vec<String>,
}

/// Writes `run_dir/report/index.html` and `run_dir/report/overlays/<id>.jpg`
/// for the run in `run_dir` over the cohort in `data_dir` (images in the
/// official layout, labels and true boxes when present). A missing input
/// leaves its sections marked as absent; only an unreadable run or a failed
/// write is an error. Overlays are drawn in parallel (rayon).
pub fn write_run_report(
    run_dir: &Path,
    data_dir: &Path,
    opts: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    let run = RunDir::new(run_dir);
    let inputs = Inputs::read(&run, data_dir, opts)?;
    let mut report = inputs.report(run_dir, opts);

    // Overlays for the worst patients, in parallel
    let report_dir = run.report();
    let count = opts.max_overlays.min(report.patients.len());
    let drawn: Vec<Result<String, String>> = report.patients[..count]
        .par_iter()
        .map(|row| inputs.overlay(data_dir, &report_dir, &row.id))
        .collect::<Result<_, _>>()?;
    for (row, result) in report.patients.iter_mut().zip(drawn) {
        match result {
            Ok(path) => row.overlay = Some(path),
            Err(note) => report.notes.push(note),
        }
    }

    let index = report_dir.join("index.html");
    write_atomic(&index, html::render(&report).as_bytes())?;
    Ok(ReportSummary {
        index,
        patients: report.patients.len(),
        overlays: report
            .patients
            .iter()
            .filter(|p| p.overlay.is_some())
            .count(),
        score: report.score.as_ref().map(|s| s.score),
        notes: report.notes,
    })
}

/// Ids compare trimmed and ignoring case, as the official metric does.
fn key(id: &str) -> String {
    id.trim().to_lowercase()
}

/// The run's files, read once.
#[derive(Default)]
struct Inputs {
    predictions: HashMap<String, PatientGrades>,
    labels: HashMap<String, PatientGrades>,
    detected: Option<HashMap<String, SpineBoxes>>,
    true_boxes: HashMap<String, SpineBoxes>,
    failures: Vec<PatientError>,
    config: Option<String>,
    notes: Vec<String>,
}

impl Inputs {
    fn read(run: &RunDir, data: &Path, opts: &ReportOptions) -> Result<Self, ReportError> {
        let mut me = Inputs::default();
        let default = |given: &Option<PathBuf>, name: &str| {
            given
                .clone()
                .or_else(|| Some(data.join(name)).filter(|p| p.exists()))
        };
        if run.predictions().exists() {
            me.predictions = me.grades(&run.predictions())?;
        }
        if let Some(path) = default(&opts.labels, "train.json") {
            me.labels = me.grades(&path)?;
        }
        if run.boxes().exists() {
            me.detected = Some(me.boxes(&run.boxes(), true)?);
        }
        if let Some(path) = default(&opts.true_boxes, "bounding_box_train.json") {
            me.true_boxes = me.boxes(&path, false)?;
        }
        me.failures = errors::read(&run.errors())?;
        me.config = std::fs::read_to_string(run.config()).ok();
        Ok(me)
    }

    fn grades(&mut self, path: &Path) -> Result<HashMap<String, PatientGrades>, ReportError> {
        let file = read_labels(path)?;
        self.notes.extend(file.errors.iter().map(|e| e.to_string()));
        Ok(file.patients.into_iter().map(|p| (key(&p.id), p)).collect())
    }

    fn boxes(
        &mut self,
        path: &Path,
        missing: bool,
    ) -> Result<HashMap<String, SpineBoxes>, ReportError> {
        let file = read_boxes(path, missing)?;
        self.notes.extend(file.errors.iter().map(|e| e.to_string()));
        Ok(file.patients.into_iter().map(|p| (key(&p.id), p)).collect())
    }

    /// Patients of the run by key, with the id as the run spells it.
    fn run_ids(&self) -> BTreeMap<String, String> {
        let detected = self.detected.iter().flat_map(|d| d.values().map(|b| &b.id));
        let ids = self.predictions.values().map(|p| &p.id).chain(detected);
        let ids = ids.chain(self.failures.iter().map(|f| &f.id));
        ids.map(|id| (key(id), id.clone())).collect()
    }

    fn report(&self, run_dir: &Path, opts: &ReportOptions) -> RunReport {
        let ids = self.run_ids();
        let title = run_dir
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into());
        let mut patients: Vec<PatientRow> = ids.iter().map(|(k, id)| self.row(k, id)).collect();
        patients.sort_by(worst_first);
        RunReport {
            title,
            score: self.score(),
            ious: self.ious(),
            patients,
            worst_rows: opts.worst_rows,
            failures: self.failures.clone(),
            config: self.config.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The official score over the labelled patients that this run predicted.
    fn score(&self) -> Option<metric::Score> {
        let labels: Vec<PatientGrades> = self
            .labels
            .iter()
            .filter(|(k, _)| self.predictions.contains_key(*k))
            .map(|(_, l)| l.clone())
            .collect();
        let preds: Vec<PatientGrades> = self.predictions.values().cloned().collect();
        (!labels.is_empty()).then(|| metric::score(&labels, &preds))
    }

    fn ious(&self) -> Option<Vec<super::stats::LevelIou>> {
        let detected = self.detected.as_ref()?;
        let pairs: Vec<(&SpineBoxes, &SpineBoxes)> = detected
            .iter()
            .filter_map(|(k, d)| Some((self.true_boxes.get(k)?, d)))
            .collect();
        (!pairs.is_empty()).then(|| level_ious(&pairs))
    }

    fn row(&self, k: &str, id: &str) -> PatientRow {
        let pred = self.predictions.get(k);
        let label = self.labels.get(k);
        let det = self.detected.as_ref().and_then(|d| d.get(k));
        let truth = self.true_boxes.get(k);
        let undetected = det.map_or(0, |d| {
            d.levels.iter().flatten().filter(|b| b.is_none()).count()
        });
        let failed = self.failures.iter().filter(|f| key(&f.id) == k);
        PatientRow {
            id: id.to_owned(),
            wrong: pred.zip(label).map(|(p, l)| wrong_grades(p, l)),
            has_prediction: pred.is_some(),
            has_label: label.is_some(),
            iou: det.zip(truth).and_then(|(d, t)| patient_iou(t, d)),
            undetected,
            failed_stages: failed.map(|f| f.stage.clone()).collect(),
            overlay: None,
        }
    }

    /// Draws `overlays/<id>.jpg`; returns its path relative to `report/`,
    /// or a note when the patient's images cannot be read. A failed write
    /// (a full disk, say) is an error, not a note.
    fn overlay(
        &self,
        data: &Path,
        report_dir: &Path,
        id: &str,
    ) -> Result<Result<String, String>, ReportError> {
        let k = key(id);
        let images = load_sagittal(data, id).and_then(|s| Ok((s, load_axial(data, id)?)));
        let (sagittal, axial) = match images {
            Ok(images) => images,
            Err(e) => return Ok(Err(format!("no overlay: {e}"))),
        };
        let input = OverlayInput {
            id,
            sagittal: &sagittal,
            axial: Some(&axial),
            true_boxes: self.true_boxes.get(&k),
            detected: self.detected.as_ref().and_then(|d| d.get(&k)),
            predicted: self.predictions.get(&k),
            truth: self.labels.get(&k),
        };
        let relative = format!("overlays/{id}.jpg");
        write_overlay(&report_dir.join(&relative), &input)?;
        // Overlays were PNG before: a report written again keeps one copy
        let _ = std::fs::remove_file(report_dir.join(format!("overlays/{id}.png")));
        Ok(Ok(relative))
    }
}

/// Failed patients first, then most wrong grades, then lowest mean IoU.
fn worst_first(a: &PatientRow, b: &PatientRow) -> std::cmp::Ordering {
    let failed = |p: &PatientRow| !p.failed_stages.is_empty();
    let iou = |p: &PatientRow| p.iou.as_ref().map_or(f64::INFINITY, |i| i.mean);
    failed(b)
        .cmp(&failed(a))
        .then(b.wrong.unwrap_or(0).cmp(&a.wrong.unwrap_or(0)))
        .then(iou(a).total_cmp(&iou(b)))
        .then(a.id.cmp(&b.id))
}
