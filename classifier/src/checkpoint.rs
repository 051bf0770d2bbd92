//! Grader checkpoints: one safetensors file holding the weights of both
//! models (`level.*`, `spine.*`) and a `__meta__` byte tensor with JSON:
//! kind `"grader"`, format version, the full config, the tuned thresholds
//! and free-form `extra` data of the caller (e.g. the crop settings).
//! Loading rebuilds the models from the stored config and insists that
//! every expected tensor is present with its shape and nothing else is.

use crate::config::GraderConfig;
use crate::error::{ClassifierError, Result};
use crate::grader::{Grader, Thresholds};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::{nn, Device, Kind, Tensor};

/// The value of `kind` in a grader checkpoint.
pub const KIND: &str = "grader";
const FORMAT: u32 = 1;
const META: &str = "__meta__";

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    kind: String,
    format: u32,
    config: GraderConfig,
    thresholds: Thresholds,
    #[serde(default)]
    extra: serde_json::Value,
}

/// Writes `grader` (and `extra`) to `path` atomically.
pub fn save(grader: &Grader, extra: &serde_json::Value, path: &Path) -> Result<()> {
    let meta = Meta {
        kind: KIND.into(),
        format: FORMAT,
        config: grader.config.clone(),
        thresholds: grader.thresholds.clone(),
        extra: extra.clone(),
    };
    let json = serde_json::to_vec(&meta).expect("plain data serialises");
    let mut named: Vec<(String, Tensor)> = vec![(META.into(), Tensor::from_slice(&json))];
    named.extend(weights(grader));
    write_atomic(&named, path)
}

/// The weights of both models as `level.*` and `spine.*`, sorted, on the CPU.
pub fn weights(grader: &Grader) -> Vec<(String, Tensor)> {
    let mut named = Vec::new();
    for (prefix, vs) in [("level", &grader.level_vs), ("spine", &grader.spine_vs)] {
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, t) in vars {
            named.push((format!("{prefix}.{name}"), t.to_device(Device::Cpu)));
        }
    }
    named
}

/// Copies every `level.*` and `spine.*` tensor of [`weights`] into
/// `grader`, removing them from `tensors`; `path` names the file in errors.
pub fn restore_weights(
    path: &Path,
    grader: &Grader,
    tensors: &mut HashMap<String, Tensor>,
) -> Result<()> {
    fill(path, "level", &grader.level_vs, tensors)?;
    fill(path, "spine", &grader.spine_vs, tensors)
}

/// Writes `named` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(named: &[(String, Tensor)], path: &Path) -> Result<()> {
    let tmp = temp_path(path);
    let io = |e: tch::TchError| io_error(path, e.to_string());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(path, e.to_string()))?;
    }
    Tensor::write_safetensors(named, &tmp).map_err(io)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(path, e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, e.to_string())
    })
}

/// Loads a grader onto `device`; returns it with the stored `extra`.
pub fn load(path: &Path, device: Device) -> Result<(Grader, serde_json::Value)> {
    if !path.is_file() {
        return Err(io_error(path, "no such file".into()));
    }
    let tensors = Tensor::read_safetensors(path).map_err(|e| ClassifierError::NotAGrader {
        path: path.into(),
        problem: format!("unreadable or truncated safetensors file ({e})"),
    })?;
    let mut tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
    let meta = read_meta(path, tensors.remove(META))?;
    meta.thresholds
        .validate()
        .map_err(|problem| ClassifierError::NotAGrader {
            path: path.into(),
            problem,
        })?;
    let mut grader = Grader::new(&meta.config, device)?;
    grader.thresholds = meta.thresholds;
    restore_weights(path, &grader, &mut tensors)?;
    if let Some(name) = tensors.keys().min() {
        let problem = format!("unexpected tensor {name:?} (another architecture?)");
        return Err(ClassifierError::Architecture {
            path: path.into(),
            problem,
        });
    }
    Ok((grader, meta.extra))
}

fn read_meta(path: &Path, raw: Option<Tensor>) -> Result<Meta> {
    let not_grader = |problem: String| ClassifierError::NotAGrader {
        path: path.into(),
        problem,
    };
    let raw = raw.ok_or_else(|| not_grader(format!("no {META:?} entry")))?;
    let bytes = Vec::<u8>::try_from(raw.to_kind(Kind::Uint8).flatten(0, -1))
        .map_err(|e| not_grader(format!("bad {META:?} entry: {e}")))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| not_grader(format!("{META:?} is not JSON: {e}")))?;
    let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if kind != KIND {
        return Err(ClassifierError::WrongKind {
            path: path.into(),
            found: kind.into(),
        });
    }
    serde_json::from_value(value).map_err(|e| not_grader(format!("bad metadata: {e}")))
}

/// Copies the `prefix.*` tensors into `vs`, removing them from `tensors`.
fn fill(
    path: &Path,
    prefix: &str,
    vs: &nn::VarStore,
    tensors: &mut HashMap<String, Tensor>,
) -> Result<()> {
    let arch = |problem: String| ClassifierError::Architecture {
        path: path.into(),
        problem,
    };
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, mut var) in vars {
        let key = format!("{prefix}.{name}");
        let stored = tensors
            .remove(&key)
            .ok_or_else(|| arch(format!("missing tensor {key:?}")))?;
        if stored.size() != var.size() {
            let (want, got) = (var.size(), stored.size());
            return Err(arch(format!(
                "tensor {key:?} has shape {got:?}, expected {want:?}"
            )));
        }
        tch::no_grad(|| var.copy_(&stored.to_kind(var.kind())));
    }
    Ok(())
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

fn io_error(path: &Path, problem: String) -> ClassifierError {
    ClassifierError::Io {
        path: path.into(),
        problem,
    }
}
