//! Detector evaluation: per-level IoU, mean IoU and level identification
//! rate for C2–C7 (anatomical decoding), mAP50 and mAP50-95 for any dataset.
//!
//! A level counts as identified when its box has IoU ≥ 0.5 with that
//! level's true box; a missing box scores IoU 0. Boxes of general datasets
//! are compared in each image's original pixels (letterbox undone).

use super::infer::SpineDetector;
use super::sample::Sample;
use super::{DataFormat, DetectError};
use crate::anatomy::Vertebra;
use detector::assign::box_iou;
use detector::decode::Detection;
use detector::metrics::{mean_average_precision, ImageEval, MapSummary};
use std::fmt::Write;

/// Metrics of one evaluation.
#[derive(Clone, Debug)]
pub struct EvalReport {
    pub images: usize,
    /// Mean IoU per class (C2–C7 for cervai); empty for general datasets.
    pub level_iou: Vec<f64>,
    pub mean_iou: f64,
    /// Share of true levels found with IoU ≥ 0.5.
    pub identification: f64,
    pub map: MapSummary,
}

/// Runs the detector over `samples` and scores it.
pub fn evaluate(
    det: &SpineDetector,
    samples: &[Sample],
    format: DataFormat,
) -> Result<EvalReport, DetectError> {
    let num_classes = det.model.net.config().num_classes;
    let evals: Vec<ImageEval> = match format {
        DataFormat::Cervai => anatomical_detections(det, samples)?,
        DataFormat::Yolo => general_detections(det, samples),
    };
    let (level_iou, mean_iou, identification) = match format {
        DataFormat::Cervai => level_scores(&evals, num_classes),
        DataFormat::Yolo => (Vec::new(), f64::NAN, f64::NAN),
    };
    Ok(EvalReport {
        images: samples.len(),
        level_iou,
        mean_iou,
        identification,
        map: mean_average_precision(&evals, num_classes),
    })
}

fn anatomical_detections(
    det: &SpineDetector,
    samples: &[Sample],
) -> Result<Vec<ImageEval>, DetectError> {
    let images: Vec<_> = samples.iter().map(|s| &s.image).collect();
    let found = det.detect_slices(&images)?;
    Ok(samples
        .iter()
        .zip(found)
        .map(|(s, levels)| ImageEval {
            truths: s.truths.iter().map(|t| (t.class, t.bbox)).collect(),
            detections: (0..6)
                .filter_map(|c| levels[c].map(|b| (c, b)))
                .map(|(class, b)| Detection {
                    class,
                    score: b.score,
                    bbox: [b.bbox.x1, b.bbox.y1, b.bbox.x2, b.bbox.y2],
                })
                .collect(),
        })
        .collect())
}

fn general_detections(det: &SpineDetector, samples: &[Sample]) -> Vec<ImageEval> {
    let found = det.detect_general(samples);
    samples
        .iter()
        .zip(found)
        .map(|(s, detections)| ImageEval {
            truths: s
                .truths
                .iter()
                .map(|t| (t.class, s.letterbox.inverse(t.bbox)))
                .collect(),
            detections,
        })
        .collect()
}

/// Per-class mean IoU, overall mean IoU and identification rate, with one
/// detection per class per image.
pub fn level_scores(evals: &[ImageEval], num_classes: usize) -> (Vec<f64>, f64, f64) {
    let mut sums = vec![(0.0f64, 0usize); num_classes];
    let (mut all, mut hits, mut count) = (0.0, 0usize, 0usize);
    for im in evals {
        for &(class, truth) in &im.truths {
            let iou = im
                .detections
                .iter()
                .find(|d| d.class == class)
                .map_or(0.0, |d| box_iou(&d.bbox, &truth) as f64);
            sums[class].0 += iou;
            sums[class].1 += 1;
            all += iou;
            hits += (iou >= 0.5) as usize;
            count += 1;
        }
    }
    let per_class = sums
        .iter()
        .map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN });
    let n = count.max(1) as f64;
    (per_class.collect(), all / n, hits as f64 / n)
}

/// The report as the text `cervai detector eval` prints.
pub fn render(report: &EvalReport, class_names: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "images          {}", report.images);
    for (c, iou) in report.level_iou.iter().enumerate() {
        let _ = writeln!(out, "IoU {:<11} {iou:.4}", name(class_names, c));
    }
    if !report.level_iou.is_empty() {
        let _ = writeln!(out, "mean IoU        {:.4}", report.mean_iou);
        let _ = writeln!(out, "identification  {:.2}%", 100.0 * report.identification);
    }
    for (c, ap) in report.map.ap50.iter().enumerate() {
        if let Some(ap) = ap {
            let _ = writeln!(out, "AP50 {:<10} {ap:.4}", name(class_names, c));
        }
    }
    let _ = writeln!(out, "mAP50           {:.4}", report.map.map50);
    let _ = writeln!(out, "mAP50-95        {:.4}", report.map.map50_95);
    out
}

fn name(names: &[String], c: usize) -> String {
    names
        .get(c)
        .cloned()
        .unwrap_or_else(|| format!("class {c}"))
}

/// C2–C7 names for the report.
pub fn level_names() -> Vec<String> {
    Vertebra::ALL.iter().map(|v| v.key().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_scores_count_missing_levels_as_zero() {
        let t = [0.0, 0.0, 10.0, 10.0];
        let im = ImageEval {
            truths: vec![(0, t), (1, [0.0, 20.0, 10.0, 30.0])],
            detections: vec![Detection {
                class: 0,
                score: 0.9,
                bbox: [0.0, 0.0, 10.0, 5.0],
            }],
        };
        let (per, mean, ident) = level_scores(&[im], 2);
        assert_eq!(per, vec![0.5, 0.0]);
        assert_eq!((mean, ident), (0.25, 0.5));
    }
}
