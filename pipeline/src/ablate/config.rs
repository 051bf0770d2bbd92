//! An ablation config: one cohort, one base grader config, and named
//! variants that each override a few keys (dotted paths into the base,
//! e.g. `"level.use_axial" = false`) or change where the boxes come from.

use crate::grade::ClassifierFileConfig;
use crate::run::BoxSource;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AblationConfig {
    /// Cohort with `train.json` (and `bounding_box_train.json` for true boxes).
    pub data: PathBuf,
    /// Base grader config (TOML of `cervai classifier`).
    pub base: PathBuf,
    /// Detector checkpoint, for variants with detected boxes.
    #[serde(default)]
    pub detector: Option<PathBuf>,
    /// Folds of the shared patient-level split (overrides the base).
    #[serde(default = "default_folds")]
    pub folds: usize,
    /// Seed of the split and of every variant's training (overrides the base).
    #[serde(default)]
    pub seed: u64,
    pub variants: Vec<Variant>,
}

fn default_folds() -> usize {
    5
}

/// One named change of the base.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    #[serde(default)]
    pub boxes: BoxSource,
    /// Dotted key → value, applied to the base config.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
}

impl AblationConfig {
    /// Reads the TOML; relative paths are taken from the current folder.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let cfg: Self = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if cfg.variants.is_empty() {
            return Err(format!("{}: no [[variants]]", path.display()));
        }
        let mut names: Vec<&str> = cfg.variants.iter().map(|v| v.name.as_str()).collect();
        names.sort();
        if names.windows(2).any(|w| slug(w[0]) == slug(w[1])) {
            return Err(format!(
                "{}: variant names must be distinct",
                path.display()
            ));
        }
        Ok(cfg)
    }

    /// The grader config of `variant`: base, shared folds and seed, overrides.
    pub fn resolve(&self, variant: &Variant) -> Result<ClassifierFileConfig, String> {
        let base = ClassifierFileConfig::load(&self.base)?;
        let mut value = toml::Value::try_from(&base).map_err(|e| e.to_string())?;
        for (key, v) in &variant.set {
            set_dotted(&mut value, key, v.clone())
                .map_err(|e| format!("variant {:?}: {e}", variant.name))?;
        }
        let mut cfg: ClassifierFileConfig = value
            .try_into()
            .map_err(|e| format!("variant {:?}: {e}", variant.name))?;
        cfg.folds = self.folds;
        cfg.seed = self.seed;
        cfg.validate()
            .map_err(|e| format!("variant {:?}: {e}", variant.name))?;
        Ok(cfg)
    }
}

/// Sets `a.b.c` in a TOML table; every part but the last must exist, so a
/// typo is an error rather than a silently ignored key.
fn set_dotted(root: &mut toml::Value, key: &str, value: toml::Value) -> Result<(), String> {
    let mut node = root;
    let parts: Vec<&str> = key.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let table = node
            .as_table_mut()
            .ok_or_else(|| format!("{key}: not a table"))?;
        if i + 1 == parts.len() {
            if !table.contains_key(*part) {
                return Err(format!("unknown key {key:?}"));
            }
            table.insert((*part).to_owned(), value);
            return Ok(());
        }
        node = table
            .get_mut(*part)
            .ok_or_else(|| format!("unknown key {key:?}"))?;
    }
    Err(format!("empty key {key:?}"))
}

/// A file-name-safe form of a variant name.
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_overrides_change_only_their_key_and_refuse_typos() {
        let mut v: toml::Value = toml::from_str("[level]\nuse_axial = true\nwidth = 16").unwrap();
        set_dotted(&mut v, "level.use_axial", toml::Value::Boolean(false)).unwrap();
        assert_eq!(v["level"]["use_axial"].as_bool(), Some(false));
        assert_eq!(v["level"]["width"].as_integer(), Some(16));
        assert!(set_dotted(&mut v, "level.use_axal", toml::Value::Boolean(false)).is_err());
        assert!(set_dotted(&mut v, "levle.use_axial", toml::Value::Boolean(false)).is_err());
    }

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("No axial (2D)"), "no-axial-2d");
    }
}
