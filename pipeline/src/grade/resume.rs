//! Resuming `cervai classifier train` after a crash or a kill.
//!
//! Training is a sequence of fits: one grader per cross-validation fold
//! (`fold0`, `fold1`, …), then the final grader on every patient; each fits
//! the per-level net and then the whole-spine head. The folder `resume/`
//! in the output records how far it got:
//!
//! - `fold<f>.json`: a finished fold's out-of-fold scores and the epoch log
//!   up to then;
//! - `last.state`: after every epoch of the fit in progress, the weights of
//!   both models, the optimiser's state, which fit and phase it belongs to,
//!   and the epoch log (see [`classifier::resume`]).
//!
//! Both carry a fingerprint of everything that shapes the result: the
//! config, the device, and each patient's id, labels and crops, in cohort
//! order. A state is checked against it, and against the fit it is
//! offered to, before anything of it is used; one written for other
//! settings, patients or another fit is ignored (with a warning where it
//! cannot be right). Every fit seeds itself and every epoch draws from
//! its own seed, so on the CPU a resumed training writes the same bytes as
//! an uninterrupted one. The folder is removed once the final grader is
//! saved.

use super::fit::Cohort;
use super::log::EpochLog;
use super::scores::PatientScores;
use super::GradeError;
use crate::data::json::{read_value, write_pretty};
use crate::data::DataError;
use crate::hash::Fnv;
use classifier::resume::{read_training, save_training};
use classifier::train::Resume;
use classifier::{Grader, GraderConfig};
use detector::adamw::AdamW;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The model a fit was training when its state was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Level,
    Spine,
}

impl Phase {
    /// The model's name in the epoch log.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Level => "level",
            Phase::Spine => "spine",
        }
    }
}

/// What a saved state says besides the tensors.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    fingerprint: String,
    run: String,
    phase: Phase,
    log: Vec<String>,
}

/// A finished fold.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FoldFile {
    fingerprint: String,
    scores: Vec<PatientScores>,
    log: Vec<String>,
}

/// Changes whenever the files below change meaning.
const STATE_VERSION: &str = "grader-resume-2";

/// The `resume/` folder of one training, for one config and cohort.
#[derive(Clone, Debug)]
pub struct TrainingState {
    dir: PathBuf,
    fingerprint: String,
}

impl TrainingState {
    /// The state in `out/resume` for a training with `config` (its TOML
    /// text) on `cohort`, on `device`.
    pub fn new(out: &Path, config: &str, cohort: &Cohort, device: tch::Device) -> Self {
        let mut hash = Fnv::default();
        hash.update(STATE_VERSION.as_bytes())
            .update(config.as_bytes())
            .update(format!("{device:?}").as_bytes());
        for (crops, labels) in cohort.crops.iter().zip(&cohort.labels) {
            let labels = serde_json::to_string(labels).expect("plain data serialises");
            hash.update(crops.id.as_bytes()).update(labels.as_bytes());
            for level in &crops.levels {
                for image in level.sagittal.iter().chain([&level.axial]) {
                    hash.update(&image.pixels);
                }
            }
            hash.update(&crops.column.pixels)
                .update(format!("{:?}", crops.boxes).as_bytes());
        }
        Self {
            dir: out.join("resume"),
            fingerprint: format!("{:016x}", hash.finish()),
        }
    }

    fn last(&self) -> PathBuf {
        self.dir.join("last.state")
    }

    fn fold_path(&self, fold: usize) -> PathBuf {
        self.dir.join(format!("fold{fold}.json"))
    }

    /// The scores of fold `fold`, whose patients are `ids`, if it finished
    /// under this fingerprint; the epoch log is restored to what it was then.
    pub fn finished_fold(
        &self,
        fold: usize,
        ids: &[&str],
        log: &mut EpochLog,
    ) -> Option<Vec<PatientScores>> {
        let path = self.fold_path(fold);
        if !path.is_file() {
            return None;
        }
        let file = read_value(&path).and_then(|v| {
            serde_json::from_value::<FoldFile>(v)
                .map_err(|e| DataError::file(&path, format!("bad fold file: {e}")))
        });
        let ignore = |why: String| {
            tracing::warn!("ignoring {}: {why}", path.display());
            None
        };
        let file = match file {
            Ok(f) => f,
            Err(e) => return ignore(e.to_string()),
        };
        if file.fingerprint != self.fingerprint {
            return ignore("written for another config, device or cohort".into());
        }
        let scored: Vec<&str> = file.scores.iter().map(|s| s.id.as_str()).collect();
        if scored != ids {
            return ignore(format!(
                "scores {} patients, not this fold's {}",
                scored.len(),
                ids.len()
            ));
        }
        if let Err(e) = log.restore(file.log) {
            tracing::warn!("cannot rewrite the epoch log: {e}");
        }
        tracing::info!(
            "fold {fold}: finished earlier, scores read from {}",
            path.display()
        );
        Some(file.scores)
    }

    /// Records that fold `fold` finished with `scores`.
    pub fn save_fold(
        &self,
        fold: usize,
        scores: &[PatientScores],
        log: &EpochLog,
    ) -> Result<(), GradeError> {
        let file = FoldFile {
            fingerprint: self.fingerprint.clone(),
            scores: scores.to_vec(),
            log: log.rows().to_vec(),
        };
        Ok(write_pretty(&self.fold_path(fold), &file)?)
    }

    /// Where the fit `run` stopped, if the saved state is that fit's: a
    /// grader built from `cfg` on `device` with the saved weights, the
    /// phase, and the optimiser's state; the epoch log gets the saved rows.
    /// Nothing is touched unless the state is this fit's and fits it.
    pub fn progress(
        &self,
        run: &str,
        cfg: &GraderConfig,
        device: tch::Device,
        log: &mut EpochLog,
    ) -> Option<(Grader, Phase, Resume)> {
        let path = self.last();
        if !path.is_file() {
            return None;
        }
        let ignore = |why: String| {
            tracing::warn!("ignoring {}: {why}", path.display());
            None
        };
        let saved = match read_training(&path) {
            Ok(saved) => saved,
            Err(e) => return ignore(e.to_string()),
        };
        let note: Note = match serde_json::from_value(saved.note.clone()) {
            Ok(n) => n,
            Err(e) => return ignore(format!("bad note: {e}")),
        };
        if note.fingerprint != self.fingerprint {
            return ignore("written for another config, device or cohort".into());
        }
        if note.run != run {
            // Another fit's state: that fit finished, or this one has not
            // saved its first epoch yet
            return None;
        }
        let grader = match Grader::new(cfg, device) {
            Ok(g) => g,
            Err(e) => return ignore(e.to_string()),
        };
        let resume = match saved.apply(&grader) {
            Ok(r) => r,
            Err(e) => return ignore(e.to_string()),
        };
        let vs = match note.phase {
            Phase::Level => &grader.level_vs,
            Phase::Spine => &grader.spine_vs,
        };
        if let Err(e) = AdamW::new(vs, 0.9, 0.999, 0.0).restore(&resume.moments, resume.steps) {
            return ignore(format!("optimiser state: {e}"));
        }
        if let Err(e) = log.restore(note.log) {
            tracing::warn!("cannot rewrite the epoch log: {e}");
        }
        let model = match note.phase {
            Phase::Level => "per-level net",
            Phase::Spine => "whole-spine head",
        };
        tracing::info!(
            "{run}: resuming the {model} after epoch {}",
            resume.epochs_done
        );
        Some((grader, note.phase, resume))
    }

    /// Saves the fit `run` after `epoch` of `phase`.
    pub fn save_progress(
        &self,
        run: &str,
        phase: Phase,
        epoch: usize,
        grader: &Grader,
        opt: &AdamW,
        log: &EpochLog,
    ) -> Result<(), GradeError> {
        let note = Note {
            fingerprint: self.fingerprint.clone(),
            run: run.to_owned(),
            phase,
            log: log.rows().to_vec(),
        };
        let note = serde_json::to_value(&note).expect("plain data serialises");
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| DataError::file(&self.dir, format!("cannot create: {e}")))?;
        Ok(save_training(&self.last(), grader, opt, epoch, &note)?)
    }

    /// Removes the folder once the training is complete.
    pub fn finish(&self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("cannot remove {}: {e}", self.dir.display());
            }
        }
    }
}
