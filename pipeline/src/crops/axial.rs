//! The axial patch of a position: locate the spinal canal on the matched
//! axial image — on T2 a grey cord inside a bright ring of CSF — by a
//! ring-shaped matched filter, then cut a square window around it. When
//! the ring response is too weak the window falls back to the image centre.

use super::config::CropConfig;
use super::frame::Frame;
use super::warp::cut;
use crate::data::GrayImage;
use opencv::core::{self, Mat, Point, Rect, BORDER_REPLICATE, CV_32F};
use opencv::imgproc;
use opencv::prelude::*;

/// Where the canal was placed on one axial image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CanalSpot {
    pub centre: (f32, f32),
    /// Ring contrast in grey levels (annulus minus cord and surround).
    pub contrast: f32,
    /// False when the centre fallback was used.
    pub found: bool,
}

/// Finds the canal and cuts the axial patch around it.
pub fn axial_patch(image: &GrayImage, cfg: &CropConfig) -> opencv::Result<(GrayImage, CanalSpot)> {
    let spot = locate_canal(image, cfg)?;
    let frame = Frame {
        centre: spot.centre,
        axis: (0.0, 1.0),
        height: cfg.axial_window,
        width: cfg.axial_window,
    };
    Ok((cut(image, &frame, cfg.axial_size, cfg.axial_size)?, spot))
}

/// Maximum of the ring filter inside the central search window.
pub fn locate_canal(image: &GrayImage, cfg: &CropConfig) -> opencv::Result<CanalSpot> {
    let centre = (
        (image.width as f32 - 1.0) / 2.0,
        (image.height as f32 - 1.0) / 2.0,
    );
    let mut src = Mat::default();
    image.to_mat()?.convert_to(&mut src, CV_32F, 1.0, 0.0)?;
    let mut response = Mat::default();
    let kernel = ring_kernel(cfg.canal_radius)?;
    let anchor = Point::new(-1, -1);
    imgproc::filter_2d(
        &src,
        &mut response,
        CV_32F,
        &kernel,
        anchor,
        0.0,
        BORDER_REPLICATE,
    )?;

    let window = search_window(image, cfg.canal_search);
    let roi = Mat::roi(&response, window)?;
    let (mut best, mut at) = (0.0f64, Point::default());
    core::min_max_loc(
        &roi,
        None,
        Some(&mut best),
        None,
        Some(&mut at),
        &core::no_array(),
    )?;
    if (best as f32) < cfg.canal_min_contrast {
        return Ok(CanalSpot {
            centre,
            contrast: best as f32,
            found: false,
        });
    }
    let spot = ((window.x + at.x) as f32, (window.y + at.y) as f32);
    Ok(CanalSpot {
        centre: spot,
        contrast: best as f32,
        found: true,
    })
}

/// Zero-sum kernel: +1 spread over the CSF annulus (r..1.7r), −½ over the
/// cord disc (< r) and −½ over the surround (1.7r..2.5r). Its response is
/// the annulus mean minus the mean of cord and surround.
fn ring_kernel(radius: f32) -> opencv::Result<Mat> {
    let outer = 2.5 * radius;
    let half = outer.ceil() as i32;
    let side = 2 * half + 1;
    let zone = |x: i32, y: i32| {
        let r = ((x * x + y * y) as f32).sqrt();
        match r {
            r if r < radius => 0,
            r if r < 1.7 * radius => 1,
            r if r <= outer => 2,
            _ => 3,
        }
    };
    let mut counts = [0f32; 4];
    for y in -half..=half {
        for x in -half..=half {
            counts[zone(x, y)] += 1.0;
        }
    }
    let weight = [-0.5 / counts[0], 1.0 / counts[1], -0.5 / counts[2], 0.0];
    let values: Vec<f32> = (-half..=half)
        .flat_map(|y| (-half..=half).map(move |x| (x, y)))
        .map(|(x, y)| weight[zone(x, y)])
        .collect();
    Mat::new_rows_cols_with_data(side, side, &values)?.try_clone()
}

fn search_window(image: &GrayImage, fraction: f32) -> Rect {
    let (w, h) = (image.width as f32, image.height as f32);
    let (sw, sh) = (
        (w * fraction).round().max(1.0),
        (h * fraction).round().max(1.0),
    );
    let x = ((w - sw) / 2.0).round() as i32;
    let y = ((h - sh) / 2.0).round() as i32;
    Rect::new(x, y, sw as i32, sh as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grey background with a bright ring (CSF) around a grey disc (cord)
    /// centred at (cx, cy), plus a bright blob elsewhere that is not a ring.
    pub(crate) fn axial_with_canal(cx: f32, cy: f32) -> GrayImage {
        let mut img = GrayImage::new(224, 224);
        for y in 0..224 {
            for x in 0..224 {
                let r = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                let blob = ((x as f32 - 60.0).powi(2) + (y as f32 - 70.0).powi(2)).sqrt();
                let v = match r {
                    r if r < 6.0 => 90,
                    r if r < 10.0 => 230,
                    _ if blob < 14.0 => 240,
                    _ => 70,
                };
                img.pixels[y * 224 + x] = v;
            }
        }
        img
    }

    #[test]
    fn finds_an_off_centre_canal_and_not_a_bright_blob() {
        let cfg = CropConfig::default();
        let spot = locate_canal(&axial_with_canal(130.0, 125.0), &cfg).unwrap();
        assert!(spot.found, "{spot:?}");
        assert!((spot.centre.0 - 130.0).abs() <= 1.0, "{spot:?}");
        assert!((spot.centre.1 - 125.0).abs() <= 1.0, "{spot:?}");
    }

    #[test]
    fn a_flat_image_falls_back_to_the_centre() {
        let mut flat = GrayImage::new(224, 224);
        flat.pixels.fill(100);
        let spot = locate_canal(&flat, &CropConfig::default()).unwrap();
        assert!(!spot.found);
        assert_eq!(spot.centre, (111.5, 111.5));
    }
}
