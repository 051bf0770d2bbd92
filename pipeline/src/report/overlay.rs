//! Per-patient overlay image (JPEG): the three sagittal slices side by side (upscaled
//! 224 → 448) with true C2–C7 boxes in green and detected ones in orange with
//! their scores, the grades written beside each level, and the eleven axial
//! images in a strip with their canal (and disc) grades, predicted vs true.

use super::ReportError;
use crate::anatomy::{Position, Vertebra, MID_SLICE, SLICES};
use crate::data::image::save_mat_jpeg;
use crate::data::{GrayImage, PatientGrades, PixelBox, SpineBoxes};
use opencv::core::{self, Mat, Point, Rect, Scalar, Size, CV_8UC3};
use opencv::imgproc::{self, LINE_AA};
use opencv::prelude::*;
use std::path::Path;

use super::label::{self, label, GradeText, WHITE};

/// Sagittal panel side after upscaling.
const PANEL: i32 = 448;
/// Upscaling factor from image to panel pixels.
const SCALE: f32 = PANEL as f32 / 224.0;
/// Width of the grade column right of the slices.
const COLUMN: i32 = 360;
/// Total width: three panels and the grade column.
const WIDTH: i32 = 3 * PANEL + COLUMN;
/// Height of the title bar.
const HEADER: i32 = 78;
/// Axial tiles: six per row, square, with a caption below.
const TILE: i32 = WIDTH / 6;
const CAPTION: i32 = 56;

const TRUE_BOX: Scalar = Scalar::new(90.0, 215.0, 90.0, 0.0);
const DETECTED_BOX: Scalar = Scalar::new(0.0, 160.0, 255.0, 0.0);
const MISSED: Scalar = Scalar::new(255.0, 80.0, 255.0, 0.0);
const BACKGROUND: Scalar = Scalar::new(28.0, 24.0, 22.0, 0.0);

/// Everything an overlay shows; any of the boxes and grades may be absent.
pub struct OverlayInput<'a> {
    pub id: &'a str,
    /// Sagittal slices 5, 6, 7.
    pub sagittal: &'a [GrayImage; 3],
    /// Axial images in [`Position::ALL`] order.
    pub axial: Option<&'a [GrayImage; 11]>,
    pub true_boxes: Option<&'a SpineBoxes>,
    pub detected: Option<&'a SpineBoxes>,
    pub predicted: Option<&'a PatientGrades>,
    pub truth: Option<&'a PatientGrades>,
}

/// Draws the overlay as a BGR image, `WIDTH` wide.
pub fn draw_overlay(input: &OverlayInput) -> opencv::Result<Mat> {
    let header = draw_header(input)?;
    let sagittal = draw_sagittal_row(input)?;
    let mut rows = core::Vector::<Mat>::new();
    rows.push(header);
    rows.push(sagittal);
    if let Some(axial) = input.axial {
        rows.push(draw_axial_strip(input, axial)?);
    }
    let mut out = Mat::default();
    core::vconcat(&rows, &mut out)?;
    Ok(out)
}

/// JPEG quality of overlays: boxes and text stay crisp, and encoding takes
/// 5 ms where PNG took 80–110 ms (a 1704×1206 overlay).
pub const OVERLAY_JPEG_QUALITY: i32 = 92;

/// Draws the overlay and writes it to `path` as JPEG (atomically).
pub fn write_overlay(path: &Path, input: &OverlayInput) -> Result<(), ReportError> {
    let mat = draw_overlay(input).map_err(|e| ReportError::draw(path, e))?;
    Ok(save_mat_jpeg(path, &mat, OVERLAY_JPEG_QUALITY)?)
}

fn filled(rows: i32, cols: i32, colour: Scalar) -> opencv::Result<Mat> {
    Mat::new_rows_cols_with_default(rows, cols, CV_8UC3, colour)
}

// --- title bar: id, curvature and alignment, legend

fn draw_header(input: &OverlayInput) -> opencv::Result<Mat> {
    let mut bar = filled(HEADER, WIDTH, BACKGROUND)?;
    label(
        &mut bar,
        &format!("patient {}", input.id),
        Point::new(12, 30),
        0.8,
        WHITE,
    )?;
    let (pred, truth) = (input.predicted, input.truth);
    let qd = GradeText::new("curvature (qd)", pred.map(|g| g.qd), truth.map(|g| g.qd));
    let x = qd.draw(&mut bar, Point::new(12, 64), 0.6)? + 28;
    let sl = GradeText::new("alignment (sl)", pred.map(|g| g.sl), truth.map(|g| g.sl));
    sl.draw(&mut bar, Point::new(x, 64), 0.6)?;
    let legend = Point::new(WIDTH - 470, 30);
    legend_box(&mut bar, legend, TRUE_BOX, "true box")?;
    legend_box(
        &mut bar,
        legend + Point::new(150, 0),
        DETECTED_BOX,
        "detected (score)",
    )?;
    label(
        &mut bar,
        "P predicted  T true",
        legend + Point::new(0, 34),
        0.55,
        WHITE,
    )?;
    Ok(bar)
}

fn legend_box(img: &mut Mat, at: Point, colour: Scalar, text: &str) -> opencv::Result<()> {
    imgproc::rectangle(
        img,
        Rect::new(at.x, at.y - 14, 22, 16),
        colour,
        2,
        LINE_AA,
        0,
    )?;
    label(img, text, at + Point::new(30, 0), 0.55, WHITE).map(|_| ())
}

// --- sagittal row: three panels and the grade column

fn draw_sagittal_row(input: &OverlayInput) -> opencv::Result<Mat> {
    let mut parts = core::Vector::<Mat>::new();
    for (s, image) in input.sagittal.iter().enumerate() {
        parts.push(draw_slice(input, image, s)?);
    }
    parts.push(draw_grade_column(input)?);
    let mut row = Mat::default();
    core::hconcat(&parts, &mut row)?;
    Ok(row)
}

/// A gray image upscaled to `side`×`side` and converted to BGR.
fn upscaled(image: &GrayImage, side: i32) -> opencv::Result<Mat> {
    let mut big = Mat::default();
    let size = Size::new(side, side);
    imgproc::resize(
        &image.to_mat()?,
        &mut big,
        size,
        0.0,
        0.0,
        imgproc::INTER_CUBIC,
    )?;
    let mut bgr = Mat::default();
    imgproc::cvt_color(&big, &mut bgr, imgproc::COLOR_GRAY2BGR, 0)?;
    Ok(bgr)
}

fn draw_slice(input: &OverlayInput, image: &GrayImage, s: usize) -> opencv::Result<Mat> {
    let mut panel = upscaled(image, PANEL)?;
    for v in Vertebra::ALL {
        let truth = input.true_boxes.and_then(|b| b.get(v, s));
        let det = input.detected.and_then(|b| b.get(v, s));
        if let Some(t) = truth {
            imgproc::rectangle(&mut panel, scaled(&t.bbox), TRUE_BOX, 2, LINE_AA, 0)?;
        }
        if let Some(d) = det {
            imgproc::rectangle(&mut panel, scaled(&d.bbox), DETECTED_BOX, 2, LINE_AA, 0)?;
        }
        let det = det.map(|d| (d.bbox, d.score));
        level_tag(
            &mut panel,
            v,
            truth.map(|t| t.bbox),
            det,
            input.detected.is_some(),
        )?;
    }
    let name = format!(
        "slice {}{}",
        SLICES[s],
        if s == MID_SLICE { " (mid)" } else { "" }
    );
    label(&mut panel, &name, Point::new(8, 24), 0.6, WHITE)?;
    frame(&mut panel)?;
    Ok(panel)
}

/// Level name and score left of the box; "missed" in magenta when the
/// detector ran but did not find a level that has a true box.
fn level_tag(
    panel: &mut Mat,
    v: Vertebra,
    truth: Option<PixelBox>,
    det: Option<(PixelBox, f32)>,
    detector_ran: bool,
) -> opencv::Result<()> {
    let (anchor, text, colour) = match (det, truth) {
        (Some((b, score)), _) => (b, format!("{v} {score:.2}"), DETECTED_BOX),
        (None, Some(b)) if detector_ran => (b, format!("{v} missed"), MISSED),
        (None, Some(b)) => (b, v.to_string(), TRUE_BOX),
        (None, None) => return Ok(()),
    };
    let r = scaled(&anchor);
    let width = label::width(&text, 0.45)?;
    let at = Point::new((r.x - width - 8).max(4), r.y + r.height / 2 + 5);
    label(panel, &text, at, 0.45, colour).map(|_| ())
}

fn scaled(b: &PixelBox) -> Rect {
    let (x1, y1) = ((b.x1 * SCALE).round() as i32, (b.y1 * SCALE).round() as i32);
    let (x2, y2) = ((b.x2 * SCALE).round() as i32, (b.y2 * SCALE).round() as i32);
    Rect::new(x1, y1, x2 - x1, y2 - y1)
}

fn frame(img: &mut Mat) -> opencv::Result<()> {
    let r = Rect::new(0, 0, img.cols(), img.rows());
    imgproc::rectangle(img, r, BACKGROUND, 2, LINE_AA, 0)
}

/// Grades at the height of their level on the mid slice: canal grades beside
/// bodies and discs, disc grades beside discs.
fn draw_grade_column(input: &OverlayInput) -> opencv::Result<Mat> {
    let mut col = filled(PANEL, COLUMN, BACKGROUND)?;
    let mut last_y = 8;
    for (p, y) in Position::ALL.iter().zip(level_heights(input)) {
        let y = y.max(last_y + 22).min(PANEL - 6);
        last_y = y;
        imgproc::line(
            &mut col,
            Point::new(0, y - 5),
            Point::new(10, y - 5),
            WHITE,
            1,
            LINE_AA,
            0,
        )?;
        let mut x = label(&mut col, &p.name(), Point::new(16, y), 0.5, WHITE)?.max(80) + 8;
        if let Some(d) = p.disc_index() {
            x = disc_text(input, d).draw(&mut col, Point::new(x, y), 0.5)? + 12;
        }
        canal_text(input, *p).draw(&mut col, Point::new(x.max(216), y), 0.5)?;
    }
    Ok(col)
}

fn disc_text<'a>(input: &OverlayInput, d: usize) -> GradeText<'a> {
    let get = |g: &PatientGrades| g.zjppt[d];
    GradeText::new("disc", input.predicted.map(get), input.truth.map(get))
}

fn canal_text<'a>(input: &OverlayInput, p: Position) -> GradeText<'a> {
    let get = |g: &PatientGrades| g.zyzg[p.index()];
    GradeText::new("canal", input.predicted.map(get), input.truth.map(get))
}

/// Text baseline of each position on the panel: body centres and the gaps
/// between boxes, evenly spaced where no box says where the level is.
fn level_heights(input: &OverlayInput) -> [i32; 11] {
    let centre = |v: usize| reference_box(input, v).map(|b| b.center().1);
    let gap =
        |v: usize| Some((reference_box(input, v)?.y2 + reference_box(input, v + 1)?.y1) / 2.0);
    let even = |i: usize| 40.0 + i as f32 * 14.5;
    std::array::from_fn(|i| {
        let y = if i % 2 == 0 {
            centre(i / 2)
        } else {
            gap(i / 2)
        };
        (y.unwrap_or(even(i)) * SCALE).round() as i32 + 5
    })
}

/// Where level `v` is: detected on the mid slice, else true on the mid
/// slice, else detected or true on another slice.
fn reference_box(input: &OverlayInput, v: usize) -> Option<PixelBox> {
    let order = [MID_SLICE, 0, 2];
    let sources = [input.detected, input.true_boxes];
    order
        .iter()
        .flat_map(|&s| sources.iter().flatten().map(move |b| b.levels[v][s]))
        .flatten()
        .map(|b| b.bbox)
        .next()
}

// --- axial strip: two rows of six tiles

fn draw_axial_strip(input: &OverlayInput, axial: &[GrayImage; 11]) -> opencv::Result<Mat> {
    let mut strip = filled(2 * (TILE + CAPTION), WIDTH, BACKGROUND)?;
    for p in Position::ALL {
        let tile = draw_axial_tile(input, &axial[p.index()], p)?;
        let (r, c) = ((p.index() / 6) as i32, (p.index() % 6) as i32);
        let rect = Rect::new(c * TILE, r * (TILE + CAPTION), TILE, TILE + CAPTION);
        tile.copy_to(&mut Mat::roi_mut(&mut strip, rect)?)?;
    }
    draw_summary(input, &mut strip, Point::new(5 * TILE, TILE + CAPTION))?;
    Ok(strip)
}

fn draw_axial_tile(input: &OverlayInput, image: &GrayImage, p: Position) -> opencv::Result<Mat> {
    let mut tile = filled(TILE + CAPTION, TILE, BACKGROUND)?;
    let mut img = upscaled(image, TILE - 4)?;
    label(&mut img, &p.name(), Point::new(6, 22), 0.6, WHITE)?;
    img.copy_to(&mut Mat::roi_mut(
        &mut tile,
        Rect::new(2, 2, TILE - 4, TILE - 4),
    )?)?;
    canal_text(input, p).draw(&mut tile, Point::new(8, TILE + 22), 0.5)?;
    if let Some(d) = p.disc_index() {
        disc_text(input, d).draw(&mut tile, Point::new(8, TILE + 46), 0.5)?;
    }
    Ok(tile)
}

/// The twelfth tile, at `origin`: how many grades differ from the labels.
fn draw_summary(input: &OverlayInput, strip: &mut Mat, origin: Point) -> opencv::Result<()> {
    let (lines, colour) = match (input.predicted, input.truth) {
        (Some(p), Some(t)) => {
            let wrong = super::stats::wrong_grades(p, t);
            let text = vec![
                format!("{wrong} of 18 grades"),
                "differ from the labels".into(),
            ];
            (text, label::grade_colour(Some(wrong == 0)))
        }
        (Some(_), None) => (vec!["no labels:".into(), "predictions only".into()], WHITE),
        (None, _) => (vec!["no predictions".into()], WHITE),
    };
    for (k, line) in lines.iter().enumerate() {
        let at = origin + Point::new(16, 44 + 32 * k as i32);
        label(strip, line, at, 0.6, if k == 0 { colour } else { WHITE })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_has_the_documented_size() {
        let img = GrayImage::new(224, 224);
        let sag = [img.clone(), img.clone(), img.clone()];
        let axial: [GrayImage; 11] = std::array::from_fn(|_| img.clone());
        let input = OverlayInput {
            id: "p1",
            sagittal: &sag,
            axial: Some(&axial),
            true_boxes: None,
            detected: None,
            predicted: None,
            truth: None,
        };
        let mat = draw_overlay(&input).unwrap();
        assert_eq!(mat.cols(), WIDTH);
        assert_eq!(mat.rows(), HEADER + PANEL + 2 * (TILE + CAPTION));
        assert_eq!(mat.typ(), CV_8UC3);
    }
}
