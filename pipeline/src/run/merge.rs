//! `cervai merge`: joins the run directories of several shards into one,
//! as if the cohort had run on one machine. Per-patient files are copied
//! (a patient present in two shards must have identical files there), the
//! combined `boxes.json` and `predictions.json` are rebuilt, and the
//! errors of all shards are kept.

use super::config::ResolvedRun;
use super::errors::{self, PatientError};
use super::layout::RunDir;
use super::lock::RunLock;
use crate::data::json;
use anyhow::{bail, Context};
use std::path::Path;

/// Merges `shards` into `out`; returns the number of patients merged.
pub fn merge(shards: &[RunDir], out: &RunDir) -> anyhow::Result<usize> {
    let _lock = RunLock::acquire(&out.root)?;
    let plan = merged_plan(shards)?;
    let text = toml::to_string_pretty(&plan)?;
    json::write_atomic(&out.config(), text.as_bytes())?;

    // Copy every per-patient artifact
    let mut failed: Vec<PatientError> = Vec::new();
    for shard in shards {
        copy_tree(&shard.root.join("stages"), &out.root.join("stages"))?;
        copy_tree(&shard.crops_root(), &out.crops_root())?;
        failed.extend(errors::read(&shard.errors())?);
    }

    // Rebuild the combined files in the order of an unsharded run
    let mut ids = RunDir::ids_in(&out.root.join("stages").join("detect"));
    ids.extend(RunDir::ids_in(&out.root.join("stages").join("grade")));
    ids.sort();
    ids.dedup();
    super::detect::collect(out, &ids)?;
    super::grade::collect(out, &ids)?;
    errors::write(&out.errors(), &failed)?;
    Ok(ids.len())
}

/// The shards must share data, models and box source; the result is the
/// unsharded plan.
fn merged_plan(shards: &[RunDir]) -> anyhow::Result<ResolvedRun> {
    let mut plans = Vec::new();
    for shard in shards {
        let path = shard.config();
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not a run directory (no config.toml)",
                shard.root.display()
            )
        })?;
        let plan: ResolvedRun =
            toml::from_str(&text).with_context(|| format!("bad run config {}", path.display()))?;
        plans.push(plan);
    }
    let Some(first) = plans.first().cloned() else {
        bail!("merge needs at least one shard")
    };
    let mut whole = first;
    whole.shard = "0/1".to_owned();
    for (plan, shard) in plans.iter().zip(shards) {
        let mut p = plan.clone();
        p.shard = whole.shard.clone();
        if !p.same_outputs_as(&whole) {
            bail!(
                "{} ran with other data, models or box source than the first shard",
                shard.root.display()
            );
        }
    }
    Ok(whole)
}

/// Copies files below `from` to `to`, refusing to overwrite a different
/// file (two shards disagreeing about one patient is an error).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    if !from.exists() {
        return Ok(());
    }
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // temporary or lock files
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_tree(&src, &dst)?;
            continue;
        }
        let bytes =
            std::fs::read(&src).with_context(|| format!("cannot read {}", src.display()))?;
        if let Ok(existing) = std::fs::read(&dst) {
            if existing != bytes {
                bail!("{} differs between shards", dst.display());
            }
            continue;
        }
        json::write_atomic(&dst, &bytes)?;
    }
    Ok(())
}
