//! Crops for many patients: read from a crops folder when a patient's
//! manifest is there and was cut with the same settings, otherwise cut from
//! the study images and boxes (and written back when a folder is given).
//! Patients run in parallel (rayon: OpenCV and I/O only, no models); a bad
//! patient is returned as an error and the others go on.

use crate::crops::{crop_study, read_crops, write_crops, CropConfig, PatientCrops, MANIFEST};
use crate::data::study::load_study;
use crate::data::SpineBoxes;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// Where crops come from.
#[derive(Clone, Copy, Debug)]
pub struct CropSource<'a> {
    /// Study root (`<root>/<id>/sag`, `tra`), needed to cut new crops.
    pub images: Option<&'a Path>,
    /// Boxes by id, needed to cut new crops.
    pub boxes: Option<&'a HashMap<String, SpineBoxes>>,
    /// Crops folder (`<dir>/<id>/manifest.json`) to reuse and fill.
    pub crops: Option<&'a Path>,
}

/// One result per id, in the order given; errors are display strings.
pub fn gather(
    ids: &[String],
    src: CropSource,
    cfg: &CropConfig,
) -> Vec<Result<PatientCrops, String>> {
    ids.par_iter().map(|id| one(id, src, cfg)).collect()
}

fn one(id: &str, src: CropSource, cfg: &CropConfig) -> Result<PatientCrops, String> {
    // Stored crops first; why they cannot serve, if they cannot
    let mut stored_problem = None;
    if let Some(dir) = src.crops.map(|d| d.join(id)) {
        if dir.join(MANIFEST).is_file() {
            match read_crops(&dir) {
                Ok(crops) if &crops.config == cfg => return Ok(crops),
                Ok(_) => {
                    let problem =
                        format!("patient {id}: stored crops were cut with other settings");
                    stored_problem = Some(problem);
                }
                Err(e) => stored_problem = Some(e.to_string()), // unreadable or an older format
            }
        }
    }
    let boxes = src.boxes.and_then(|b| b.get(id));
    let (Some(images), Some(boxes)) = (src.images, boxes) else {
        return Err(stored_problem.unwrap_or_else(|| match src.images {
            None => format!("patient {id}: no stored crops and no --images to cut them from"),
            Some(_) => format!("patient {id}: no boxes"),
        }));
    };
    if let Some(problem) = stored_problem {
        tracing::info!("{problem}; cutting them again");
    }
    let study = load_study(images, id).map_err(|e| e.to_string())?;
    let crops = crop_study(&study, boxes, cfg).map_err(|e| e.to_string())?;
    if let Some(dir) = src.crops {
        write_crops(&dir.join(id), &crops).map_err(|e| e.to_string())?;
    }
    Ok(crops)
}

/// Ids of the patient folders under a crops folder that hold a manifest,
/// sorted.
pub fn list_crops(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.path().join(MANIFEST).is_file() {
            ids.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    ids.sort();
    Ok(ids)
}
