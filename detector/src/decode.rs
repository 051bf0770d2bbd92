//! From per-cell class scores and boxes to detections.
//!
//! Two decoders: ordinary per-class NMS for general datasets, and the
//! anatomical decoder for a spine, which returns exactly one slot per class
//! (class index = level, top to bottom) and chooses all levels jointly with
//! a dynamic program: the chosen boxes must run strictly downwards in class
//! order and may barely overlap, and a level whose best admissible box is
//! weak is reported missing. A level's box always comes from that level's
//! own scores, so a missing level is never filled by a neighbour's box.

use crate::assign::box_iou;
use crate::config::DecodeConfig;

/// One detected box in input pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    pub class: usize,
    pub score: f32,
    /// `x1, y1, x2, y2`.
    pub bbox: [f32; 4],
}

/// Scores and boxes of one image, cells in the network's output order.
#[derive(Clone, Debug)]
pub struct ImageOutput {
    /// `cells × classes` probabilities, row-major.
    pub scores: Vec<f32>,
    pub boxes: Vec<[f32; 4]>,
    pub num_classes: usize,
}

impl ImageOutput {
    fn score(&self, cell: usize, class: usize) -> f32 {
        self.scores[cell * self.num_classes + class]
    }

    /// NMS-filtered candidates of one class, best first.
    fn class_candidates(
        &self,
        class: usize,
        min_score: f32,
        iou: f32,
        keep: usize,
    ) -> Vec<Detection> {
        let mut cells: Vec<usize> = (0..self.boxes.len())
            .filter(|&c| self.score(c, class) >= min_score)
            .collect();
        // Best first, ties by cell: the order of a stable sort, faster
        cells.sort_unstable_by(|&a, &b| {
            let by_score = self.score(b, class).total_cmp(&self.score(a, class));
            by_score.then(a.cmp(&b))
        });
        let all = cells.into_iter().map(|c| Detection {
            class,
            score: self.score(c, class),
            bbox: self.boxes[c],
        });
        nms(all, iou, keep)
    }
}

/// Greedy NMS over detections sorted best first; keeps at most `keep`.
fn nms(sorted: impl Iterator<Item = Detection>, iou: f32, keep: usize) -> Vec<Detection> {
    let mut kept: Vec<Detection> = Vec::new();
    for det in sorted {
        if kept.len() >= keep {
            break;
        }
        if kept.iter().all(|k| box_iou(&k.bbox, &det.bbox) < iou) {
            kept.push(det);
        }
    }
    kept
}

/// Ordinary decoding: per-class NMS, then the best `max_detections`.
pub fn decode_nms(out: &ImageOutput, cfg: &DecodeConfig) -> Vec<Detection> {
    let mut dets: Vec<Detection> = (0..out.num_classes)
        .flat_map(|c| out.class_candidates(c, cfg.min_score, cfg.nms_iou, cfg.max_detections))
        .collect();
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    dets.truncate(cfg.max_detections);
    dets
}

/// Anatomical decoding: one slot per class, top to bottom.
pub fn decode_anatomical(out: &ImageOutput, cfg: &DecodeConfig) -> Vec<Option<Detection>> {
    let candidates: Vec<Vec<Detection>> = (0..out.num_classes)
        .map(|c| {
            out.class_candidates(c, cfg.min_score, 0.5, cfg.candidates)
                .into_iter()
                .filter(|d| d.score >= cfg.missing_threshold)
                .collect()
        })
        .collect();
    choose_levels(&candidates, cfg.max_level_overlap)
}

/// A DP state's value and predecessor `(level, candidate)`.
type State = (f32, Option<(usize, usize)>);

/// The dynamic program. A state is "level `l` took candidate `k`"; its
/// value is the best total gain of levels `0..=l` given that choice. The
/// gain of a box is its score; a missing level gains nothing. A state may
/// follow any earlier state whose box lies higher (smaller centre y) and
/// overlaps it by less than `max_overlap`, the levels between missing.
pub fn choose_levels(candidates: &[Vec<Detection>], max_overlap: f32) -> Vec<Option<Detection>> {
    let levels = candidates.len();
    let center_y = |d: &Detection| (d.bbox[1] + d.bbox[3]) / 2.0;
    // best[l][k] = (value, predecessor (level, candidate)).
    let mut best: Vec<Vec<State>> = Vec::with_capacity(levels);
    for l in 0..levels {
        let row = candidates[l]
            .iter()
            .map(|det| {
                let mut value = (det.score, None);
                for (pl, prev_row) in best.iter().enumerate() {
                    for (pk, &(prev_value, _)) in prev_row.iter().enumerate() {
                        let prev = &candidates[pl][pk];
                        let fits = center_y(prev) < center_y(det)
                            && box_iou(&prev.bbox, &det.bbox) < max_overlap;
                        if fits && prev_value + det.score > value.0 {
                            value = (prev_value + det.score, Some((pl, pk)));
                        }
                    }
                }
                value
            })
            .collect();
        best.push(row);
    }
    backtrack(candidates, &best)
}

fn backtrack(candidates: &[Vec<Detection>], best: &[Vec<State>]) -> Vec<Option<Detection>> {
    let mut chosen = vec![None; candidates.len()];
    let mut end: Option<(usize, usize)> = None;
    let mut top = 0.0;
    for (l, row) in best.iter().enumerate() {
        for (k, &(value, _)) in row.iter().enumerate() {
            if value > top {
                top = value;
                end = Some((l, k));
            }
        }
    }
    while let Some((l, k)) = end {
        chosen[l] = Some(candidates[l][k]);
        end = best[l][k].1;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(class: usize, score: f32, y: f32) -> Detection {
        Detection {
            class,
            score,
            bbox: [90.0, y, 120.0, y + 20.0],
        }
    }

    #[test]
    fn picks_the_best_ordered_chain_not_independent_maxima() {
        // Level 1's best box (0.9) sits above level 0's only box: taking it
        // would break the order, so its second box (0.6) is chosen.
        let cands = vec![
            vec![det(0, 0.8, 50.0)],
            vec![det(1, 0.9, 20.0), det(1, 0.6, 80.0)],
            vec![det(2, 0.7, 110.0)],
        ];
        let got = choose_levels(&cands, 0.3);
        let ys: Vec<Option<f32>> = got.iter().map(|d| d.map(|d| d.bbox[1])).collect();
        assert_eq!(ys, vec![Some(50.0), Some(80.0), Some(110.0)]);
    }

    #[test]
    fn a_level_without_candidates_is_missing_not_shifted() {
        let cands = vec![
            vec![det(0, 0.9, 20.0)],
            vec![],
            vec![det(2, 0.8, 80.0)],
            vec![det(3, 0.85, 110.0)],
        ];
        let got = choose_levels(&cands, 0.3);
        assert_eq!(got[0].unwrap().class, 0);
        assert_eq!(got[1], None);
        assert_eq!(got[2].unwrap().class, 2);
        assert_eq!(got[3].unwrap().bbox[1], 110.0);
    }

    #[test]
    fn two_levels_competing_for_one_box_do_not_share_it() {
        // Levels 0 and 1 both fire on the box at y 50; level 1 also has a
        // weaker box lower down. Joint choice: 0 → y 50, 1 → y 80.
        let cands = vec![
            vec![det(0, 0.7, 50.0)],
            vec![det(1, 0.8, 50.0), det(1, 0.5, 80.0)],
        ];
        let got = choose_levels(&cands, 0.3);
        assert_eq!(got[0].unwrap().bbox[1], 50.0);
        assert_eq!(got[1].unwrap().bbox[1], 80.0);
    }

    #[test]
    fn anatomical_decoding_thresholds_weak_levels() {
        // Two cells, two classes; class 1 only reaches 0.1.
        let out = ImageOutput {
            scores: vec![0.9, 0.1, 0.2, 0.05],
            boxes: vec![[0.0, 0.0, 10.0, 10.0], [0.0, 20.0, 10.0, 30.0]],
            num_classes: 2,
        };
        let got = decode_anatomical(&out, &DecodeConfig::default());
        assert_eq!(got[0].unwrap().bbox, [0.0, 0.0, 10.0, 10.0]);
        assert_eq!(got[1], None);
    }

    #[test]
    fn nms_keeps_one_box_per_object_per_class() {
        let out = ImageOutput {
            scores: vec![0.9, 0.8, 0.7, 0.0, 0.3, 0.0],
            boxes: vec![
                [0.0, 0.0, 10.0, 10.0],
                [1.0, 0.0, 11.0, 10.0],
                [50.0, 0.0, 60.0, 10.0],
            ],
            num_classes: 2,
        };
        let got = decode_nms(&out, &DecodeConfig::default());
        let summary: Vec<(usize, f32)> = got.iter().map(|d| (d.class, d.score)).collect();
        assert_eq!(summary, vec![(0, 0.9), (1, 0.8), (0, 0.3)]);
    }
}
