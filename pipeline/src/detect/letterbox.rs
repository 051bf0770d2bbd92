//! Exact letterboxing: an image of any size is resized, aspect kept, into a
//! square and padded with black; boxes map forward and back with the same
//! per-axis scale and offset, so a round trip does not drift.
//!
//! Pixel convention: continuous coordinates with pixel `i` covering
//! `[i, i + 1)`, which is also how OpenCV's resize places pixel centres.

use crate::data::GrayImage;
use opencv::core::{self, Mat, Scalar, Size};
use opencv::imgproc;

/// The transform from original pixels to letterboxed pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Letterbox {
    pub scale_x: f32,
    pub scale_y: f32,
    pub pad_x: f32,
    pub pad_y: f32,
    /// Side of the square output.
    pub size: usize,
}

impl Letterbox {
    /// The transform that fits a `width × height` image into `size²`.
    pub fn fit(width: usize, height: usize, size: usize) -> Self {
        let scale = (size as f64 / width as f64).min(size as f64 / height as f64);
        let new_w = ((width as f64 * scale).round() as usize).clamp(1, size);
        let new_h = ((height as f64 * scale).round() as usize).clamp(1, size);
        Self {
            scale_x: (new_w as f64 / width as f64) as f32,
            scale_y: (new_h as f64 / height as f64) as f32,
            pad_x: ((size - new_w) / 2) as f32,
            pad_y: ((size - new_h) / 2) as f32,
            size,
        }
    }

    /// Original `x1, y1, x2, y2` → letterboxed.
    pub fn forward(&self, b: [f32; 4]) -> [f32; 4] {
        [
            b[0] * self.scale_x + self.pad_x,
            b[1] * self.scale_y + self.pad_y,
            b[2] * self.scale_x + self.pad_x,
            b[3] * self.scale_y + self.pad_y,
        ]
    }

    /// Letterboxed `x1, y1, x2, y2` → original.
    pub fn inverse(&self, b: [f32; 4]) -> [f32; 4] {
        [
            (b[0] - self.pad_x) / self.scale_x,
            (b[1] - self.pad_y) / self.scale_y,
            (b[2] - self.pad_x) / self.scale_x,
            (b[3] - self.pad_y) / self.scale_y,
        ]
    }

    /// Resizes and pads `img` into the square.
    pub fn apply(&self, img: &GrayImage) -> opencv::Result<GrayImage> {
        let new_w = (img.width as f32 * self.scale_x).round() as i32;
        let new_h = (img.height as f32 * self.scale_y).round() as i32;
        let src = img.to_mat()?;
        let mut resized = Mat::default();
        let shrinking = new_w < img.width as i32;
        let interp = if shrinking {
            imgproc::INTER_AREA
        } else {
            imgproc::INTER_LINEAR
        };
        imgproc::resize(
            &src,
            &mut resized,
            Size::new(new_w, new_h),
            0.0,
            0.0,
            interp,
        )?;
        let (left, top) = (self.pad_x as i32, self.pad_y as i32);
        let right = self.size as i32 - new_w - left;
        let bottom = self.size as i32 - new_h - top;
        let mut out = Mat::default();
        let black = Scalar::all(0.0);
        core::copy_make_border(
            &resized,
            &mut out,
            top,
            bottom,
            left,
            right,
            core::BORDER_CONSTANT,
            black,
        )?;
        GrayImage::from_mat(&out)
    }
}

/// Letterboxes `img` into `size²`, returning the image and its transform.
pub fn letterbox(img: &GrayImage, size: usize) -> opencv::Result<(GrayImage, Letterbox)> {
    let lb = Letterbox::fit(img.width, img.height, size);
    Ok((lb.apply(img)?, lb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_224_is_the_identity() {
        let lb = Letterbox::fit(224, 224, 224);
        assert_eq!(lb.forward([1.0, 2.0, 3.0, 4.0]), [1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn wide_image_is_padded_top_and_bottom() {
        let lb = Letterbox::fit(448, 224, 224);
        assert_eq!(
            (lb.scale_x, lb.scale_y, lb.pad_x, lb.pad_y),
            (0.5, 0.5, 0.0, 56.0)
        );
        let b = [10.0, 20.0, 30.0, 40.0];
        assert_eq!(lb.inverse(lb.forward(b)), b);
    }
}
