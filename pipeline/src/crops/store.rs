//! Crops on disk: `<dir>/<stem>.sag.png` (slices 5, 6, 7 side by side),
//! `<dir>/<stem>.tra.png`, `<dir>/column.png` and `<dir>/manifest.json`
//! with the frames, canal spots, boxes and crop settings. Every file is
//! written atomically and the manifest last, so a folder with a manifest is
//! complete; the same crops always give the same bytes.

use super::axial::CanalSpot;
use super::config::CropConfig;
use super::frame::{Column, Frame};
use super::{LevelCrop, PatientCrops};
use crate::anatomy::Position;
use crate::data::image::{load_gray_any_size, save_png};
use crate::data::json::{read_value, write_pretty};
use crate::data::{DataError, GrayImage, PixelBox};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name of the manifest inside a crops folder.
pub const MANIFEST: &str = "manifest.json";
const FORMAT: u32 = 1;
const COLUMN: &str = "column.png";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: u32,
    id: String,
    config: CropConfig,
    /// `boxes[slice][vertebra]` = `[x1, y1, x2, y2]`, gaps filled.
    boxes: [[[f32; 4]; 6]; 3],
    /// `filled[vertebra][slice]`: box not detected, filled in.
    filled: [[bool; 3]; 6],
    column: FrameRecord,
    levels: Vec<LevelRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameRecord {
    centre: [f32; 2],
    axis: [f32; 2],
    height: f32,
    width: f32,
    angle_degrees: f32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelRecord {
    position: String,
    sagittal: String,
    axial: String,
    frame: FrameRecord,
    canal: [f32; 2],
    canal_found: bool,
    canal_contrast: f32,
}

/// Writes `crops` into `dir` (created if needed).
pub fn write_crops(dir: &Path, crops: &PatientCrops) -> Result<(), DataError> {
    for level in &crops.levels {
        let stem = level.position.stem();
        save_png(
            &dir.join(format!("{stem}.sag.png")),
            &strip(&level.sagittal),
        )?;
        save_png(&dir.join(format!("{stem}.tra.png")), &level.axial)?;
    }
    save_png(&dir.join(COLUMN), &crops.column)?;
    write_pretty(&dir.join(MANIFEST), &manifest(crops))
}

/// Reads a folder written by [`write_crops`], checking every image's size
/// against the recorded settings.
pub fn read_crops(dir: &Path) -> Result<PatientCrops, DataError> {
    let path = dir.join(MANIFEST);
    let m: Manifest = serde_json::from_value(read_value(&path)?)
        .map_err(|e| DataError::file(&path, format!("not a crops manifest: {e}")))?;
    let bad = |problem: String| DataError::patient(&m.id, &path, problem);
    if m.format != FORMAT {
        return Err(bad(format!(
            "manifest format {} (expected {FORMAT})",
            m.format
        )));
    }
    if m.levels.len() != Position::ALL.len() {
        return Err(bad(format!("{} levels, expected 11", m.levels.len())));
    }
    let cfg = &m.config;
    let mut levels = Vec::with_capacity(11);
    for (position, rec) in Position::ALL.into_iter().zip(&m.levels) {
        if rec.position != position.stem() {
            return Err(bad(format!(
                "level {:?} where {} was expected",
                rec.position,
                position.stem()
            )));
        }
        let s = cfg.sagittal_size as usize;
        let sag = load_sized(dir, &rec.sagittal, &m.id, 3 * s, s)?;
        let axial = load_sized(
            dir,
            &rec.axial,
            &m.id,
            cfg.axial_size as usize,
            cfg.axial_size as usize,
        )?;
        levels.push(LevelCrop {
            position,
            sagittal: unstrip(&sag),
            axial,
            frame: frame_from(&rec.frame),
            canal: CanalSpot {
                centre: (rec.canal[0], rec.canal[1]),
                contrast: rec.canal_contrast,
                found: rec.canal_found,
            },
        });
    }
    let (w, h) = (cfg.column_width as usize, cfg.column_height as usize);
    let column = load_sized(dir, COLUMN, &m.id, w, h)?;
    let boxes = m
        .boxes
        .map(|s| s.map(|b| PixelBox::new(b[0], b[1], b[2], b[3])));
    Ok(PatientCrops {
        id: m.id.clone(),
        levels,
        column,
        column_frame: frame_from(&m.column),
        boxes: Column {
            boxes,
            filled: m.filled,
        },
        config: m.config.clone(),
    })
}

fn manifest(crops: &PatientCrops) -> Manifest {
    let levels = crops
        .levels
        .iter()
        .map(|l| {
            let stem = l.position.stem();
            LevelRecord {
                position: stem.to_owned(),
                sagittal: format!("{stem}.sag.png"),
                axial: format!("{stem}.tra.png"),
                frame: frame_record(&l.frame),
                canal: [l.canal.centre.0, l.canal.centre.1],
                canal_found: l.canal.found,
                canal_contrast: l.canal.contrast,
            }
        })
        .collect();
    Manifest {
        format: FORMAT,
        id: crops.id.clone(),
        config: crops.config.clone(),
        boxes: crops
            .boxes
            .boxes
            .map(|s| s.map(|b| [b.x1, b.y1, b.x2, b.y2])),
        filled: crops.boxes.filled,
        column: frame_record(&crops.column_frame),
        levels,
    }
}

fn frame_record(f: &Frame) -> FrameRecord {
    FrameRecord {
        centre: [f.centre.0, f.centre.1],
        axis: [f.axis.0, f.axis.1],
        height: f.height,
        width: f.width,
        angle_degrees: f.angle_degrees(),
    }
}

fn frame_from(r: &FrameRecord) -> Frame {
    Frame {
        centre: (r.centre[0], r.centre[1]),
        axis: (r.axis[0], r.axis[1]),
        height: r.height,
        width: r.width,
    }
}

fn load_sized(
    dir: &Path,
    name: &str,
    id: &str,
    w: usize,
    h: usize,
) -> Result<GrayImage, DataError> {
    let path = dir.join(name);
    let img = load_gray_any_size(&path, id)?;
    if img.width != w || img.height != h {
        let problem = format!(
            "image is {}x{}, the manifest says {w}x{h}",
            img.width, img.height
        );
        return Err(DataError::patient(id, &path, problem));
    }
    Ok(img)
}

/// Three equal square images side by side.
fn strip(images: &[GrayImage; 3]) -> GrayImage {
    let (w, h) = (images[0].width, images[0].height);
    let mut out = GrayImage::new(3 * w, h);
    for (k, img) in images.iter().enumerate() {
        for y in 0..h {
            let dst = y * 3 * w + k * w;
            out.pixels[dst..dst + w].copy_from_slice(&img.pixels[y * w..(y + 1) * w]);
        }
    }
    out
}

/// Inverse of [`strip`].
fn unstrip(img: &GrayImage) -> [GrayImage; 3] {
    let (w, h) = (img.width / 3, img.height);
    std::array::from_fn(|k| {
        let mut out = GrayImage::new(w, h);
        for y in 0..h {
            let src = y * img.width + k * w;
            out.pixels[y * w..(y + 1) * w].copy_from_slice(&img.pixels[src..src + w]);
        }
        out
    })
}
