//! Stage 2: per-level patches for the graders. For each of the eleven
//! positions a sagittal patch from each of slices 5, 6, 7 (one shared
//! frame, so the three channels are registered), rotated so the local
//! column axis is vertical and scaled by the local level spacing; the
//! matched axial image cut around the located canal; and one image of the
//! whole column for the curvature/alignment head.
//!
//! ```text
//! crop_patient(id, sagittal, axial, boxes) -> PatientCrops  (in memory)
//! write_crops(dir, crops)  /  read_crops(dir)               (store.rs)
//! ```

pub mod axial;
pub mod config;
pub mod frame;
pub mod store;
pub mod warp;

pub use axial::CanalSpot;
pub use config::CropConfig;
pub use frame::{Column, Frame};
pub use store::{read_crops, write_crops, MANIFEST};

use crate::anatomy::{Position, MID_SLICE};
use crate::data::study::Study;
use crate::data::{GrayImage, SpineBoxes};

/// Why a patient could not be cropped.
#[derive(Debug, thiserror::Error)]
#[error("patient {patient}: cannot crop: {problem}")]
pub struct CropError {
    pub patient: String,
    pub problem: String,
}

/// The patches of one position.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelCrop {
    pub position: Position,
    /// Slices 5, 6, 7, each `sagittal_size` square.
    pub sagittal: [GrayImage; 3],
    /// `axial_size` square, cut around `canal`.
    pub axial: GrayImage,
    /// Where the sagittal patches were cut.
    pub frame: Frame,
    pub canal: CanalSpot,
}

/// Everything the graders need of one patient.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientCrops {
    pub id: String,
    /// The eleven positions in anatomical order.
    pub levels: Vec<LevelCrop>,
    /// Mid-sagittal column image, `column_height × column_width`.
    pub column: GrayImage,
    pub column_frame: Frame,
    /// The boxes the crops were placed from, gaps filled.
    pub boxes: Column,
    pub config: CropConfig,
}

impl PatientCrops {
    /// The completed mid-sagittal boxes as `[x1, y1, x2, y2]`, C2 first:
    /// the input of the geometry features.
    pub fn mid_boxes(&self) -> classifier::ColumnBoxes {
        self.boxes.boxes[MID_SLICE].map(|b| [b.x1, b.y1, b.x2, b.y2])
    }
}

/// Crops one study with its boxes.
pub fn crop_study(
    study: &Study,
    boxes: &SpineBoxes,
    cfg: &CropConfig,
) -> Result<PatientCrops, CropError> {
    crop_patient(&study.id, &study.sagittal, &study.axial, boxes, cfg)
}

/// Crops one patient from its three sagittal slices, its eleven axial
/// images (indexed by [`Position::index`]) and its C2–C7 boxes; a level
/// missing from `boxes` is filled as [`frame::complete`] describes.
pub fn crop_patient(
    id: &str,
    sagittal: &[GrayImage; 3],
    axial: &[GrayImage; 11],
    boxes: &SpineBoxes,
    cfg: &CropConfig,
) -> Result<PatientCrops, CropError> {
    let fail = |problem: String| CropError {
        patient: id.to_owned(),
        problem,
    };
    cfg.validate().map_err(fail)?;
    let column = frame::complete(boxes).map_err(fail)?;
    let centres = column.centres();
    let cv = |e: opencv::Error| fail(format!("OpenCV: {e}"));

    let canals = axial::locate_canals(axial, cfg).map_err(cv)?;
    let mut levels = Vec::with_capacity(Position::ALL.len());
    for position in Position::ALL {
        let frame =
            frame::position_frame(&centres, position, cfg.sagittal_span, cfg.sagittal_shift);
        let size = cfg.sagittal_size;
        let cut = |img: &GrayImage| warp::cut(img, &frame, size, size);
        let slices = [cut(&sagittal[0]), cut(&sagittal[1]), cut(&sagittal[2])];
        let [a, b, c] = slices;
        let canal = canals[position.index()];
        let patch = axial::axial_patch(&axial[position.index()], &canal, cfg).map_err(cv)?;
        levels.push(LevelCrop {
            position,
            sagittal: [a.map_err(cv)?, b.map_err(cv)?, c.map_err(cv)?],
            axial: patch,
            frame,
            canal,
        });
    }

    let aspect = cfg.column_width as f32 / cfg.column_height as f32;
    let column_frame = frame::column_frame(&centres, cfg.column_margin, aspect);
    let image = warp::cut(
        &sagittal[MID_SLICE],
        &column_frame,
        cfg.column_width,
        cfg.column_height,
    )
    .map_err(cv)?;
    Ok(PatientCrops {
        id: id.to_owned(),
        levels,
        column: image,
        column_frame,
        boxes: column,
        config: cfg.clone(),
    })
}
