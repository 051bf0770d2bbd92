//! Crop settings: patch sizes, how much anatomy a patch covers, and the
//! axial canal search. Part of `configs/classifier.toml` (`[crops]`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CropConfig {
    /// Side of each sagittal patch, pixels.
    pub sagittal_size: i32,
    /// Side of the sagittal patch in units of the local level spacing (the
    /// distance between neighbouring body centres): 2 covers a body and
    /// half of each neighbour, so every patient's patch shows the same
    /// anatomy whatever the zoom.
    pub sagittal_span: f32,
    /// Shift of the sagittal patch centre across the column, in level
    /// spacings, toward +x of the upright patch (posterior when the face
    /// looks left, as in the official images), so the canal behind the
    /// bodies lies inside the patch.
    pub sagittal_shift: f32,
    /// Side of each axial patch, pixels.
    pub axial_size: i32,
    /// Side of the axial window cut around the canal, source pixels.
    pub axial_window: f32,
    /// Expected radius of the cord on the axial image, source pixels: the
    /// canal locator looks for a grey disc of this size in a bright ring.
    pub canal_radius: f32,
    /// Fraction of the axial image (centred) searched for the canal.
    pub canal_search: f32,
    /// Largest distance (source pixels) of a position's canal from the
    /// median canal position of the patient's eleven axial images.
    pub canal_track: f32,
    /// Smallest ring contrast (grey levels) accepted as a found canal;
    /// below it the patch falls back to the image centre.
    pub canal_min_contrast: f32,
    /// Height of the whole-column image (C2 at top, C7 at bottom), pixels.
    pub column_height: i32,
    /// Width of the whole-column image, pixels.
    pub column_width: i32,
    /// Extra length above C2 and below C7, as a fraction of C2–C7 length.
    pub column_margin: f32,
}

impl Default for CropConfig {
    fn default() -> Self {
        Self {
            sagittal_size: 48,
            sagittal_span: 2.2,
            sagittal_shift: 0.25,
            axial_size: 48,
            axial_window: 72.0,
            canal_radius: 6.0,
            canal_search: 0.6,
            canal_track: 12.0,
            canal_min_contrast: 6.0,
            column_height: 96,
            column_width: 48,
            column_margin: 0.25,
        }
    }
}

impl CropConfig {
    /// Refuses settings that cannot make a patch.
    pub fn validate(&self) -> Result<(), String> {
        let sizes = [
            self.sagittal_size,
            self.axial_size,
            self.column_height,
            self.column_width,
        ];
        if sizes.iter().any(|&s| s < 8) {
            return Err("crop sizes must be at least 8 pixels".into());
        }
        let positive = [
            self.sagittal_span,
            self.axial_window,
            self.canal_radius,
            self.canal_search,
        ];
        if positive
            .iter()
            .any(|&v| v.is_nan() || v <= 0.0 || !v.is_finite())
        {
            return Err("crop spans, windows and radii must be positive".into());
        }
        if self.canal_search > 1.0 || self.column_margin.is_nan() || self.column_margin < 0.0 {
            return Err("canal_search must be at most 1 and column_margin at least 0".into());
        }
        Ok(())
    }
}
