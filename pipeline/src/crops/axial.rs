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

/// Cuts the axial patch of `cfg.axial_window` around `spot`.
pub fn axial_patch(
    image: &GrayImage,
    spot: &CanalSpot,
    cfg: &CropConfig,
) -> opencv::Result<GrayImage> {
    let frame = Frame {
        centre: spot.centre,
        axis: (0.0, 1.0),
        height: cfg.axial_window,
        width: cfg.axial_window,
    };
    cut(image, &frame, cfg.axial_size, cfg.axial_size)
}

/// Places the canal on each of one patient's axial images. A first pass
/// searches the central `canal_search` window of every image; the second
/// searches within `canal_track` pixels of the median of the first-pass
/// hits, so that one image with a brighter ring elsewhere (a vessel, the
/// skin) cannot pull its patch off the canal.
pub fn locate_canals(images: &[GrayImage], cfg: &CropConfig) -> opencv::Result<Vec<CanalSpot>> {
    // The filter runs once per image; both passes read its response.
    let kernel = ring_kernel(cfg.canal_radius)?;
    let responses = images
        .iter()
        .map(|img| ring_response(img, &kernel))
        .collect::<opencv::Result<Vec<_>>>()?;
    let first = images
        .iter()
        .zip(&responses)
        .map(|(img, r)| strongest(img, r, cfg, search_window(img, cfg.canal_search)))
        .collect::<opencv::Result<Vec<_>>>()?;
    let Some(anchor) = median_found(&first) else {
        return Ok(first);
    };
    images
        .iter()
        .zip(&responses)
        .map(|(img, r)| strongest(img, r, cfg, window_around(img, anchor, cfg.canal_track)))
        .collect()
}

/// Maximum of the ring filter inside `window`; the image centre when it
/// is weaker than `canal_min_contrast`. (One image alone: for tests.)
#[cfg(test)]
fn locate_canal(image: &GrayImage, cfg: &CropConfig, window: Rect) -> opencv::Result<CanalSpot> {
    let response = ring_response(image, &ring_kernel(cfg.canal_radius)?)?;
    strongest(image, &response, cfg, window)
}

/// The ring filter's response at every pixel of `image`.
fn ring_response(image: &GrayImage, kernel: &Mat) -> opencv::Result<Mat> {
    let mut src = Mat::default();
    image.to_mat()?.convert_to(&mut src, CV_32F, 1.0, 0.0)?;
    let mut response = Mat::default();
    imgproc::filter_2d(
        &src,
        &mut response,
        CV_32F,
        kernel,
        Point::new(-1, -1),
        0.0,
        BORDER_REPLICATE,
    )?;
    Ok(response)
}

/// The strongest response of `image` inside `window`, or its centre.
fn strongest(
    image: &GrayImage,
    response: &Mat,
    cfg: &CropConfig,
    window: Rect,
) -> opencv::Result<CanalSpot> {
    let centre = (
        (image.width as f32 - 1.0) / 2.0,
        (image.height as f32 - 1.0) / 2.0,
    );
    let roi = Mat::roi(response, window)?;
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

/// Per-coordinate median of the spots that were found.
fn median_found(spots: &[CanalSpot]) -> Option<(f32, f32)> {
    let found: Vec<&CanalSpot> = spots.iter().filter(|s| s.found).collect();
    if found.is_empty() {
        return None;
    }
    let median = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    Some((
        median(found.iter().map(|s| s.centre.0).collect()),
        median(found.iter().map(|s| s.centre.1).collect()),
    ))
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

/// The centred window covering `fraction` of each side.
pub fn search_window(image: &GrayImage, fraction: f32) -> Rect {
    let (w, h) = (image.width as f32, image.height as f32);
    let (sw, sh) = (
        (w * fraction).round().max(1.0),
        (h * fraction).round().max(1.0),
    );
    let x = ((w - sw) / 2.0).round() as i32;
    let y = ((h - sh) / 2.0).round() as i32;
    Rect::new(x, y, sw as i32, sh as i32)
}

/// The window within `radius` pixels of `centre`, clipped to the image.
fn window_around(image: &GrayImage, centre: (f32, f32), radius: f32) -> Rect {
    let r = radius.max(0.0).round() as i32;
    let (cx, cy) = (centre.0.round() as i32, centre.1.round() as i32);
    let (w, h) = (image.width as i32, image.height as i32);
    let (x0, y0) = ((cx - r).clamp(0, w - 1), (cy - r).clamp(0, h - 1));
    let (x1, y1) = ((cx + r).clamp(0, w - 1), (cy + r).clamp(0, h - 1));
    Rect::new(x0, y0, x1 - x0 + 1, y1 - y0 + 1)
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
        let img = axial_with_canal(130.0, 125.0);
        let spot = locate_canal(&img, &cfg, search_window(&img, cfg.canal_search)).unwrap();
        assert!(spot.found, "{spot:?}");
        assert!((spot.centre.0 - 130.0).abs() <= 1.0, "{spot:?}");
        assert!((spot.centre.1 - 125.0).abs() <= 1.0, "{spot:?}");
    }

    #[test]
    fn a_flat_image_falls_back_to_the_centre() {
        let mut flat = GrayImage::new(224, 224);
        flat.pixels.fill(100);
        let cfg = CropConfig::default();
        let spot = locate_canal(&flat, &cfg, search_window(&flat, cfg.canal_search)).unwrap();
        assert!(!spot.found);
        assert_eq!(spot.centre, (111.5, 111.5));
    }

    #[test]
    fn the_second_pass_keeps_an_outlier_image_near_the_others() {
        let cfg = CropConfig::default();
        let mut images: Vec<GrayImage> = (0..5).map(|_| axial_with_canal(115.0, 100.0)).collect();
        // One image: a weak canal ring and a stronger ring-like decoy.
        let mut odd = axial_with_canal(115.0, 100.0);
        for y in 0..224 {
            for x in 0..224 {
                let r = ((x as f32 - 150.0).powi(2) + (y as f32 - 140.0).powi(2)).sqrt();
                let p = &mut odd.pixels[y * 224 + x];
                if (6.0..10.0).contains(&r) {
                    *p = 255;
                } else if *p == 230 {
                    *p = 120;
                }
            }
        }
        images.push(odd);
        let first = locate_canal(
            &images[5],
            &cfg,
            search_window(&images[5], cfg.canal_search),
        );
        assert!(
            (first.unwrap().centre.0 - 150.0).abs() <= 1.0,
            "the decoy wins alone"
        );
        let spots = locate_canals(&images, &cfg).unwrap();
        assert!((spots[5].centre.0 - 115.0).abs() <= 1.0, "{:?}", spots[5]);
        assert!((spots[5].centre.1 - 100.0).abs() <= 1.0, "{:?}", spots[5]);
    }
}
