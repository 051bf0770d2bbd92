//! Turns crops, boxes and labels into the classifier's tensor batches:
//! eleven rows per patient for the per-level net, one row per patient for
//! the whole-spine head. Pixels become floats 0–1; unknown labels are −1.

use crate::anatomy::Position;
use crate::crops::PatientCrops;
use crate::data::{GrayImage, PatientGrades};
use classifier::{geometry_features, ColumnBoxes, LevelData, SpineData, GEOMETRY_FEATURES};
use tch::{Kind, Tensor};

/// Per-level rows of `crops`, patient by patient, positions in anatomical
/// order; `labels[i]` belongs to `crops[i]` when given.
pub fn level_data(crops: &[&PatientCrops], labels: Option<&[&PatientGrades]>) -> LevelData {
    let n = crops.len() * Position::ALL.len();
    let (s, a) = crops.first().map_or((8, 8), |c| {
        (c.config.sagittal_size as i64, c.config.axial_size as i64)
    });
    let mut sagittal = Vec::with_capacity(n * 3 * (s * s) as usize);
    let mut axial = Vec::with_capacity(n * (a * a) as usize);
    let (mut position, mut disc, mut canal) = (Vec::new(), Vec::new(), Vec::new());
    for (i, patient) in crops.iter().enumerate() {
        let grades = labels.map(|l| l[i]);
        for level in &patient.levels {
            level
                .sagittal
                .iter()
                .for_each(|img| sagittal.extend(unit(img)));
            axial.extend(unit(&level.axial));
            let p = level.position;
            position.push(p.index() as i64);
            let d = p.disc_index().zip(grades).map(|(d, g)| g.zjppt[d] as i64);
            disc.push(d.unwrap_or(-1));
            canal.push(grades.map_or(-1, |g| g.zyzg[p.index()] as i64));
        }
    }
    let rows = position.len() as i64;
    LevelData {
        // (rows, 3, S, S)
        sagittal: Tensor::from_slice(&sagittal).view([rows, 3, s, s]),
        // (rows, 1, A, A)
        axial: Tensor::from_slice(&axial).view([rows, 1, a, a]),
        position: Tensor::from_slice(&position),
        disc: Tensor::from_slice(&disc),
        canal: Tensor::from_slice(&canal),
    }
}

/// Whole-spine rows of `crops`: column image and geometry features.
pub fn spine_data(crops: &[&PatientCrops], labels: Option<&[&PatientGrades]>) -> SpineData {
    let (h, w) = crops.first().map_or((8, 8), |c| {
        (c.config.column_height as i64, c.config.column_width as i64)
    });
    let mut image = Vec::with_capacity(crops.len() * (h * w) as usize);
    crops.iter().for_each(|c| image.extend(unit(&c.column)));
    let boxes: Vec<ColumnBoxes> = crops.iter().map(|c| c.mid_boxes()).collect();
    let mut data = geometry_data(&boxes, labels);
    // (patients, 1, H, W)
    data.image = Tensor::from_slice(&image).view([crops.len() as i64, 1, h, w]);
    data
}

/// Whole-spine rows from boxes alone; the image is an empty 8×8 placeholder
/// per patient, to be used only with the image branch switched off.
pub fn geometry_data(boxes: &[ColumnBoxes], labels: Option<&[&PatientGrades]>) -> SpineData {
    let n = boxes.len() as i64;
    let features: Vec<f32> = boxes.iter().flat_map(geometry_features).collect();
    let label = |f: fn(&PatientGrades) -> u8| -> Vec<i64> {
        (0..boxes.len())
            .map(|i| labels.map_or(-1, |l| f(l[i]) as i64))
            .collect()
    };
    SpineData {
        image: Tensor::zeros([n, 1, 8, 8], (Kind::Float, tch::Device::Cpu)),
        // (patients, GEOMETRY_FEATURES)
        geometry: Tensor::from_slice(&features).view([n, GEOMETRY_FEATURES as i64]),
        qd: Tensor::from_slice(&label(|g| g.qd)),
        sl: Tensor::from_slice(&label(|g| g.sl)),
    }
}

fn unit(img: &GrayImage) -> impl Iterator<Item = f32> + '_ {
    img.pixels.iter().map(|&p| p as f32 / 255.0)
}
