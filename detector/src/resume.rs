//! Training state for resuming after a crash: the weights, the EMA weights,
//! the optimiser's moments and step count, and a note of the caller's (the
//! epoch, say), in one safetensors file replaced atomically. The data order
//! and augmentation draws are seeded by epoch and position, so together
//! with this state a resumed run repeats an uninterrupted one exactly.

use crate::checkpoint::CheckpointError;
use crate::train::Trainer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use tch::{Device, Tensor};

/// The kind written by and expected from training-state files.
pub const TRAINING_KIND: &str = "detector-training";
const META: &str = "__meta__";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    kind: String,
    steps: usize,
    note: serde_json::Value,
}

/// Writes the state of `trainer` and `note` to `path` (atomically).
pub fn save_training(
    path: &Path,
    trainer: &Trainer,
    note: &serde_json::Value,
) -> Result<(), CheckpointError> {
    let io = |source| CheckpointError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = Meta {
        kind: TRAINING_KIND.to_owned(),
        steps: trainer.steps_done(),
        note: note.clone(),
    };
    let meta = serde_json::to_vec(&meta).expect("plain data serialises");
    let mut tensors: Vec<(String, Tensor)> = trainer
        .state()
        .into_iter()
        .map(|(name, t)| (name, t.detach().to_device(Device::Cpu)))
        .collect();
    tensors.push((META.to_owned(), Tensor::from_slice(&meta)));

    let tmp = path.with_extension("tmp-state");
    Tensor::write_safetensors(&tensors, &tmp)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Restores `trainer` (built with the same configs) from `path`; returns
/// the note saved with it.
pub fn load_training(
    path: &Path,
    trainer: &mut Trainer,
) -> Result<serde_json::Value, CheckpointError> {
    let bad = |problem: String| CheckpointError::BadHeader {
        path: path.to_owned(),
        problem,
    };
    let tensors = Tensor::read_safetensors(path).map_err(|e| CheckpointError::Truncated {
        path: path.to_owned(),
        problem: format!("unreadable safetensors file ({e})"),
    })?;
    let tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
    let meta = tensors
        .get(META)
        .ok_or_else(|| bad("no training metadata".into()))?;
    let meta = Vec::<u8>::try_from(meta)?;
    let meta: Meta = serde_json::from_slice(&meta).map_err(|e| bad(e.to_string()))?;
    if meta.kind != TRAINING_KIND {
        return Err(CheckpointError::WrongKind {
            path: path.to_owned(),
            found: meta.kind,
            expected: TRAINING_KIND.to_owned(),
        });
    }
    trainer
        .restore(&tensors, meta.steps)
        .map_err(|problem| CheckpointError::Mismatch {
            path: path.to_owned(),
            problem,
        })?;
    Ok(meta.note)
}

/// Copies the saved tensor `tensors[key]` into `target`, which must have
/// its shape.
pub fn restore_tensor(
    tensors: &HashMap<String, Tensor>,
    key: &str,
    target: &mut Tensor,
) -> Result<(), String> {
    let src = tensors
        .get(key)
        .ok_or_else(|| format!("{key} is missing"))?;
    if src.size() != target.size() {
        let (got, want) = (src.size(), target.size());
        return Err(format!("{key}: shape {got:?}, expected {want:?}"));
    }
    tch::no_grad(|| target.copy_(src));
    Ok(())
}
