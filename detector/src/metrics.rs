//! Detection metrics: average precision per class with COCO's 101-point
//! interpolated precision, mAP50 and mAP50-95 (IoU 0.50:0.05:0.95).
//!
//! Matching follows COCO: detections of one class in one image, best score
//! first, each take the unmatched ground truth with the highest IoU at or
//! above the threshold. Classes without ground truth are left out of the
//! mean.

use crate::assign::box_iou;
use crate::decode::Detection;

/// Ground truth and detections of one image.
#[derive(Clone, Debug, Default)]
pub struct ImageEval {
    pub truths: Vec<(usize, [f32; 4])>,
    pub detections: Vec<Detection>,
}

/// mAP at IoU 0.5 and averaged over 0.50:0.05:0.95, plus per-class AP50.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSummary {
    pub map50: f64,
    pub map50_95: f64,
    /// AP at 0.5 per class; `None` for a class without ground truth.
    pub ap50: Vec<Option<f64>>,
}

/// The ten COCO IoU thresholds.
pub fn coco_thresholds() -> Vec<f32> {
    (0..10).map(|i| (50 + 5 * i) as f32 / 100.0).collect()
}

/// AP of one class at one IoU threshold; `None` without ground truth.
pub fn average_precision(images: &[ImageEval], class: usize, iou_thr: f32) -> Option<f64> {
    let total: usize = images
        .iter()
        .map(|im| im.truths.iter().filter(|t| t.0 == class).count())
        .sum();
    if total == 0 {
        return None;
    }
    let mut hits: Vec<(f32, bool)> = Vec::new();
    for im in images {
        hits.extend(match_image(im, class, iou_thr));
    }
    hits.sort_by(|a, b| b.0.total_cmp(&a.0));
    Some(interpolated_ap(&hits, total))
}

/// `(score, true positive)` for each detection of `class` in one image.
fn match_image(im: &ImageEval, class: usize, iou_thr: f32) -> Vec<(f32, bool)> {
    let truths: Vec<&[f32; 4]> = im
        .truths
        .iter()
        .filter(|t| t.0 == class)
        .map(|t| &t.1)
        .collect();
    let mut dets: Vec<&Detection> = im.detections.iter().filter(|d| d.class == class).collect();
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut used = vec![false; truths.len()];
    dets.iter()
        .map(|d| {
            let mut best: Option<(usize, f32)> = None;
            for (t, truth) in truths.iter().enumerate() {
                let iou = box_iou(&d.bbox, truth);
                if !used[t] && iou >= iou_thr && best.is_none_or(|(_, b)| iou > b) {
                    best = Some((t, iou));
                }
            }
            if let Some((t, _)) = best {
                used[t] = true;
            }
            (d.score, best.is_some())
        })
        .collect()
}

/// COCO 101-point interpolation of a precision–recall curve.
fn interpolated_ap(hits: &[(f32, bool)], total: usize) -> f64 {
    let mut precision = Vec::with_capacity(hits.len());
    let mut recall = Vec::with_capacity(hits.len());
    let mut tp = 0usize;
    for (i, &(_, hit)) in hits.iter().enumerate() {
        tp += hit as usize;
        precision.push(tp as f64 / (i + 1) as f64);
        recall.push(tp as f64 / total as f64);
    }
    // Precision envelope: best precision at any higher recall.
    for i in (0..precision.len().saturating_sub(1)).rev() {
        precision[i] = precision[i].max(precision[i + 1]);
    }
    let mut sum = 0.0;
    for r in 0..=100 {
        let level = r as f64 / 100.0;
        let idx = recall.partition_point(|&x| x < level);
        sum += precision.get(idx).copied().unwrap_or(0.0);
    }
    sum / 101.0
}

/// mAP50, mAP50-95 and per-class AP50 over `num_classes` classes.
pub fn mean_average_precision(images: &[ImageEval], num_classes: usize) -> MapSummary {
    let ap50: Vec<Option<f64>> = (0..num_classes)
        .map(|c| average_precision(images, c, 0.5))
        .collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let map50 = mean(&ap50.iter().flatten().copied().collect::<Vec<_>>());
    let per_class: Vec<f64> = (0..num_classes)
        .filter_map(|c| {
            let aps: Option<Vec<f64>> = coco_thresholds()
                .into_iter()
                .map(|t| average_precision(images, c, t))
                .collect();
            aps.map(|a| mean(&a))
        })
        .collect();
    MapSummary {
        map50,
        map50_95: mean(&per_class),
        ap50,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(class: usize, score: f32, bbox: [f32; 4]) -> Detection {
        Detection { class, score, bbox }
    }

    #[test]
    fn perfect_detections_score_one() {
        let b = [0.0, 0.0, 10.0, 10.0];
        let im = ImageEval {
            truths: vec![(0, b)],
            detections: vec![det(0, 0.9, b)],
        };
        let m = mean_average_precision(&[im], 2);
        assert_eq!(m.map50, 1.0);
        assert_eq!(m.map50_95, 1.0);
        assert_eq!(m.ap50, vec![Some(1.0), None]);
    }

    #[test]
    fn a_false_positive_ranked_first_halves_early_precision() {
        // Two truths; detections: miss (0.9), hit (0.8), hit (0.7).
        // Precision 0, 1/2, 2/3 at recall 0, 1/2, 1; envelope 2/3 everywhere.
        let t1 = [0.0, 0.0, 10.0, 10.0];
        let t2 = [50.0, 50.0, 60.0, 60.0];
        let im = ImageEval {
            truths: vec![(0, t1), (0, t2)],
            detections: vec![
                det(0, 0.9, [100.0, 100.0, 110.0, 110.0]),
                det(0, 0.8, t1),
                det(0, 0.7, t2),
            ],
        };
        let ap = average_precision(&[im], 0, 0.5).unwrap();
        assert!((ap - 2.0 / 3.0).abs() < 1e-9, "{ap}");
    }

    #[test]
    fn map50_95_counts_the_thresholds_a_box_passes() {
        // IoU of 10×10 and 10×7.6 boxes = 0.76: passes 0.50..0.75 (6 of 10).
        let im = ImageEval {
            truths: vec![(0, [0.0, 0.0, 10.0, 10.0])],
            detections: vec![det(0, 0.5, [0.0, 0.0, 10.0, 7.6])],
        };
        let m = mean_average_precision(&[im], 1);
        assert_eq!(m.map50, 1.0);
        assert!((m.map50_95 - 0.6).abs() < 1e-9, "{}", m.map50_95);
    }

    #[test]
    fn half_recall_gives_about_half_ap() {
        let t1 = [0.0, 0.0, 10.0, 10.0];
        let im = ImageEval {
            truths: vec![(0, t1), (0, [50.0, 50.0, 60.0, 60.0])],
            detections: vec![det(0, 0.9, t1)],
        };
        // Recall points 0.00..0.50 (51 of 101) have precision 1.
        let ap = average_precision(&[im], 0, 0.5).unwrap();
        assert!((ap - 51.0 / 101.0).abs() < 1e-9, "{ap}");
    }
}
