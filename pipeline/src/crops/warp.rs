//! Cuts a rotated, scaled rectangle out of an image with one affine warp
//! (OpenCV `warpAffine`, bilinear, black outside the image), so that the
//! frame's axis becomes the patch's vertical.

use super::frame::Frame;
use crate::data::GrayImage;
use opencv::core::{Mat, Scalar, Size, BORDER_CONSTANT};
use opencv::imgproc;

/// The patch of `frame` resampled to `width × height` pixels. Pixel
/// centres are integer coordinates; the frame's centre maps to the
/// patch's centre and `frame.axis` points down the patch.
pub fn cut(image: &GrayImage, frame: &Frame, width: i32, height: i32) -> opencv::Result<GrayImage> {
    let src = image.to_mat()?;
    let matrix = Mat::from_slice_2d(&inverse_map(frame, width, height))?;
    let mut dst = Mat::default();
    let flags = imgproc::INTER_LINEAR | imgproc::WARP_INVERSE_MAP;
    let size = Size::new(width, height);
    imgproc::warp_affine(
        &src,
        &mut dst,
        &matrix,
        size,
        flags,
        BORDER_CONSTANT,
        Scalar::all(0.0),
    )?;
    GrayImage::from_mat(&dst)
}

/// The 2×3 matrix taking patch pixel `(u, v)` to source `(x, y)`:
/// `src = centre + sx·(u − u0)·across + sy·(v − v0)·axis`.
fn inverse_map(frame: &Frame, width: i32, height: i32) -> [[f64; 3]; 2] {
    let ey = (frame.axis.0 as f64, frame.axis.1 as f64);
    // Rotating the image vertical onto `axis` rotates the horizontal onto
    // `across`; a proper rotation, never a mirror.
    let ex = (ey.1, -ey.0);
    let sx = frame.width as f64 / width as f64;
    let sy = frame.height as f64 / height as f64;
    let (u0, v0) = ((width - 1) as f64 / 2.0, (height - 1) as f64 / 2.0);
    let (cx, cy) = (frame.centre.0 as f64, frame.centre.1 as f64);
    [
        [sx * ex.0, sy * ey.0, cx - sx * ex.0 * u0 - sy * ey.0 * v0],
        [sx * ex.1, sy * ey.1, cy - sx * ex.1 * u0 - sy * ey.1 * v0],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bright bar 8 px wide and 40 px long, centred at (120, 90), whose
    /// long axis is tilted `deg` degrees from the vertical.
    fn tilted_bar(deg: f32) -> GrayImage {
        let (s, c) = deg.to_radians().sin_cos();
        let mut img = GrayImage::new(224, 224);
        for y in 0..224 {
            for x in 0..224 {
                let (dx, dy) = (x as f32 - 120.0, y as f32 - 90.0);
                let along = dx * s + dy * c;
                let across = dx * c - dy * s;
                if along.abs() <= 20.0 && across.abs() <= 4.0 {
                    img.pixels[y * 224 + x] = 255;
                }
            }
        }
        img
    }

    #[test]
    fn a_tilted_bar_comes_out_upright_and_centred() {
        let deg = 25.0f32;
        let (s, c) = deg.to_radians().sin_cos();
        let frame = Frame {
            centre: (120.0, 90.0),
            axis: (s, c),
            height: 64.0,
            width: 64.0,
        };
        let patch = cut(&tilted_bar(deg), &frame, 32, 32).unwrap();
        // Scale 2: the bar is 4 px wide and 20 px tall in the patch.
        let lit = |x: usize, y: usize| patch.get(x, y) > 127;
        for y in 8..24 {
            let row: Vec<usize> = (0..32).filter(|&x| lit(x, y)).collect();
            assert!(!row.is_empty(), "row {y} empty");
            let mid = (row[0] + row[row.len() - 1]) as f32 / 2.0;
            assert!((mid - 15.5).abs() <= 1.0, "row {y} centred at {mid}");
            assert!(row.len() <= 6, "row {y} too wide: {row:?}");
        }
        assert!(!lit(15, 2) && !lit(16, 29), "bar ends inside the patch");
        assert!((frame.angle_degrees() - deg).abs() < 1e-3);
    }
}
