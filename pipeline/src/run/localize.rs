//! Stage 1's source of boxes: the trained detector, or the true boxes of
//! the data folder (for ablations that isolate the graders from detection
//! errors). Both answer one `SpineBoxes` per patient.

use crate::data::boxes::{read_boxes, SpineBoxes};
use crate::data::{DataError, GrayImage};
use std::collections::HashMap;
use std::path::Path;

/// Anything that can place C2–C7 on the three sagittal slices.
pub trait Localizer {
    /// Boxes for each patient of the batch, in batch order.
    fn locate(&mut self, batch: &[(&str, &[GrayImage; 3])]) -> Vec<Result<SpineBoxes, DataError>>;
}

/// The boxes of `bounding_box_train.json`, looked up by id.
pub struct TrueBoxes {
    file: std::path::PathBuf,
    by_id: HashMap<String, SpineBoxes>,
}

impl TrueBoxes {
    /// Reads the box file; bad records are kept out and reported when their
    /// patient is asked for.
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let file = read_boxes(path, false)?;
        for err in &file.errors {
            tracing::warn!("{err}");
        }
        let by_id = file
            .patients
            .into_iter()
            .map(|p| (p.id.to_lowercase(), p))
            .collect();
        Ok(Self {
            file: path.to_owned(),
            by_id,
        })
    }
}

impl Localizer for TrueBoxes {
    fn locate(&mut self, batch: &[(&str, &[GrayImage; 3])]) -> Vec<Result<SpineBoxes, DataError>> {
        let find = |id: &str| {
            let mut boxes = self
                .by_id
                .get(&id.trim().to_lowercase())
                .cloned()
                .ok_or_else(|| {
                    DataError::patient(id, &self.file, "no valid boxes for this patient")
                })?;
            boxes.id = id.to_owned();
            Ok(boxes)
        };
        batch.iter().map(|(id, _)| find(id)).collect()
    }
}
