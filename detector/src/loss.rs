//! Training loss: quality focal loss on IoU-aware class scores plus a GIoU
//! box loss on assigned cells.
//!
//! The class target of an assigned cell is the IoU of its predicted box with
//! its ground truth (as in GFL / VarifocalNet), so the class score also
//! ranks boxes by quality; with one box per class per image this lets the
//! decoder pick the best-placed cell rather than any cell that fired.

use crate::assign::{assign, GtBox};
use crate::config::LossConfig;
use crate::model::RawOutput;
use tch::{Kind, Tensor};

/// The loss and its parts (scalars, for logging).
#[derive(Debug)]
pub struct LossParts {
    /// `cls + box_weight · box`; differentiable.
    pub total: Tensor,
    pub cls: f64,
    pub boxes: f64,
    pub positives: usize,
}

/// Dense targets of a batch built from per-image assignments.
struct Targets {
    /// `(batch, cells)` 1.0 on assigned cells.
    pos: Tensor,
    /// `(batch, cells, 4)` the assigned ground-truth box.
    gt_boxes: Tensor,
    /// `(batch, cells, classes)` 1.0 for the classes a cell should score.
    class_mask: Tensor,
    positives: usize,
}

fn build_targets(
    points: &[[f32; 3]],
    gts: &[Vec<GtBox>],
    num_classes: usize,
    cfg: &LossConfig,
) -> Targets {
    let cells = points.len();
    let mut pos = vec![0f32; gts.len() * cells];
    let mut boxes = vec![0f32; gts.len() * cells * 4];
    let mut mask = vec![0f32; gts.len() * cells * num_classes];
    let mut positives = 0;
    for (b, image_gts) in gts.iter().enumerate() {
        for (c, target) in assign(points, image_gts, cfg).into_iter().enumerate() {
            let Some(t) = target else { continue };
            let i = b * cells + c;
            pos[i] = 1.0;
            boxes[i * 4..i * 4 + 4].copy_from_slice(&image_gts[t.gt].bbox);
            for class in t.classes {
                mask[i * num_classes + class] = 1.0;
            }
            positives += 1;
        }
    }
    let (bs, n) = (gts.len() as i64, cells as i64);
    Targets {
        pos: Tensor::from_slice(&pos).view([bs, n]),
        gt_boxes: Tensor::from_slice(&boxes).view([bs, n, 4]),
        class_mask: Tensor::from_slice(&mask).view([bs, n, num_classes as i64]),
        positives,
    }
}

/// IoU and GIoU of paired boxes.
///
/// # Shapes
/// `a`, `b`: `(..., 4)` as `x1, y1, x2, y2`; returns two `(...)` tensors.
pub fn iou_giou(a: &Tensor, b: &Tensor) -> (Tensor, Tensor) {
    let (ax1, ay1, ax2, ay2) = corners(a);
    let (bx1, by1, bx2, by2) = corners(b);
    let iw = (ax2.minimum(&bx2) - ax1.maximum(&bx1)).clamp_min(0.0);
    let ih = (ay2.minimum(&by2) - ay1.maximum(&by1)).clamp_min(0.0);
    let inter = iw * ih;
    let area_a = (&ax2 - &ax1).clamp_min(0.0) * (&ay2 - &ay1).clamp_min(0.0);
    let area_b = (&bx2 - &bx1).clamp_min(0.0) * (&by2 - &by1).clamp_min(0.0);
    let union = area_a + area_b - &inter + 1e-7;
    let iou = &inter / &union;
    let hull_w = ax2.maximum(&bx2) - ax1.minimum(&bx1);
    let hull_h = ay2.maximum(&by2) - ay1.minimum(&by1);
    let hull = hull_w * hull_h + 1e-7;
    let giou = &iou - (&hull - &union) / &hull;
    (iou, giou)
}

fn corners(t: &Tensor) -> (Tensor, Tensor, Tensor, Tensor) {
    let part = |i| t.select(-1, i);
    (part(0), part(1), part(2), part(3))
}

/// Loss of one batch.
///
/// # Shapes
/// `out.cls_logits`: `(batch, cells, classes)`, `out.boxes`:
/// `(batch, cells, 4)`; `points` has one `x, y, stride` per cell and `gts`
/// one list per image.
pub fn detection_loss(
    out: &RawOutput,
    points: &[[f32; 3]],
    gts: &[Vec<GtBox>],
    cfg: &LossConfig,
) -> LossParts {
    let device = out.boxes.device();
    let num_classes = out.cls_logits.size()[2] as usize;
    let t = build_targets(points, gts, num_classes, cfg);
    let pos = t.pos.to_device(device);
    let gt_boxes = t.gt_boxes.to_device(device);
    let class_mask = t.class_mask.to_device(device);
    let norm = t.positives.max(1) as f64;

    // Box loss on assigned cells: (batch, cells).
    let (iou, giou) = iou_giou(&out.boxes, &gt_boxes);
    let box_loss: Tensor = (giou.neg() + 1.0) * &pos;
    let box_loss = box_loss.sum(Kind::Float) / norm;

    // Quality focal loss: soft target = IoU on the cell's classes.
    let quality = (iou.detach().clamp(0.0, 1.0) * &pos).unsqueeze(-1); // (batch, cells, 1)
    let target = &class_mask * quality; // (batch, cells, classes)
    let prob = out.cls_logits.sigmoid();
    let modulator = (&prob - &target)
        .abs()
        .pow_tensor_scalar(cfg.focal_gamma)
        .detach();
    let bce = out.cls_logits.binary_cross_entropy_with_logits::<Tensor>(
        &target,
        None,
        None,
        tch::Reduction::None,
    );
    let cls_loss = (bce * modulator).sum(Kind::Float) / norm;

    let total = &cls_loss + &box_loss * cfg.box_weight;
    LossParts {
        cls: cls_loss.double_value(&[]),
        boxes: box_loss.double_value(&[]),
        total,
        positives: t.positives,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giou_of_known_boxes() {
        let a = Tensor::from_slice(&[0f32, 0.0, 10.0, 10.0, 0.0, 0.0, 10.0, 10.0]).view([2, 4]);
        let b = Tensor::from_slice(&[5f32, 0.0, 15.0, 10.0, 20.0, 0.0, 30.0, 10.0]).view([2, 4]);
        let (iou, giou) = iou_giou(&a, &b);
        let iou = Vec::<f32>::try_from(iou).unwrap();
        let giou = Vec::<f32>::try_from(giou).unwrap();
        assert!((iou[0] - 1.0 / 3.0).abs() < 1e-5);
        assert!((giou[0] - 1.0 / 3.0).abs() < 1e-5, "hull equals union");
        assert!(iou[1].abs() < 1e-6);
        // Hull 30×10 = 300, union 200: GIoU = 0 − 100/300.
        assert!((giou[1] + 1.0 / 3.0).abs() < 1e-5);
    }
}
