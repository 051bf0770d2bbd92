//! Contact sheet of a few phantoms for a person to look at: per patient
//! one row with sagittal slices 5, 6, 7 (boxes drawn) and three axial
//! images (C4-C5, C5-C6, C6-C7), and a text line with the labels.

use super::{render_study, Phantom, Study};
use crate::anatomy::{Position, IMAGE_SIZE};
use crate::data::{self, DataError, GrayImage};
use opencv::core::{self, Mat, Point, Rect, Scalar, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;
use std::path::Path;

/// Axial positions shown on the sheet.
const SHOWN_AXIALS: [Position; 3] = [Position::C4C5, Position::C5C6, Position::C6C7];
/// Height of the text band under each row.
const BAND: i32 = 22;

fn to_bgr(img: &GrayImage) -> opencv::Result<Mat> {
    let mut bgr = Mat::default();
    imgproc::cvt_color(&img.to_mat()?, &mut bgr, imgproc::COLOR_GRAY2BGR, 0)?;
    Ok(bgr)
}

fn paste(sheet: &mut Mat, tile: &Mat, x: i32, y: i32) -> opencv::Result<()> {
    let mut roi = Mat::roi_mut(sheet, Rect::new(x, y, IMAGE_SIZE, IMAGE_SIZE))?;
    tile.copy_to(&mut roi)
}

fn text(sheet: &mut Mat, s: &str, x: i32, y: i32) -> opencv::Result<()> {
    let white = Scalar::new(255.0, 255.0, 255.0, 0.0);
    let font = imgproc::FONT_HERSHEY_SIMPLEX;
    imgproc::put_text(
        sheet,
        s,
        Point::new(x, y),
        font,
        0.45,
        white,
        1,
        imgproc::LINE_AA,
        false,
    )
}

fn sagittal_tile(ph: &Phantom, img: &GrayImage, slice: usize) -> opencv::Result<Mat> {
    let mut tile = to_bgr(img)?;
    let green = Scalar::new(0.0, 220.0, 0.0, 0.0);
    for shape in &ph.geometry.slices[slice] {
        let b = shape.bbox;
        let (x, y) = (b.x1.round() as i32, b.y1.round() as i32);
        let (w, h) = ((b.x2 - b.x1).round() as i32, (b.y2 - b.y1).round() as i32);
        imgproc::rectangle(
            &mut tile,
            Rect::new(x, y, w, h),
            green,
            1,
            imgproc::LINE_8,
            0,
        )?;
    }
    Ok(tile)
}

fn patient_row(sheet: &mut Mat, ph: &Phantom, study: &Study, top: i32) -> opencv::Result<()> {
    for s in 0..3 {
        let tile = sagittal_tile(ph, &study.sagittal[s], s)?;
        paste(sheet, &tile, s as i32 * IMAGE_SIZE, top)?;
    }
    for (k, pos) in SHOWN_AXIALS.iter().enumerate() {
        let mut tile = to_bgr(&study.axial[pos.index()])?;
        let g = (
            ph.labels.disc[pos.disc_index().unwrap_or(0)].grade,
            ph.labels.canal[pos.index()].grade,
        );
        text(
            &mut tile,
            &format!("{} disc {} canal {}", pos.name(), g.0, g.1),
            4,
            14,
        )?;
        paste(sheet, &tile, (3 + k as i32) * IMAGE_SIZE, top)?;
    }
    let l = &ph.labels;
    let line = format!(
        "{}  qd {}  sl {}  zjppt {:?}  zyzg {:?}",
        ph.id,
        l.qd,
        l.sl,
        l.disc.map(|s| s.grade),
        l.canal.map(|s| s.grade)
    );
    text(sheet, &line, 4, top + IMAGE_SIZE + 15)
}

/// Draws the sheet for the given phantoms (`indices` are their places in
/// the cohort, which seed their pixel noise).
pub fn contact_sheet(phantoms: &[(usize, &Phantom)], seed: u64) -> opencv::Result<Mat> {
    let rows = phantoms.len() as i32;
    let (w, h) = (6 * IMAGE_SIZE, rows * (IMAGE_SIZE + BAND));
    let mut sheet = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0))?;
    for (r, (index, ph)) in phantoms.iter().enumerate() {
        let study = render_study(ph, seed, *index);
        patient_row(&mut sheet, ph, &study, r as i32 * (IMAGE_SIZE + BAND))?;
    }
    Ok(sheet)
}

/// Writes a contact sheet of the first `count` phantoms as PNG.
pub fn write_preview(
    path: &Path,
    phantoms: &[Phantom],
    seed: u64,
    count: usize,
) -> Result<(), DataError> {
    let chosen: Vec<(usize, &Phantom)> = phantoms.iter().enumerate().take(count).collect();
    let sheet = contact_sheet(&chosen, seed).map_err(|e| DataError::file(path, e.to_string()))?;
    let _ = core::CV_8U;
    data::image::save_mat_png(path, &sheet)
}
