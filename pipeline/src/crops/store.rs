//! Crops on disk: `<dir>/crops.png`, one grey image holding every patch of
//! the patient stacked top to bottom (per level the sagittal slices 5, 6, 7
//! side by side, then the axial patch; the whole-spine column last), and
//! `<dir>/manifest.json` with where each patch lies in it, the frames,
//! canal spots, boxes and crop settings. One image instead of 23 small
//! files: creating files, not cutting patches, was what the stage spent its
//! time on. Both files are written atomically and the manifest last, so a
//! folder with a manifest is complete; the same crops always give the same
//! bytes.

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
const FORMAT: u32 = 2;
/// File name of the patch image inside a crops folder.
pub const ATLAS: &str = "crops.png";

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
    /// `[x, y, width, height]` of the column in the patch image.
    column_rect: [usize; 4],
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
    /// `[x, y, width, height]` in the patch image: slices 5, 6, 7 side by side.
    sagittal: [usize; 4],
    /// `[x, y, width, height]` in the patch image.
    axial: [usize; 4],
    frame: FrameRecord,
    canal: [f32; 2],
    canal_found: bool,
    canal_contrast: f32,
}

/// Writes `crops` into `dir` (created if needed).
pub fn write_crops(dir: &Path, crops: &PatientCrops) -> Result<(), DataError> {
    let mut patches = Vec::with_capacity(2 * crops.levels.len() + 1);
    for level in &crops.levels {
        patches.push(strip(&level.sagittal));
        patches.push(level.axial.clone());
    }
    patches.push(crops.column.clone());
    let (atlas, rects) = stack(&patches);
    save_png(&dir.join(ATLAS), &atlas)?;
    write_pretty(&dir.join(MANIFEST), &manifest(crops, &rects))?;
    remove_format_1_files(dir);
    Ok(())
}

/// Removes the one-file-per-patch images that format 1 kept beside its
/// manifest, so that a folder cut again holds only what describes it.
fn remove_format_1_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".sag.png") || name.ends_with(".tra.png") || name == "column.png" {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Reads a folder written by [`write_crops`], checking every patch's size
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
    let atlas_path = dir.join(ATLAS);
    let atlas = load_gray_any_size(&atlas_path, &m.id)?;
    let patch = |rect: [usize; 4], w: usize, h: usize| {
        cut_patch(&atlas, rect, w, h)
            .map_err(|problem| DataError::patient(&m.id, &atlas_path, problem))
    };
    let cfg = &m.config;
    let (s, a) = (cfg.sagittal_size as usize, cfg.axial_size as usize);
    let mut levels = Vec::with_capacity(11);
    for (position, rec) in Position::ALL.into_iter().zip(&m.levels) {
        if rec.position != position.stem() {
            return Err(bad(format!(
                "level {:?} where {} was expected",
                rec.position,
                position.stem()
            )));
        }
        levels.push(LevelCrop {
            position,
            sagittal: unstrip(&patch(rec.sagittal, 3 * s, s)?),
            axial: patch(rec.axial, a, a)?,
            frame: frame_from(&rec.frame),
            canal: CanalSpot {
                centre: (rec.canal[0], rec.canal[1]),
                contrast: rec.canal_contrast,
                found: rec.canal_found,
            },
        });
    }
    let (w, h) = (cfg.column_width as usize, cfg.column_height as usize);
    let column = patch(m.column_rect, w, h)?;
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

/// The manifest of `crops`, whose patches lie at `rects` (level by level
/// sagittal then axial, the column last).
fn manifest(crops: &PatientCrops, rects: &[[usize; 4]]) -> Manifest {
    let levels = crops
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| LevelRecord {
            position: l.position.stem().to_owned(),
            sagittal: rects[2 * i],
            axial: rects[2 * i + 1],
            frame: frame_record(&l.frame),
            canal: [l.canal.centre.0, l.canal.centre.1],
            canal_found: l.canal.found,
            canal_contrast: l.canal.contrast,
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
        column_rect: rects[rects.len() - 1],
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

/// Patches stacked top to bottom, left-aligned, on a black image as wide
/// as the widest; returns it and each patch's `[x, y, width, height]`.
fn stack(patches: &[GrayImage]) -> (GrayImage, Vec<[usize; 4]>) {
    let width = patches.iter().map(|p| p.width).max().unwrap_or(0);
    let height = patches.iter().map(|p| p.height).sum();
    let mut out = GrayImage::new(width, height);
    let mut rects = Vec::with_capacity(patches.len());
    let mut top = 0;
    for p in patches {
        for y in 0..p.height {
            let dst = (top + y) * width;
            out.pixels[dst..dst + p.width]
                .copy_from_slice(&p.pixels[y * p.width..(y + 1) * p.width]);
        }
        rects.push([0, top, p.width, p.height]);
        top += p.height;
    }
    (out, rects)
}

/// The patch at `rect` of `atlas`, which must be `w`×`h`.
fn cut_patch(atlas: &GrayImage, rect: [usize; 4], w: usize, h: usize) -> Result<GrayImage, String> {
    let [x, y, rw, rh] = rect;
    if (rw, rh) != (w, h) {
        return Err(format!(
            "patch at {rect:?} is {rw}x{rh}, the settings say {w}x{h}"
        ));
    }
    let inside = |start: usize, len: usize, side: usize| {
        start.checked_add(len).is_some_and(|end| end <= side)
    };
    if !inside(x, w, atlas.width) || !inside(y, h, atlas.height) {
        return Err(format!(
            "patch at {rect:?} lies outside the {}x{} patch image",
            atlas.width, atlas.height
        ));
    }
    let mut out = GrayImage::new(w, h);
    for row in 0..h {
        let src = (y + row) * atlas.width + x;
        out.pixels[row * w..(row + 1) * w].copy_from_slice(&atlas.pixels[src..src + w]);
    }
    Ok(out)
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
