//! Where every artifact of a run lives. Per-patient files make a stage
//! resumable: a patient is done when its file exists and parses, and every
//! file is written atomically, so a file that exists is complete.
//!
//! ```text
//! RUN/config.toml              resolved config
//! RUN/boxes.json               stage 1, all patients (challenge format + scores)
//! RUN/stages/detect/<id>.json  stage 1, one patient
//! RUN/crops/<id>/…             stage 2, patches + manifest.json (written last)
//! RUN/stages/grade/<id>.json   stage 3, one patient
//! RUN/predictions.json         stage 3, submission format
//! RUN/report/                  stage 4
//! RUN/errors.json              patients that failed, with the reason
//! ```

use crate::data::DataError;
use std::path::{Path, PathBuf};

/// The paths of one run directory.
#[derive(Clone, Debug)]
pub struct RunDir {
    pub root: PathBuf,
}

impl RunDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    pub fn boxes(&self) -> PathBuf {
        self.root.join("boxes.json")
    }

    pub fn patient_boxes(&self, id: &str) -> PathBuf {
        self.root
            .join("stages")
            .join("detect")
            .join(format!("{id}.json"))
    }

    pub fn crops_root(&self) -> PathBuf {
        self.root.join("crops")
    }

    pub fn crops(&self, id: &str) -> PathBuf {
        self.crops_root().join(id)
    }

    pub fn patient_grades(&self, id: &str) -> PathBuf {
        self.root
            .join("stages")
            .join("grade")
            .join(format!("{id}.json"))
    }

    pub fn predictions(&self) -> PathBuf {
        self.root.join("predictions.json")
    }

    pub fn report(&self) -> PathBuf {
        self.root.join("report")
    }

    pub fn errors(&self) -> PathBuf {
        self.root.join("errors.json")
    }

    /// A stage folder's per-patient ids, from the file names present.
    pub fn ids_in(dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let id = name.strip_suffix(".json")?;
                (!id.starts_with('.')).then(|| id.to_owned())
            })
            .collect();
        ids.sort();
        ids
    }
}

/// The single record of a per-patient stage file, which must be `id`'s; a
/// file holding anything else is not trusted.
pub fn only_record<T>(
    path: &Path,
    id: &str,
    mut records: Vec<T>,
    mut errors: Vec<DataError>,
    id_of: impl Fn(&T) -> &str,
) -> Result<T, DataError> {
    if let Some(e) = errors.pop() {
        return Err(e);
    }
    match records.pop() {
        Some(r) if records.is_empty() && id_of(&r) == id => Ok(r),
        _ => Err(DataError::patient(
            id,
            path,
            "expected exactly this patient's record",
        )),
    }
}
