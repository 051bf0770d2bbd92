//! Study cohorts in the official layout as detector samples: each patient's
//! three sagittal slices with their C2–C7 boxes from
//! `bounding_box_train.json`, and a seeded patient-level split.

use super::letterbox::Letterbox;
use super::sample::Sample;
use super::DetectError;
use crate::anatomy::{Vertebra, SLICES};
use crate::data::boxes::{read_boxes, SpineBoxes};
use crate::data::study::load_sagittal;
use detector::GtBox;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use std::path::Path;

/// The box file expected at the root of a cohort.
pub const BOX_FILE: &str = "bounding_box_train.json";

/// The C2–C7 truths of one slice as detector boxes (class = level index).
pub fn slice_truths(spine: &SpineBoxes, slice: usize) -> Vec<GtBox> {
    Vertebra::ALL
        .iter()
        .filter_map(|v| spine.get(*v, slice).map(|b| (v.index(), b.bbox)))
        .map(|(class, b)| GtBox {
            class,
            bbox: [b.x1, b.y1, b.x2, b.y2],
        })
        .collect()
}

/// Loads every patient of `root` that has boxes (at most `max_patients`
/// when non-zero, in id order): three samples per patient.
pub fn load_cohort(root: &Path, max_patients: usize) -> Result<Vec<Sample>, DetectError> {
    let file = read_boxes(&root.join(BOX_FILE), false)?;
    if let Some(err) = file.errors.into_iter().next() {
        return Err(err.into());
    }
    let mut spines = file.patients;
    spines.sort_by(|a, b| a.id.cmp(&b.id));
    if max_patients > 0 {
        spines.truncate(max_patients);
    }
    let loaded: Vec<Result<Vec<Sample>, DetectError>> = spines
        .par_iter()
        .map(|spine| patient_samples(root, spine))
        .collect();
    Ok(loaded.into_iter().collect::<Result<Vec<_>, _>>()?.concat())
}

fn patient_samples(root: &Path, spine: &SpineBoxes) -> Result<Vec<Sample>, DetectError> {
    let images = load_sagittal(root, &spine.id)?;
    let side = images[0].width;
    Ok(images
        .into_iter()
        .enumerate()
        .map(|(s, image)| Sample {
            name: format!("{}/sag/{}.png", spine.id, SLICES[s]),
            patient: spine.id.clone(),
            image,
            truths: slice_truths(spine, s),
            letterbox: Letterbox::fit(side, side, side),
        })
        .collect())
}

/// Splits samples by patient: a seeded shuffle of the sorted patient ids,
/// the first `val_fraction` of them to validation. No patient is in both.
pub fn split_by_patient(
    samples: Vec<Sample>,
    val_fraction: f64,
    seed: u64,
) -> (Vec<Sample>, Vec<Sample>) {
    let mut ids: Vec<String> = samples.iter().map(|s| s.patient.clone()).collect();
    ids.sort();
    ids.dedup();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    ids.shuffle(&mut rng);
    let n_val = (ids.len() as f64 * val_fraction).round() as usize;
    let val: std::collections::HashSet<String> = ids.into_iter().take(n_val).collect();
    samples.into_iter().partition(|s| !val.contains(&s.patient))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::GrayImage;

    fn sample(patient: &str, slice: u8) -> Sample {
        Sample {
            name: format!("{patient}/sag/{slice}.png"),
            patient: patient.into(),
            image: GrayImage::new(4, 4),
            truths: vec![],
            letterbox: Letterbox::fit(4, 4, 4),
        }
    }

    #[test]
    fn split_keeps_patients_whole_and_is_seeded() {
        let samples: Vec<Sample> = (0..10)
            .flat_map(|p| (5..8).map(move |s| sample(&format!("p{p}"), s)))
            .collect();
        let (train, val) = split_by_patient(samples.clone(), 0.2, 3);
        assert_eq!((train.len(), val.len()), (24, 6));
        for v in &val {
            assert!(train.iter().all(|t| t.patient != v.patient));
        }
        let (_, again) = split_by_patient(samples, 0.2, 3);
        let names = |s: &[Sample]| s.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&val), names(&again));
    }
}
