//! The data layer: the official folder layout, label and box files, the
//! submission format, and image loading. Everything here validates its
//! input and names the patient and file in its errors.

pub mod boxes;
pub mod error;
pub mod header;
pub mod image;
pub mod json;
pub mod labels;
pub mod study;

pub use boxes::{read_boxes, write_boxes, PixelBox, ScoredBox, SpineBoxes};
pub use error::DataError;
pub use image::{load_gray, GrayImage};
pub use labels::{read_labels, write_labels, PatientGrades};
pub use study::{list_patients, load_study, match_ids, IdMatch, Study};
