//! The official study layout: `<root>/<id>/sag/{5,6,7}.png` and
//! `<root>/<id>/tra/{2,2-3,3,…,6-7,7}.png`, every image 224×224. Files are
//! matched by anatomical stem, never by directory order.
//!
//! Policy: extensions are compared case-insensitively (`5.PNG` is accepted);
//! hidden and system files (`.DS_Store`, `Thumbs.db`, `desktop.ini`) and any
//! other stray file are ignored with a debug log; a missing, empty, unreadable
//! or wrongly sized image, an empty patient folder, or two files for one stem
//! (`5.png` beside `5.PNG`) is an error naming the patient and the file.

use super::error::{DataError, Result};
use super::image::{load_gray, GrayImage};
use crate::anatomy::{Position, SLICES};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One patient's images: sagittal slices 5, 6, 7 and the eleven axial
/// images indexed by [`Position::index`].
#[derive(Clone, Debug)]
pub struct Study {
    pub id: String,
    pub sagittal: [GrayImage; 3],
    pub axial: [GrayImage; 11],
}

/// Patient folders under `root`, sorted by name. Files and hidden entries
/// beside them (`train.json`, `.DS_Store`, `Thumbs.db`) are skipped.
pub fn list_patients(root: &Path) -> Result<Vec<String>> {
    let entries = read_dir(root, None)?;
    let mut ids = Vec::new();
    for (name, path) in entries {
        if is_hidden_or_system(&name) || !path.is_dir() {
            tracing::debug!("skipping {} (not a patient folder)", path.display());
            continue;
        }
        ids.push(name);
    }
    ids.sort();
    Ok(ids)
}

/// Loads sagittal slices 5, 6, 7 of patient `id`.
pub fn load_sagittal(root: &Path, id: &str) -> Result<[GrayImage; 3]> {
    let stems = SLICES.map(|s| s.to_string());
    let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
    let images = load_series(root, id, "sag", &stems)?;
    Ok(images.try_into().expect("one image per slice"))
}

/// Loads the eleven axial images of patient `id`; index `i` holds
/// `Position::ALL[i]`, whatever order the files have on disk.
pub fn load_axial(root: &Path, id: &str) -> Result<[GrayImage; 11]> {
    let stems = Position::ALL.map(Position::stem);
    let images = load_series(root, id, "tra", &stems)?;
    Ok(images.try_into().expect("one image per position"))
}

/// Loads every image of patient `id`.
pub fn load_study(root: &Path, id: &str) -> Result<Study> {
    Ok(Study {
        id: id.to_owned(),
        sagittal: load_sagittal(root, id)?,
        axial: load_axial(root, id)?,
    })
}

/// Loads many patients in parallel; one result per id, in the order given,
/// so one bad patient never stops the others.
pub fn load_studies(root: &Path, ids: &[String]) -> Vec<Result<Study>> {
    ids.par_iter().map(|id| load_study(root, id)).collect()
}

/// Loads the images named by `stems` from `<root>/<id>/<series>/`.
fn load_series(root: &Path, id: &str, series: &str, stems: &[&str]) -> Result<Vec<GrayImage>> {
    let dir = series_dir(root, id, series)?;
    let files = png_files(&dir, id)?;
    stems
        .iter()
        .map(|stem| match files.get(*stem) {
            Some(path) => load_gray(path, id),
            None => Err(missing_file(&dir, id, stem)),
        })
        .collect()
}

/// The `sag` or `tra` folder of a patient, its name matched ignoring case.
fn series_dir(root: &Path, id: &str, series: &str) -> Result<PathBuf> {
    let patient = root.join(id);
    let entries = read_dir(&patient, Some(id))?;
    let visible: Vec<_> = entries
        .iter()
        .filter(|(name, _)| !is_hidden_or_system(name))
        .collect();
    if visible.is_empty() {
        return Err(DataError::patient(id, &patient, "patient folder is empty"));
    }
    visible
        .iter()
        .find(|(name, path)| name.eq_ignore_ascii_case(series) && path.is_dir())
        .map(|(_, path)| path.clone())
        .ok_or_else(|| {
            let problem = format!("no \"{series}\" folder in the patient folder");
            DataError::patient(id, patient.join(series), problem)
        })
}

/// PNG files of one series folder by stem; other files are logged and
/// skipped, two PNGs with one stem are an error.
fn png_files(dir: &Path, id: &str) -> Result<HashMap<String, PathBuf>> {
    let mut files: HashMap<String, PathBuf> = HashMap::new();
    for (name, path) in read_dir(dir, Some(id))? {
        let Some(stem) = png_stem(&name).filter(|_| !is_hidden_or_system(&name)) else {
            tracing::debug!("patient {id}: ignoring stray file {}", path.display());
            continue;
        };
        if let Some(first) = files.insert(stem.to_owned(), path.clone()) {
            let problem = format!("two images for \"{stem}\" (also {})", first.display());
            return Err(DataError::patient(id, path, problem));
        }
    }
    Ok(files)
}

/// The error for an expected image that is absent, mentioning a file of the
/// same stem but another extension when there is one.
fn missing_file(dir: &Path, id: &str, stem: &str) -> DataError {
    let path = dir.join(format!("{stem}.png"));
    let other = read_dir(dir, Some(id)).ok().and_then(|entries| {
        entries
            .into_iter()
            .find(|(name, _)| name.rsplit_once('.').is_some_and(|(s, _)| s == stem))
    });
    let problem = match other {
        Some((name, _)) => format!("missing file (found {name:?}, which is not a PNG)"),
        None => "missing file".to_owned(),
    };
    DataError::patient(id, path, problem)
}

/// `"2-3"` for `"2-3.png"` or `"2-3.PNG"`; `None` for other extensions.
fn png_stem(name: &str) -> Option<&str> {
    let (stem, ext) = name.rsplit_once('.')?;
    (ext.eq_ignore_ascii_case("png") && !stem.is_empty()).then_some(stem)
}

/// Dot files and the files that file managers leave behind.
fn is_hidden_or_system(name: &str) -> bool {
    const SYSTEM: [&str; 3] = ["thumbs.db", "desktop.ini", "ehthumbs.db"];
    name.starts_with('.') || SYSTEM.contains(&name.to_ascii_lowercase().as_str())
}

/// Entries of a folder as (name, path); names that are not UTF-8 are kept
/// lossily so that they show up in errors rather than vanish.
fn read_dir(dir: &Path, patient: Option<&str>) -> Result<Vec<(String, PathBuf)>> {
    let fail = |e: std::io::Error| {
        let problem = match e.kind() {
            std::io::ErrorKind::NotFound => "folder not found".to_owned(),
            _ => format!("cannot list the folder: {e}"),
        };
        DataError::new(patient, dir, problem)
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
        ));
    }
    Ok(out)
}

/// How the ids of a label file line up with the patient folders on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdMatch {
    /// Pairs of (label id, folder name) that name the same patient.
    pub matched: Vec<(String, String)>,
    /// Label ids with no folder on disk.
    pub labels_only: Vec<String>,
    /// Folders with no label.
    pub disk_only: Vec<String>,
}

/// Matches label ids with folder names, comparing them trimmed and ignoring
/// case. The outputs keep each side's own spelling, in the input order.
pub fn match_ids<L, D>(label_ids: &[L], disk_ids: &[D]) -> IdMatch
where
    L: AsRef<str>,
    D: AsRef<str>,
{
    let key = |s: &str| s.trim().to_lowercase();
    let disk: HashMap<String, &str> = disk_ids
        .iter()
        .map(|d| (key(d.as_ref()), d.as_ref()))
        .collect();
    let mut out = IdMatch::default();
    let mut used = std::collections::HashSet::new();
    for label in label_ids.iter().map(AsRef::as_ref) {
        match disk.get(&key(label)) {
            Some(folder) => {
                used.insert(key(label));
                out.matched.push((label.to_owned(), (*folder).to_owned()));
            }
            None => out.labels_only.push(label.to_owned()),
        }
    }
    out.disk_only = disk_ids
        .iter()
        .map(AsRef::as_ref)
        .filter(|d| !used.contains(&key(d)))
        .map(str::to_owned)
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_stems_ignore_extension_case() {
        assert_eq!(png_stem("2-3.png"), Some("2-3"));
        assert_eq!(png_stem("5.PNG"), Some("5"));
        assert_eq!(png_stem("5.jpg"), None);
        assert_eq!(png_stem(".png"), None);
        assert_eq!(png_stem("README"), None);
    }

    #[test]
    fn hidden_and_system_files_are_recognised() {
        assert!(is_hidden_or_system(".DS_Store"));
        assert!(is_hidden_or_system("Thumbs.db"));
        assert!(!is_hidden_or_system("5.png"));
    }

    #[test]
    fn ids_match_trimmed_and_ignoring_case() {
        let labels = [" Ab1 ", "c2", "d3"];
        let disk = ["ab1", "C2", "e4"];
        let m = match_ids(&labels, &disk);
        assert_eq!(
            m.matched,
            vec![
                (" Ab1 ".to_owned(), "ab1".to_owned()),
                ("c2".to_owned(), "C2".to_owned())
            ]
        );
        assert_eq!(m.labels_only, vec!["d3".to_owned()]);
        assert_eq!(m.disk_only, vec!["e4".to_owned()]);
    }
}
