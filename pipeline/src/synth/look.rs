//! Per-patient appearance and the acquisition effects applied to every
//! drawn image: tissue signal levels, a smooth multiplicative bias field,
//! a small Gaussian blur, Rician noise (magnitude of complex Gaussian
//! noise) and the scanner's window to 8 bits.

use super::canvas::Canvas;
use crate::data::GrayImage;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// T2 signal of each tissue of one patient, on a 0–1 scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Look {
    pub fat: f32,
    pub muscle: f32,
    pub marrow: f32,
    pub cortex: f32,
    pub csf: f32,
    pub cord: f32,
    pub nucleus: f32,
    pub annulus: f32,
    pub ligament: f32,
    pub brain: f32,
    /// Overall gain to 8 bits and the noise level relative to signal 1.
    pub gain: f32,
    pub noise: f32,
    pub blur: f32,
    /// Bias field: linear slopes in x and y and a broad bump.
    pub bias: [f32; 5],
}

fn normal(rng: &mut impl Rng) -> f32 {
    StandardNormal.sample(rng)
}

fn around(rng: &mut impl Rng, mean: f32, sd: f32) -> f32 {
    (mean + sd * normal(rng)).clamp(0.02, 1.0)
}

impl Look {
    pub fn sample(rng: &mut impl Rng) -> Self {
        Self {
            fat: around(rng, 0.82, 0.06),
            muscle: around(rng, 0.2, 0.035),
            marrow: around(rng, 0.42, 0.07),
            cortex: around(rng, 0.07, 0.02),
            csf: around(rng, 0.95, 0.04),
            cord: around(rng, 0.5, 0.05),
            nucleus: around(rng, 0.8, 0.06),
            annulus: around(rng, 0.2, 0.03),
            ligament: around(rng, 0.1, 0.02),
            brain: around(rng, 0.42, 0.04),
            gain: around(rng, 0.8, 0.08) * 255.0,
            noise: around(rng, 0.035, 0.01),
            blur: rng.random_range(0.5..0.85),
            bias: [
                0.15 * normal(rng),
                0.15 * normal(rng),
                rng.random_range(0.0..0.25),
                rng.random_range(60.0..160.0),
                rng.random_range(60.0..160.0),
            ],
        }
    }

    /// Disc nucleus signal at a continuous disc severity: bright when
    /// healthy, darker as the disc degenerates.
    pub fn nucleus_at(&self, severity: f32) -> f32 {
        let t = (severity / 3.5).clamp(0.0, 1.0);
        self.nucleus + t * (self.annulus + 0.1 - self.nucleus)
    }

    /// Applies tissue texture, bias, blur, Rician noise and the 8-bit window.
    pub fn finish(&self, canvas: &Canvas, rng: &mut impl Rng) -> GrayImage {
        let n = canvas.size;
        let coarse = Texture::sample(rng, 7, n);
        let fine = Texture::sample(rng, 40, n);
        let mut textured = canvas.clone();
        for (i, v) in textured.data.iter_mut().enumerate() {
            let (x, y) = ((i % n) as f32, (i / n) as f32);
            *v *= 1.0 + 0.08 * coarse.at(x, y) + 0.12 * fine.at(x, y);
        }
        let blurred = blur(&textured, self.blur);
        let mut img = GrayImage::new(n, n);
        for (i, (&v, out)) in blurred.data.iter().zip(img.pixels.iter_mut()).enumerate() {
            let s = v * self.bias_at((i % n) as f32, (i / n) as f32);
            let re = s + self.noise * normal(rng);
            let im = self.noise * normal(rng);
            *out = (re.hypot(im) * self.gain).round().clamp(0.0, 255.0) as u8;
        }
        img
    }

    fn bias_at(&self, x: f32, y: f32) -> f32 {
        let [sx, sy, amp, bx, by] = self.bias;
        let (u, v) = ((x - 112.0) / 112.0, (y - 112.0) / 112.0);
        let d2 = ((x - bx).powi(2) + (y - by).powi(2)) / (2.0 * 70.0f32.powi(2));
        (1.0 + sx * u + sy * v + amp * (-d2).exp()).max(0.3)
    }
}

/// Smooth random field in [-1, 1]: uniform values on a coarse grid,
/// bilinearly interpolated (marrow, muscle and fat heterogeneity).
struct Texture {
    cells: usize,
    step: f32,
    grid: Vec<f32>,
}

impl Texture {
    fn sample(rng: &mut impl Rng, cells: usize, size: usize) -> Self {
        let grid = (0..(cells + 1) * (cells + 1))
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        Self {
            cells,
            step: size as f32 / cells as f32,
            grid,
        }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        let (u, v) = (x / self.step, y / self.step);
        let (i, j) = (
            (u as usize).min(self.cells - 1),
            (v as usize).min(self.cells - 1),
        );
        let (fu, fv) = (u - i as f32, v - j as f32);
        let g = |a: usize, b: usize| self.grid[b * (self.cells + 1) + a];
        let top = g(i, j) * (1.0 - fu) + g(i + 1, j) * fu;
        let bottom = g(i, j + 1) * (1.0 - fu) + g(i + 1, j + 1) * fu;
        top * (1.0 - fv) + bottom * fv
    }
}

/// Separable Gaussian blur with a truncated kernel (radius 3σ, at least 1).
pub fn blur(canvas: &Canvas, sigma: f32) -> Canvas {
    let r = (3.0 * sigma).ceil().max(1.0) as isize;
    let k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    let k: Vec<f32> = k.iter().map(|v| v / sum).collect();
    let n = canvas.size as isize;
    let pass = |src: &[f32], horizontal: bool| -> Vec<f32> {
        let mut out = vec![0.0f32; src.len()];
        for y in 0..n {
            for x in 0..n {
                let mut acc = 0.0;
                for (j, w) in k.iter().enumerate() {
                    let o = j as isize - r;
                    let (xx, yy) = if horizontal { (x + o, y) } else { (x, y + o) };
                    let (xx, yy) = (xx.clamp(0, n - 1), yy.clamp(0, n - 1));
                    acc += w * src[(yy * n + xx) as usize];
                }
                out[(y * n + x) as usize] = acc;
            }
        }
        out
    };
    let h = pass(&canvas.data, true);
    Canvas {
        size: canvas.size,
        data: pass(&h, false),
    }
}
