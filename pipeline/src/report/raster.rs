//! From pixels to files: plotters draws into an RGB buffer, OpenCV encodes
//! it as PNG (no image crate needed), and small PNGs are inlined in HTML as
//! base64 data URIs.

use super::ReportError;
use crate::data::json::write_atomic;
use opencv::core::{self, Mat};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

/// A plotters drawing root over an in-memory RGB buffer.
pub type Canvas<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A drawing step; plotters' own errors are boxed.
pub type DrawResult = Result<(), Box<dyn Error>>;

/// Draws `width`×`height` pixels with `draw` and returns them as PNG bytes.
/// `file` only names the target in errors.
pub fn render_png(
    file: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Canvas) -> DrawResult,
) -> Result<Vec<u8>, ReportError> {
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| ReportError::draw(file, e))?;
        draw(&root).map_err(|e| ReportError::draw(file, e))?;
        root.present().map_err(|e| ReportError::draw(file, e))?;
    }
    rgb_to_png(&rgb, height).map_err(|e| ReportError::draw(file, e))
}

/// Draws like [`render_png`] and writes the PNG to `path` atomically.
pub fn write_chart(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Canvas) -> DrawResult,
) -> Result<(), ReportError> {
    let png = render_png(path, size, draw)?;
    Ok(write_atomic(path, &png)?)
}

/// Encodes a packed RGB buffer of `height` rows as PNG.
fn rgb_to_png(rgb: &[u8], height: u32) -> opencv::Result<Vec<u8>> {
    let flat = Mat::from_slice(rgb)?;
    let rgb_mat = flat.reshape(3, height as i32)?;
    let mut bgr = Mat::default();
    imgproc::cvt_color(&rgb_mat, &mut bgr, imgproc::COLOR_RGB2BGR, 0)?;
    encode_png(&bgr)
}

/// Encodes an 8-bit Mat (gray or BGR) as PNG bytes.
pub fn encode_png(mat: &Mat) -> opencv::Result<Vec<u8>> {
    let mut buf = core::Vector::<u8>::new();
    let params = core::Vector::<i32>::from_slice(&[imgcodecs::IMWRITE_PNG_COMPRESSION, 6]);
    imgcodecs::imencode(".png", mat, &mut buf, &params)?;
    Ok(buf.to_vec())
}

/// `data:image/png;base64,…` for an `<img src>`.
pub fn png_data_uri(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64(png))
}

/// Standard base64 (RFC 4648) with `=` padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ\
        abcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn renders_a_decodable_png() {
        let png = render_png(Path::new("t.png"), (40, 30), |root| {
            root.fill(&RED)?;
            Ok(())
        })
        .unwrap();
        let mat =
            imgcodecs::imdecode(&Mat::from_slice(&png).unwrap(), imgcodecs::IMREAD_COLOR).unwrap();
        assert_eq!((mat.cols(), mat.rows()), (40, 30));
        let px = *mat.at_2d::<core::Vec3b>(10, 10).unwrap();
        assert_eq!(px.0, [0, 0, 255], "BGR red");
    }
}
