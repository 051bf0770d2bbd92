//! Augmentation for sagittal MRI: random scale, translation and small
//! rotation (one affine warp), contrast, brightness and gamma jitter,
//! Gaussian noise and blur. Never a vertical flip: C2 stays above C7.
//!
//! Boxes follow the warp as the bounding box of the ellipse inscribed in
//! the original box, which stays tight under small rotations (the corners
//! of a box would inflate it).

use super::sample::Sample;
use detector::GtBox;
use opencv::core::{self, Mat, Point2f, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// Strength of each augmentation; zero turns one off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Scale factor drawn from `1 ± scale`.
    pub scale: f32,
    /// Shift drawn from `± translate · size` on each axis.
    pub translate: f32,
    /// Rotation drawn from `± rotate_degrees`.
    pub rotate_degrees: f32,
    /// Contrast factor drawn from `1 ± contrast`.
    pub contrast: f32,
    /// Brightness shift drawn from `± brightness` (intensity fraction).
    pub brightness: f32,
    /// Gamma drawn from `[1 / (1 + gamma), 1 + gamma]`.
    pub gamma: f32,
    /// Noise standard deviation drawn from `[0, noise]` (intensity fraction).
    pub noise: f32,
    /// Probability of a Gaussian blur (sigma 0.5–1.2 px).
    pub blur_probability: f32,
    /// A box keeps at least this fraction of its area inside the image, or
    /// it is dropped.
    pub min_visible: f32,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        Self {
            scale: 0.15,
            translate: 0.08,
            rotate_degrees: 6.0,
            contrast: 0.25,
            brightness: 0.1,
            gamma: 0.3,
            noise: 0.04,
            blur_probability: 0.3,
            min_visible: 0.6,
        }
    }
}

/// A randomly augmented copy of `sample`.
pub fn augment(sample: &Sample, cfg: &AugmentConfig, rng: &mut impl Rng) -> opencv::Result<Sample> {
    let size = sample.image.width as f32;
    let scale = 1.0 + symmetric(rng, cfg.scale);
    let angle = symmetric(rng, cfg.rotate_degrees);
    let shift = (
        symmetric(rng, cfg.translate) * size,
        symmetric(rng, cfg.translate) * size,
    );

    // Geometry: one affine warp about the image centre.
    let centre = Point2f::new(size / 2.0, size / 2.0);
    let mut m = imgproc::get_rotation_matrix_2d(centre, angle as f64, scale as f64)?;
    *m.at_2d_mut::<f64>(0, 2)? += shift.0 as f64;
    *m.at_2d_mut::<f64>(1, 2)? += shift.1 as f64;
    let src = sample.image.to_mat()?;
    let mut warped = Mat::default();
    let dsize = Size::new(sample.image.width as i32, sample.image.height as i32);
    let black = Scalar::all(0.0);
    let flags = imgproc::INTER_LINEAR;
    imgproc::warp_affine(
        &src,
        &mut warped,
        &m,
        dsize,
        flags,
        core::BORDER_CONSTANT,
        black,
    )?;
    let rows: Vec<f64> = (0..6)
        .map(|i| *m.at_2d::<f64>(i / 3, i % 3).unwrap())
        .collect();
    let truths = sample
        .truths
        .iter()
        .filter_map(|t| warp_box(t, &rows, angle.to_radians(), scale, size, cfg.min_visible))
        .collect();

    // Intensity: contrast, brightness, gamma, blur, noise.
    let mut image = crate::data::GrayImage::from_mat(&maybe_blur(warped, cfg, rng)?)?;
    jitter_intensity(&mut image.pixels, cfg, rng);
    Ok(Sample {
        image,
        truths,
        ..sample.clone()
    })
}

fn symmetric(rng: &mut impl Rng, amount: f32) -> f32 {
    if amount <= 0.0 {
        0.0
    } else {
        rng.random_range(-amount..=amount)
    }
}

/// Maps a box through the affine `m` (row-major 2×3); `None` when too
/// little of it stays inside the image.
fn warp_box(
    t: &GtBox,
    m: &[f64],
    angle: f32,
    scale: f32,
    size: f32,
    min_vis: f32,
) -> Option<GtBox> {
    let [x1, y1, x2, y2] = t.bbox;
    let (cx, cy) = (((x1 + x2) / 2.0) as f64, ((y1 + y2) / 2.0) as f64);
    let nx = (m[0] * cx + m[1] * cy + m[2]) as f32;
    let ny = (m[3] * cx + m[4] * cy + m[5]) as f32;
    let (a, b) = ((x2 - x1) / 2.0 * scale, (y2 - y1) / 2.0 * scale);
    let (c, s) = (angle.cos(), angle.sin());
    let hw = ((a * c).powi(2) + (b * s).powi(2)).sqrt();
    let hh = ((a * s).powi(2) + (b * c).powi(2)).sqrt();
    let full = [nx - hw, ny - hh, nx + hw, ny + hh];
    let clipped = full.map(|v| v.clamp(0.0, size));
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    (area(&clipped) >= min_vis * area(&full) && area(&clipped) > 0.0).then_some(GtBox {
        class: t.class,
        bbox: clipped,
    })
}

fn maybe_blur(mat: Mat, cfg: &AugmentConfig, rng: &mut impl Rng) -> opencv::Result<Mat> {
    if cfg.blur_probability <= 0.0 || rng.random::<f32>() >= cfg.blur_probability {
        return Ok(mat);
    }
    let sigma = rng.random_range(0.5..1.2);
    let mut out = Mat::default();
    let ksize = Size::new(0, 0);
    imgproc::gaussian_blur(
        &mat,
        &mut out,
        ksize,
        sigma,
        sigma,
        core::BORDER_REFLECT_101,
    )?;
    Ok(out)
}

fn jitter_intensity(pixels: &mut [u8], cfg: &AugmentConfig, rng: &mut impl Rng) {
    let contrast = 1.0 + symmetric(rng, cfg.contrast);
    let brightness = symmetric(rng, cfg.brightness);
    let gamma = if cfg.gamma > 0.0 {
        (1.0 + cfg.gamma).powf(rng.random_range(-1.0f32..=1.0))
    } else {
        1.0
    };
    let sigma = if cfg.noise > 0.0 {
        rng.random_range(0.0..cfg.noise)
    } else {
        0.0
    };
    let noise = Normal::new(0.0f32, sigma.max(1e-6)).expect("finite sigma");
    for p in pixels.iter_mut() {
        let v = (*p as f32 / 255.0).powf(gamma);
        let v = (v - 0.5) * contrast + 0.5 + brightness;
        let v = if sigma > 0.0 {
            v + noise.sample(rng)
        } else {
            v
        };
        *p = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::GrayImage;
    use crate::detect::letterbox::Letterbox;
    use rand::SeedableRng;

    fn bright_square() -> Sample {
        let mut image = GrayImage::new(64, 64);
        for y in 20..36 {
            for x in 24..40 {
                image.pixels[y * 64 + x] = 255;
            }
        }
        Sample {
            name: "square".into(),
            patient: "p".into(),
            image,
            truths: vec![GtBox {
                class: 0,
                bbox: [24.0, 20.0, 40.0, 36.0],
            }],
            letterbox: Letterbox::fit(64, 64, 64),
        }
    }

    #[test]
    fn geometry_moves_box_with_the_pixels_and_never_flips() {
        let cfg = AugmentConfig {
            noise: 0.0,
            blur_probability: 0.0,
            contrast: 0.0,
            brightness: 0.0,
            gamma: 0.0,
            ..Default::default()
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..10 {
            let out = augment(&bright_square(), &cfg, &mut rng).unwrap();
            let Some(t) = out.truths.first() else {
                continue;
            };
            // The brightest pixels' centroid lies at the box centre.
            let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
            for (i, &p) in out.image.pixels.iter().enumerate() {
                if p > 200 {
                    sx += (i % 64) as f32 + 0.5;
                    sy += (i / 64) as f32 + 0.5;
                    n += 1.0;
                }
            }
            let (cx, cy) = ((t.bbox[0] + t.bbox[2]) / 2.0, (t.bbox[1] + t.bbox[3]) / 2.0);
            assert!((sx / n - cx).abs() < 1.0 && (sy / n - cy).abs() < 1.0);
        }
    }
}
