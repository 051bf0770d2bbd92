//! Training state for resuming a grader fit after a crash: the weights of
//! both models, the moments and step count of the optimiser of the model
//! being fitted, the epochs done, and a note of the caller's (which fit
//! and phase, say), in one safetensors file replaced atomically. With the
//! per-epoch seeds of [`crate::train`], a fit resumed from this state
//! repeats an uninterrupted one exactly on the CPU (CUDA kernels are not
//! bitwise reproducible).

use crate::checkpoint::{restore_weights, weights, write_atomic};
use crate::error::{ClassifierError, Result};
use crate::grader::Grader;
use crate::train::Resume;
use detector::adamw::AdamW;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// The kind written by and expected from grader training-state files.
pub const TRAINING_KIND: &str = "grader-training";
const META: &str = "__meta__";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    kind: String,
    epochs_done: usize,
    steps: i32,
    note: serde_json::Value,
}

/// Writes `grader`'s weights, `opt`'s state after `epochs_done` epochs
/// and `note` to `path` (atomically).
pub fn save_training(
    path: &Path,
    grader: &Grader,
    opt: &AdamW,
    epochs_done: usize,
    note: &serde_json::Value,
) -> Result<()> {
    let meta = Meta {
        kind: TRAINING_KIND.to_owned(),
        epochs_done,
        steps: opt.steps(),
        note: note.clone(),
    };
    let meta = serde_json::to_vec(&meta).expect("plain data serialises");
    let mut named = vec![(META.to_owned(), Tensor::from_slice(&meta))];
    named.extend(weights(grader));
    named.extend(
        opt.state()
            .into_iter()
            .map(|(name, t)| (name, t.to_device(tch::Device::Cpu))),
    );
    write_atomic(&named, path)
}

/// A training state read from disk and not yet applied to any grader.
#[derive(Debug)]
pub struct SavedTraining {
    path: PathBuf,
    epochs_done: usize,
    steps: i32,
    /// Weights (`level.*`, `spine.*`) and optimiser moments (`adamw.*`).
    tensors: HashMap<String, Tensor>,
    /// What the caller saved with it.
    pub note: serde_json::Value,
}

/// Reads a training state from `path` without touching any model, so
/// that the caller can check its note first.
pub fn read_training(path: &Path) -> Result<SavedTraining> {
    let broken = |problem: String| ClassifierError::TrainingState {
        path: path.into(),
        problem,
    };
    let tensors = Tensor::read_safetensors(path)
        .map_err(|e| broken(format!("unreadable or truncated file ({e})")))?;
    let mut tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
    let meta = tensors
        .remove(META)
        .ok_or_else(|| broken("no metadata".into()))?;
    let meta = Vec::<u8>::try_from(meta.to_kind(Kind::Uint8).flatten(0, -1))
        .map_err(|e| broken(format!("bad metadata: {e}")))?;
    let meta: serde_json::Value =
        serde_json::from_slice(&meta).map_err(|e| broken(format!("bad metadata: {e}")))?;
    let kind = meta.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if kind != TRAINING_KIND {
        return Err(broken(format!("kind {kind:?}, expected {TRAINING_KIND:?}")));
    }
    let meta: Meta =
        serde_json::from_value(meta).map_err(|e| broken(format!("bad metadata: {e}")))?;
    Ok(SavedTraining {
        path: path.into(),
        epochs_done: meta.epochs_done,
        steps: meta.steps,
        tensors,
        note: meta.note,
    })
}

impl SavedTraining {
    /// Copies the saved weights into `grader` (built with the same config)
    /// and returns the optimiser's state to resume with. On an error the
    /// grader may be partly overwritten: build a fresh one.
    pub fn apply(mut self, grader: &Grader) -> Result<Resume> {
        restore_weights(&self.path, grader, &mut self.tensors)?;
        Ok(Resume {
            epochs_done: self.epochs_done,
            steps: self.steps,
            moments: self.tensors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GraderConfig;
    use tch::Device;

    #[test]
    fn state_round_trips_and_refuses_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("last.state");
        let mut cfg = GraderConfig::default();
        cfg.level.width = 2;
        cfg.spine.width = 2;
        let grader = Grader::new(&cfg, Device::Cpu).unwrap();
        let opt = AdamW::new(&grader.spine_vs, 0.9, 0.999, 0.01);
        let note = serde_json::json!({ "run": "fold1" });
        save_training(&path, &grader, &opt, 3, &note).unwrap();

        cfg.seed += 1;
        let other = Grader::new(&cfg, Device::Cpu).unwrap();
        let saved = read_training(&path).unwrap();
        assert_eq!(saved.note, note);
        let resume = saved.apply(&other).unwrap();
        assert_eq!(resume.epochs_done, 3);
        let same = |a: &[(String, Tensor)], b: &[(String, Tensor)]| {
            a.iter().zip(b).all(|((n, x), (m, y))| n == m && x.equal(y))
        };
        assert!(same(&weights(&grader), &weights(&other)));
        // The spine optimiser's moments, and nothing of the other model
        assert_eq!(resume.moments.len(), opt.state().len());

        // A finished grader checkpoint is not a training state
        let ckpt = dir.path().join("g.safetensors");
        crate::checkpoint::save(&grader, &serde_json::Value::Null, &ckpt).unwrap();
        let err = read_training(&ckpt).unwrap_err().to_string();
        assert!(err.contains(r#"kind "grader""#), "{err}");
        std::fs::write(&path, b"half a file").unwrap();
        let err = read_training(&path).unwrap_err().to_string();
        assert!(err.contains("unreadable or truncated"), "{err}");
        assert!(err.contains("last.state"), "{err}");
    }
}
