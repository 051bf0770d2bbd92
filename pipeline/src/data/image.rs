//! 8-bit grayscale images: loading with OpenCV under the official layout's
//! rules, and an owned pixel buffer that the rest of the code passes around.
//!
//! Policy: 16-bit images are scaled by their real min–max range to 0–255
//! (never by dropping the low byte); colour images are converted to gray
//! (BGR weights), alpha dropped; the official layout is 224×224, and an
//! image of any other size is refused, because its boxes and crops would not
//! match. General detector datasets letterbox instead (see `yolo`).
//! Only PNG and JPEG are decoded, and only when their header declares at
//! most `header::MAX_SIDE` pixels a side.

use super::error::{DataError, Result};
use opencv::core::{self, Mat, Scalar, CV_8U, CV_8UC1};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc};
use std::path::Path;

/// A row-major 8-bit grayscale image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrayImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// A black image.
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            pixels: vec![0; width * height],
        }
    }

    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }

    /// A copy as an OpenCV `CV_8UC1` matrix.
    pub fn to_mat(&self) -> opencv::Result<Mat> {
        let flat = Mat::from_slice(&self.pixels)?;
        flat.reshape(1, self.height as i32)?.try_clone()
    }

    /// Copies a `CV_8UC1` matrix; other types are an error.
    pub fn from_mat(mat: &Mat) -> opencv::Result<Self> {
        if mat.typ() != CV_8UC1 {
            return Err(opencv::Error::new(
                core::StsBadArg,
                "expected an 8-bit 1-channel Mat",
            ));
        }
        let mat = if mat.is_continuous() {
            mat.clone()
        } else {
            mat.try_clone()?
        };
        let pixels = mat.data_bytes()?.to_vec();
        Ok(Self {
            width: mat.cols() as usize,
            height: mat.rows() as usize,
            pixels,
        })
    }
}

/// Loads any PNG/JPEG as 8-bit grayscale with the policy above, keeping its
/// size. `patient` names the study in errors.
pub fn load_gray_any_size(path: &Path, patient: &str) -> Result<GrayImage> {
    let fail = |p: String| DataError::patient(patient, path, p);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if meta.len() == 0 {
        return Err(fail("file is empty (0 bytes)".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    decode_gray(&bytes, path, patient)
}

/// Decodes PNG/JPEG bytes with the policy above, keeping the size; `path`
/// and `patient` name the image in errors.
pub fn decode_gray(bytes: &[u8], path: &Path, patient: &str) -> Result<GrayImage> {
    let fail = |p: String| DataError::patient(patient, path, p);
    if bytes.is_empty() {
        return Err(fail("file is empty (0 bytes)".into()));
    }
    super::header::check(bytes).map_err(fail)?;
    let buf = Mat::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
    let raw = imgcodecs::imdecode(&buf, imgcodecs::IMREAD_UNCHANGED)
        .map_err(|e| fail(format!("not a readable image: {e}")))?;
    if raw.empty() {
        return Err(fail(
            "not a readable image (truncated or not PNG/JPEG)".into(),
        ));
    }
    let gray = to_gray(&raw).map_err(|e| fail(format!("cannot convert to gray: {e}")))?;
    let gray = to_8bit(&gray).map_err(fail)?;
    GrayImage::from_mat(&gray).map_err(|e| fail(e.to_string()))
}

/// Loads an image of the official layout: 8-bit gray, exactly 224×224.
pub fn load_gray(path: &Path, patient: &str) -> Result<GrayImage> {
    let img = load_gray_any_size(path, patient)?;
    let side = crate::anatomy::IMAGE_SIZE as usize;
    if img.width != side || img.height != side {
        let problem = format!(
            "image is {}x{}, the official layout needs {side}x{side} (resize it with the same \
             transform as its boxes)",
            img.width, img.height
        );
        return Err(DataError::patient(patient, path, problem));
    }
    Ok(img)
}

/// Writes a PNG atomically (temporary name, then rename).
pub fn save_png(path: &Path, img: &GrayImage) -> Result<()> {
    let mat = img
        .to_mat()
        .map_err(|e| DataError::file(path, e.to_string()))?;
    save_mat_png(path, &mat)
}

/// Encodes any 8-bit Mat (gray or BGR) as PNG and writes it atomically.
pub fn save_mat_png(path: &Path, mat: &Mat) -> Result<()> {
    let params = [imgcodecs::IMWRITE_PNG_COMPRESSION, 3];
    save_encoded(path, mat, ".png", &params)
}

/// Encodes any 8-bit Mat as JPEG of `quality` (0–100) and writes it
/// atomically: for pictures to look at, where PNG's encoder would cost
/// ten times as long as drawing them.
pub fn save_mat_jpeg(path: &Path, mat: &Mat, quality: i32) -> Result<()> {
    let params = [imgcodecs::IMWRITE_JPEG_QUALITY, quality];
    save_encoded(path, mat, ".jpg", &params)
}

fn save_encoded(path: &Path, mat: &Mat, ext: &str, params: &[i32]) -> Result<()> {
    let mut buf = core::Vector::<u8>::new();
    let params = core::Vector::<i32>::from_slice(params);
    imgcodecs::imencode(ext, mat, &mut buf, &params)
        .map_err(|e| DataError::file(path, format!("cannot encode {ext} image: {e}")))?;
    super::json::write_atomic(path, buf.as_slice())
}

fn to_gray(raw: &Mat) -> opencv::Result<Mat> {
    let code = match raw.channels() {
        1 => return raw.try_clone(),
        3 => imgproc::COLOR_BGR2GRAY,
        4 => imgproc::COLOR_BGRA2GRAY,
        n => {
            let msg = format!("{n} channels");
            return Err(opencv::Error::new(core::StsBadArg, msg));
        }
    };
    let mut gray = Mat::default();
    imgproc::cvt_color(raw, &mut gray, code, 0)?;
    Ok(gray)
}

/// 8-bit passes through; 16-bit and float are stretched by their real
/// range; a constant image maps to 0.
fn to_8bit(gray: &Mat) -> std::result::Result<Mat, String> {
    if gray.depth() == CV_8U {
        return Ok(gray.clone());
    }
    let (mut lo, mut hi) = (0.0, 0.0);
    core::min_max_loc(
        gray,
        Some(&mut lo),
        Some(&mut hi),
        None,
        None,
        &core::no_array(),
    )
    .map_err(|e| e.to_string())?;
    if !lo.is_finite() || !hi.is_finite() {
        return Err("image holds non-finite values".into());
    }
    let mut out = Mat::default();
    if hi > lo {
        let scale = 255.0 / (hi - lo);
        gray.convert_to(&mut out, CV_8U, scale, -lo * scale)
            .map_err(|e| e.to_string())?;
    } else {
        out = Mat::new_rows_cols_with_default(gray.rows(), gray.cols(), CV_8UC1, Scalar::all(0.0))
            .map_err(|e| e.to_string())?;
    }
    Ok(out)
}
