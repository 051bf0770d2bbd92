//! Training and evaluation samples: a square grayscale image with its
//! ground-truth boxes, and the batch tensors the detector takes.

use super::letterbox::Letterbox;
use crate::data::GrayImage;
use detector::GtBox;
use tch::{Device, Kind, Tensor};

/// One image ready for the network.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Where the image came from (`id/sag/6.png`, or a file path).
    pub name: String,
    /// Patient id (the split key for study cohorts; the file stem otherwise).
    pub patient: String,
    /// Square image of the model's input size.
    pub image: GrayImage,
    /// Boxes in the square image's pixels.
    pub truths: Vec<GtBox>,
    /// How the square image was made from the original one.
    pub letterbox: Letterbox,
}

/// Stacks images into a `(batch, 1, size, size)` float tensor in `[0, 1]`.
pub fn images_to_tensor(images: &[&GrayImage], device: Device) -> Tensor {
    let (h, w) = (images[0].height as i64, images[0].width as i64);
    let mut flat = Vec::with_capacity(images.len() * (h * w) as usize);
    for img in images {
        assert_eq!(
            (img.height as i64, img.width as i64),
            (h, w),
            "one size per batch"
        );
        flat.extend_from_slice(&img.pixels);
    }
    let batch = images.len() as i64;
    Tensor::from_slice(&flat)
        .view([batch, 1, h, w]) // (batch, 1, h, w) u8
        .to_device(device)
        .to_kind(Kind::Float)
        / 255.0
}

/// The batch tensor and per-image boxes of `samples`.
pub fn to_batch(samples: &[Sample], device: Device) -> (Tensor, Vec<Vec<GtBox>>) {
    let images: Vec<&GrayImage> = samples.iter().map(|s| &s.image).collect();
    let truths = samples.iter().map(|s| s.truths.clone()).collect();
    (images_to_tensor(&images, device), truths)
}
