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
//! Both carry a fingerprint of the config and the ordered patient list;
//! state written for other settings or patients is ignored with a warning.
//! Every fit seeds itself and every epoch draws from its own seed, so a
//! resumed training writes the same bytes as an uninterrupted one. The
//! folder is removed once the final grader is saved.

use super::log::EpochLog;
use super::scores::PatientScores;
use super::GradeError;
use crate::data::json::{read_value, write_pretty};
use classifier::resume::{load_training, save_training};
use classifier::train::Resume;
use classifier::Grader;
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

/// The `resume/` folder of one training, for one config and cohort.
#[derive(Clone, Debug)]
pub struct TrainingState {
    dir: PathBuf,
    fingerprint: String,
}

impl TrainingState {
    /// The state in `out/resume` for a training with `config` (its TOML
    /// text) on the patients `ids`, in cohort order.
    pub fn new(out: &Path, config: &str, ids: &[&str]) -> Self {
        let mut text = config.to_owned();
        for id in ids {
            text.push('\n');
            text.push_str(id);
        }
        Self {
            dir: out.join("resume"),
            fingerprint: format!("{:016x}", fnv(&text)),
        }
    }

    fn last(&self) -> PathBuf {
        self.dir.join("last.state")
    }

    fn fold_path(&self, fold: usize) -> PathBuf {
        self.dir.join(format!("fold{fold}.json"))
    }

    /// The scores of fold `fold` if it finished under this fingerprint;
    /// the epoch log is restored to what it was then.
    pub fn finished_fold(&self, fold: usize, log: &mut EpochLog) -> Option<Vec<PatientScores>> {
        let path = self.fold_path(fold);
        if !path.is_file() {
            return None;
        }
        let file = read_value(&path).and_then(|v| {
            serde_json::from_value::<FoldFile>(v)
                .map_err(|e| crate::data::DataError::file(&path, format!("bad fold file: {e}")))
        });
        let file = match file {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("ignoring {}: {e}", path.display());
                return None;
            }
        };
        if file.fingerprint != self.fingerprint {
            tracing::warn!(
                "ignoring {}: written for another config or cohort",
                path.display()
            );
            return None;
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

    /// Where the fit `run` stopped, if the saved state is that fit's: the
    /// weights go into `grader` and the rows into `log`, and the phase and
    /// optimiser state come back.
    pub fn progress(
        &self,
        run: &str,
        grader: &Grader,
        log: &mut EpochLog,
    ) -> Option<(Phase, Resume)> {
        let path = self.last();
        if !path.is_file() {
            return None;
        }
        let ignore = |why: String| {
            tracing::warn!("ignoring {}: {why}", path.display());
            None
        };
        let (resume, note) = match load_training(&path, grader) {
            Ok(loaded) => loaded,
            Err(e) => return ignore(e.to_string()),
        };
        let note: Note = match serde_json::from_value(note) {
            Ok(n) => n,
            Err(e) => return ignore(format!("bad note: {e}")),
        };
        if note.fingerprint != self.fingerprint {
            return ignore("written for another config or cohort".into());
        }
        if note.run != run {
            // Another fit's state: that fit finished or has not started
            return None;
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
        Some((note.phase, resume))
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
            .map_err(|e| GradeError::Mismatch(format!("{}: {e}", self.dir.display())))?;
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

/// 64-bit FNV-1a of a string.
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
