//! Checkpoint files: one file holding a JSON header (kind, format version,
//! model config, tensor names and shapes) and the raw little-endian f32
//! values of every tensor of the variable store.
//!
//! Layout: the magic line `CERVAI-CKPT\n`, the header length as a u64
//! (little-endian), the header, then the tensors in header order. Loading
//! refuses another kind, another architecture, a missing, extra or
//! mis-shaped tensor, a truncated file, and an empty variable store.

use crate::config::ModelConfig;
use crate::train::Model;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};

/// The kind written by and expected from detector checkpoints.
pub const DETECTOR_KIND: &str = "detector";
const MAGIC: &[u8] = b"CERVAI-CKPT\n";
const FORMAT_VERSION: u32 = 1;

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a cervai checkpoint (bad magic bytes)")]
    NotACheckpoint { path: PathBuf },
    #[error("{path}: truncated checkpoint ({problem})")]
    Truncated { path: PathBuf, problem: String },
    #[error("{path}: bad checkpoint header: {problem}")]
    BadHeader { path: PathBuf, problem: String },
    #[error("{path}: checkpoint holds a {found:?} model, expected a {expected:?} model")]
    WrongKind {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{path}: {problem}")]
    Mismatch { path: PathBuf, problem: String },
    #[error("tensor error: {0}")]
    Tch(#[from] tch::TchError),
}

/// What precedes the tensor data.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub kind: String,
    pub format_version: u32,
    /// The model's config (for a detector, a `ModelConfig`).
    pub config: serde_json::Value,
    /// Names and shapes, in the order their data follows.
    pub tensors: Vec<(String, Vec<i64>)>,
}

/// Writes every variable of `vs` with `kind` and `config` (atomically).
pub fn save_store<C: Serialize>(
    path: &Path,
    vs: &tch::nn::VarStore,
    kind: &str,
    config: &C,
) -> Result<(), CheckpointError> {
    let io = |source| CheckpointError::Io {
        path: path.to_owned(),
        source,
    };
    let vars: BTreeMap<String, Tensor> = vs.variables().into_iter().collect();
    let header = Header {
        kind: kind.to_owned(),
        format_version: FORMAT_VERSION,
        config: serde_json::to_value(config).expect("configs serialise"),
        tensors: vars.iter().map(|(n, t)| (n.clone(), t.size())).collect(),
    };
    let header = serde_json::to_vec(&header).expect("headers serialise");
    let mut bytes = Vec::from(MAGIC);
    bytes.extend((header.len() as u64).to_le_bytes());
    bytes.extend(header);
    for tensor in vars.values() {
        let flat = tensor
            .to_device(Device::Cpu)
            .to_kind(Kind::Float)
            .flatten(0, -1);
        let values = Vec::<f32>::try_from(flat)?;
        bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    }
    let tmp = path.with_extension("tmp-ckpt");
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads the header and the tensor values of a checkpoint of `kind`.
pub fn read_checkpoint(
    path: &Path,
    kind: &str,
) -> Result<(Header, BTreeMap<String, Vec<f32>>), CheckpointError> {
    let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_owned(),
        source,
    })?;
    let truncated = |problem: &str| CheckpointError::Truncated {
        path: path.to_owned(),
        problem: problem.to_owned(),
    };
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or(CheckpointError::NotACheckpoint {
            path: path.to_owned(),
        })?;
    let len_bytes: [u8; 8] = rest
        .get(..8)
        .ok_or_else(|| truncated("no header length"))?
        .try_into()
        .expect("eight bytes");
    let len = u64::from_le_bytes(len_bytes) as usize;
    let header_bytes = rest
        .get(8..8 + len)
        .ok_or_else(|| truncated("header cut short"))?;
    let header: Header =
        serde_json::from_slice(header_bytes).map_err(|e| CheckpointError::BadHeader {
            path: path.to_owned(),
            problem: e.to_string(),
        })?;
    if header.kind != kind {
        return Err(CheckpointError::WrongKind {
            path: path.to_owned(),
            found: header.kind,
            expected: kind.to_owned(),
        });
    }
    let mut data = &rest[8 + len..];
    let mut values = BTreeMap::new();
    for (name, shape) in &header.tensors {
        let n = shape.iter().product::<i64>() as usize;
        let chunk = data
            .get(..n * 4)
            .ok_or_else(|| truncated(&format!("tensor {name}")))?;
        let floats = chunk
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("four bytes")))
            .collect();
        values.insert(name.clone(), floats);
        data = &data[n * 4..];
    }
    if !data.is_empty() {
        return Err(CheckpointError::Mismatch {
            path: path.to_owned(),
            problem: format!("{} stray bytes after the last tensor", data.len()),
        });
    }
    Ok((header, values))
}

/// Copies checkpoint values into every variable of `vs`. Every variable
/// must be present with its shape, and the file may hold nothing else.
pub fn load_into_store(
    path: &Path,
    vs: &mut tch::nn::VarStore,
    header: &Header,
    values: &BTreeMap<String, Vec<f32>>,
) -> Result<(), CheckpointError> {
    let mismatch = |problem: String| CheckpointError::Mismatch {
        path: path.to_owned(),
        problem,
    };
    let vars = vs.variables();
    if vars.is_empty() {
        return Err(mismatch("the variable store to load into is empty".into()));
    }
    let shapes: BTreeMap<&str, &Vec<i64>> = header
        .tensors
        .iter()
        .map(|(n, s)| (n.as_str(), s))
        .collect();
    for (name, mut var) in vars.iter().map(|(n, v)| (n, v.shallow_clone())) {
        let shape = shapes
            .get(name.as_str())
            .ok_or_else(|| mismatch(format!("tensor {name} is missing")))?;
        if **shape != var.size() {
            let found = var.size();
            return Err(mismatch(format!(
                "tensor {name}: shape {shape:?}, model has {found:?}"
            )));
        }
        let src = Tensor::from_slice(&values[name]).view(shape.as_slice());
        tch::no_grad(|| var.copy_(&src.to_kind(var.kind()).to_device(var.device())));
    }
    if let Some(extra) = shapes.keys().find(|n| !vars.contains_key(**n)) {
        return Err(mismatch(format!(
            "tensor {extra} is not part of this model"
        )));
    }
    Ok(())
}

/// Saves a detector: its config and its weights.
pub fn save_detector(path: &Path, model: &Model) -> Result<(), CheckpointError> {
    save_store(path, &model.vs, DETECTOR_KIND, model.net.config())
}

/// Rebuilds a detector from its checkpoint on `device`.
pub fn load_detector(path: &Path, device: Device) -> Result<Model, CheckpointError> {
    let (header, values) = read_checkpoint(path, DETECTOR_KIND)?;
    let config: ModelConfig =
        serde_json::from_value(header.config.clone()).map_err(|e| CheckpointError::BadHeader {
            path: path.to_owned(),
            problem: e.to_string(),
        })?;
    let mut model = Model::new(&config, device);
    load_into_store(path, &mut model.vs, &header, &values)?;
    Ok(model)
}
