//! Demo-cohort generator: phantom cervical T2 studies in the official
//! layout (`<id>/sag/{5,6,7}.png`, `<id>/tra/<stem>.png`, `train.json`,
//! `bounding_box_train.json`) plus `oracle.json`, the grades a perfect
//! reader of the drawn severities would give. Labels and geometry follow
//! statistics fitted to the public CervAI label and box files (`stats`).

pub mod axial;
pub mod canvas;
pub mod column;
pub mod geometry;
pub mod labels;
pub mod look;
pub mod oracle;
pub mod preview;
pub mod render;
pub mod stats;

use crate::anatomy::{Position, SLICES};
use crate::data::{self, DataError, GrayImage, PatientGrades, SpineBoxes};
use geometry::ColumnGeometry;
use labels::LabelDraw;
use look::Look;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::path::Path;

/// Most patients one cohort can hold (ids carry a five-digit index).
pub const MAX_PATIENTS: usize = 99_999;

/// What can go wrong while writing a cohort.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot generate {0} patients: between 1 and {MAX_PATIENTS} are supported")]
    Count(usize),
    #[error(transparent)]
    Data(#[from] DataError),
}

/// Per-patient anatomy beyond the column: canal and cord size, neck
/// outline, airway, axial framing, marrow variation per vertebra.
#[derive(Clone, Debug, PartialEq)]
pub struct Anatomy {
    pub canal_ap: f32,
    pub cord_ap: f32,
    pub neck_front: f32,
    pub neck_back: f32,
    pub fat_back: f32,
    pub prevertebral: f32,
    pub airway: f32,
    pub axial_scale: f32,
    pub axial_shift: (f32, f32),
    pub marrow: [f32; 6],
}

impl Anatomy {
    fn sample(rng: &mut impl Rng) -> Self {
        let mut u = |lo: f32, hi: f32| rng.random_range(lo..hi);
        Self {
            canal_ap: u(8.0, 9.6),
            cord_ap: u(4.6, 5.6),
            neck_front: u(44.0, 54.0),
            neck_back: u(60.0, 72.0),
            fat_back: u(4.0, 9.0),
            prevertebral: u(3.0, 5.0),
            airway: u(6.0, 10.0),
            axial_scale: u(0.92, 1.08),
            axial_shift: (u(-6.0, 6.0), u(-6.0, 6.0)),
            marrow: std::array::from_fn(|_| u(0.88, 1.12)),
        }
    }
}

/// One phantom patient: everything needed to draw it, without pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Phantom {
    pub id: String,
    pub labels: LabelDraw,
    pub geometry: ColumnGeometry,
    pub anatomy: Anatomy,
    pub look: Look,
}

impl Phantom {
    pub fn grades(&self) -> PatientGrades {
        self.labels.grades(&self.id)
    }

    pub fn boxes(&self) -> SpineBoxes {
        self.geometry.boxes(&self.id)
    }
}

/// The 14 images of one phantom: sagittal 5, 6, 7 and the 11 axials in
/// anatomical order.
pub struct Study {
    pub sagittal: [GrayImage; 3],
    pub axial: [GrayImage; 11],
}

/// Generator for patient `index` of the cohort `seed`; `stream` 0 draws the
/// labels and geometry, stream 1 the pixel noise.
fn patient_rng(seed: u64, index: usize, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(index as u64).to_le_bytes());
    key[16..24].copy_from_slice(b"cervsynt");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

/// The `index`-th point of a golden-ratio sequence with a seeded start:
/// uniform on [0, 1) and evenly spread over any run of indices.
fn stratified_uniform(seed: u64, index: usize) -> f64 {
    const GOLDEN: f64 = 0.618_033_988_749_894_9;
    let start: f64 = ChaCha8Rng::seed_from_u64(seed ^ 0x9d1c_e5a1).random();
    (start + index as f64 * GOLDEN).fract()
}

/// A 14-digit id like the public ones, unique within the cohort.
pub fn patient_id(seed: u64, index: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_c0de);
    let prefix: u32 = rng.random_range(0..100_000);
    format!("0124{prefix:05}{index:05}")
}

/// Labels, geometry and look of patient `index`, without drawing pixels.
pub fn sample_phantom(seed: u64, index: usize) -> Phantom {
    let mut rng = patient_rng(seed, index, 0);
    let labels = labels::sample_labels(&mut rng, stratified_uniform(seed, index));
    let geometry = geometry::sample_geometry(&labels, &mut rng);
    let anatomy = Anatomy::sample(&mut rng);
    let look = Look::sample(&mut rng);
    Phantom {
        id: patient_id(seed, index),
        labels,
        geometry,
        anatomy,
        look,
    }
}

/// Samples a whole cohort's phantoms (cheap: no pixels).
pub fn sample_cohort(patients: usize, seed: u64) -> Vec<Phantom> {
    (0..patients)
        .into_par_iter()
        .map(|i| sample_phantom(seed, i))
        .collect()
}

/// Draws the 14 images of a phantom. Deterministic for a given `seed` and
/// `index`, whatever the thread count.
pub fn render_study(ph: &Phantom, seed: u64, index: usize) -> Study {
    let mut rng = patient_rng(seed, index, 1);
    let sagittal = std::array::from_fn(|s| {
        let canvas = render::render_sagittal(ph, s);
        ph.look.finish(&canvas, &mut rng)
    });
    let axial = std::array::from_fn(|p| {
        let canvas = axial::render_axial(ph, Position::ALL[p]);
        ph.look.finish(&canvas, &mut rng)
    });
    Study { sagittal, axial }
}

fn write_study(root: &Path, ph: &Phantom, study: &Study) -> Result<(), DataError> {
    let dir = root.join(&ph.id);
    for (s, img) in study.sagittal.iter().enumerate() {
        data::image::save_png(&dir.join("sag").join(format!("{}.png", SLICES[s])), img)?;
    }
    for (p, img) in study.axial.iter().enumerate() {
        let stem = Position::ALL[p].stem();
        data::image::save_png(&dir.join("tra").join(format!("{stem}.png")), img)?;
    }
    Ok(())
}

/// Writes a cohort of `patients` phantoms under `out` and returns them.
pub fn generate(out: &Path, patients: usize, seed: u64) -> Result<Vec<Phantom>, SynthError> {
    if patients == 0 || patients > MAX_PATIENTS {
        return Err(SynthError::Count(patients));
    }
    let phantoms = sample_cohort(patients, seed);
    phantoms
        .par_iter()
        .enumerate()
        .try_for_each(|(i, ph)| write_study(out, ph, &render_study(ph, seed, i)))?;

    let grades: Vec<PatientGrades> = phantoms.iter().map(Phantom::grades).collect();
    data::write_labels(&out.join("train.json"), &grades)?;
    let boxes: Vec<SpineBoxes> = phantoms.iter().map(Phantom::boxes).collect();
    data::write_boxes(&out.join("bounding_box_train.json"), &boxes, false)?;
    let oracle: Vec<PatientGrades> = phantoms.iter().map(oracle::read_phantom).collect();
    data::write_labels(&out.join("oracle.json"), &oracle)?;
    Ok(phantoms)
}
