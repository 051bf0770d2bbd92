//! Inference on a batch of image tensors: raw outputs moved to the host as
//! per-image score and box lists, then decoded.

use crate::config::DecodeConfig;
use crate::decode::{decode_anatomical, decode_nms, Detection, ImageOutput};
use crate::model::YoloNet;
use tch::{Device, Kind, Tensor};

/// Runs the network in evaluation mode without gradients.
///
/// # Shapes
/// `images`: `(batch, 1, H, W)` in `[0, 1]`; returns one `ImageOutput` per
/// image with `cells = H·W/64 + H·W/256`.
pub fn predict(net: &YoloNet, images: &Tensor) -> Vec<ImageOutput> {
    let out = tch::no_grad(|| net.forward_t(images, false));
    let (batch, cells, classes) = out.cls_logits.size3().expect("(batch, cells, classes)");
    let scores = out
        .cls_logits
        .sigmoid()
        .to_device(Device::Cpu)
        .to_kind(Kind::Float);
    let boxes = out.boxes.to_device(Device::Cpu).to_kind(Kind::Float);
    let scores = Vec::<f32>::try_from(scores.flatten(0, -1)).expect("float scores");
    let boxes = Vec::<f32>::try_from(boxes.flatten(0, -1)).expect("float boxes");
    let (cells, classes) = (cells as usize, classes as usize);
    (0..batch as usize)
        .map(|b| ImageOutput {
            scores: scores[b * cells * classes..(b + 1) * cells * classes].to_vec(),
            boxes: boxes[b * cells * 4..(b + 1) * cells * 4]
                .chunks_exact(4)
                .map(|c| [c[0], c[1], c[2], c[3]])
                .collect(),
            num_classes: classes,
        })
        .collect()
}

/// One slot per class (level) per image, chosen jointly top to bottom.
pub fn detect_anatomical(
    net: &YoloNet,
    images: &Tensor,
    cfg: &DecodeConfig,
) -> Vec<Vec<Option<Detection>>> {
    predict(net, images)
        .iter()
        .map(|o| decode_anatomical(o, cfg))
        .collect()
}

/// Per-class NMS detections per image.
pub fn detect_nms(net: &YoloNet, images: &Tensor, cfg: &DecodeConfig) -> Vec<Vec<Detection>> {
    predict(net, images)
        .iter()
        .map(|o| decode_nms(o, cfg))
        .collect()
}
