//! Target assignment: which cells learn which ground-truth box.
//!
//! Centre prior in the manner of FCOS with centre sampling: a cell is a
//! candidate for a box when its centre lies inside the box and within
//! `center_radius` strides of the box centre, on both strides. A cell wanted
//! by several boxes goes to the one whose centre is nearest (distance
//! measured in box sizes); every box keeps at least its nearest cell. Boxes
//! that are the same object under another label (IoU ≥ `same_object_iou`,
//! e.g. two disorders on one disc) share their cells' class targets.

use crate::config::LossConfig;

/// A ground-truth box in input pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GtBox {
    pub class: usize,
    /// `x1, y1, x2, y2`.
    pub bbox: [f32; 4],
}

/// The targets of one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct CellTarget {
    /// Index of the box this cell regresses.
    pub gt: usize,
    /// Classes this cell should score (the box's own class first).
    pub classes: Vec<usize>,
}

/// Intersection over union of two `x1, y1, x2, y2` boxes.
pub fn box_iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Squared centre distance of a cell to a box, in units of the box size;
/// `None` when the cell is not a candidate for the box.
fn candidate_cost(point: &[f32; 3], gt: &GtBox, radius: f32) -> Option<f32> {
    let [x, y, stride] = *point;
    let [x1, y1, x2, y2] = gt.bbox;
    let inside = x > x1 && x < x2 && y > y1 && y < y2;
    let (cx, cy) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let near = (x - cx).abs() <= radius * stride && (y - cy).abs() <= radius * stride;
    let (w, h) = ((x2 - x1).max(1e-3), (y2 - y1).max(1e-3));
    let cost = ((x - cx) / w).powi(2) + ((y - cy) / h).powi(2);
    (inside && near).then_some(cost)
}

/// Assigns cells (`points`: `x, y, stride` per cell) to boxes of one image.
/// Returns one entry per cell: `None` for background.
pub fn assign(points: &[[f32; 3]], gts: &[GtBox], cfg: &LossConfig) -> Vec<Option<CellTarget>> {
    // Cheapest box per cell.
    let mut owner: Vec<Option<(usize, f32)>> = vec![None; points.len()];
    for (g, gt) in gts.iter().enumerate() {
        for (p, point) in points.iter().enumerate() {
            if let Some(cost) = candidate_cost(point, gt, cfg.center_radius) {
                if owner[p].is_none_or(|(_, best)| cost < best) {
                    owner[p] = Some((g, cost));
                }
            }
        }
    }

    // A box that lost every cell (and shares none through the same object)
    // takes back its nearest one.
    for (g, gt) in gts.iter().enumerate() {
        let covered =
            |og: usize| og == g || box_iou(&gts[og].bbox, &gt.bbox) >= cfg.same_object_iou;
        if owner.iter().any(|o| o.is_some_and(|(og, _)| covered(og))) {
            continue;
        }
        if let Some(p) = nearest_cell(points, gt) {
            owner[p] = Some((g, 0.0));
        }
    }

    owner
        .into_iter()
        .map(|o| o.map(|(g, _)| cell_target(g, gts, cfg.same_object_iou)))
        .collect()
}

/// The cell whose centre is nearest the box centre, on the finest stride
/// whose cells can fall inside it.
fn nearest_cell(points: &[[f32; 3]], gt: &GtBox) -> Option<usize> {
    let (cx, cy) = (
        (gt.bbox[0] + gt.bbox[2]) / 2.0,
        (gt.bbox[1] + gt.bbox[3]) / 2.0,
    );
    let dist = |p: &[f32; 3]| (p[0] - cx).powi(2) + (p[1] - cy).powi(2);
    points
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| (dist(a), a[2]).partial_cmp(&(dist(b), b[2])).unwrap())
        .map(|(i, _)| i)
}

fn cell_target(g: usize, gts: &[GtBox], same_object_iou: f32) -> CellTarget {
    let mut classes = vec![gts[g].class];
    for (o, other) in gts.iter().enumerate() {
        let same = o != g && box_iou(&gts[g].bbox, &other.bbox) >= same_object_iou;
        if same && !classes.contains(&other.class) {
            classes.push(other.class);
        }
    }
    CellTarget { gt: g, classes }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4×4 grid of stride-8 cells (centres 4, 12, 20, 28).
    fn grid() -> Vec<[f32; 3]> {
        (0..16)
            .map(|i| [(i % 4) as f32 * 8.0 + 4.0, (i / 4) as f32 * 8.0 + 4.0, 8.0])
            .collect()
    }

    fn owners(targets: &[Option<CellTarget>]) -> Vec<Option<usize>> {
        targets.iter().map(|t| t.as_ref().map(|t| t.gt)).collect()
    }

    #[test]
    fn cells_inside_the_box_near_its_centre() {
        let gts = [GtBox {
            class: 2,
            bbox: [0.0, 0.0, 16.0, 16.0],
        }];
        let t = assign(&grid(), &gts, &LossConfig::default());
        let expect: Vec<Option<usize>> = (0..16)
            .map(|i| [0, 1, 4, 5].contains(&i).then_some(0))
            .collect();
        assert_eq!(owners(&t), expect);
        assert_eq!(t[0].as_ref().unwrap().classes, vec![2]);
    }

    #[test]
    fn overlapping_boxes_split_by_nearest_centre() {
        // Box 0 spans columns 0–2, box 1 columns 1–3, rows 0 only.
        let gts = [
            GtBox {
                class: 0,
                bbox: [0.0, 0.0, 24.0, 8.0],
            },
            GtBox {
                class: 1,
                bbox: [8.0, 0.0, 32.0, 8.0],
            },
        ];
        let t = assign(&grid(), &gts, &LossConfig::default());
        // Centres: box 0 at x 12 (cell 1), box 1 at x 20 (cell 2).
        assert_eq!(&owners(&t)[..4], &[Some(0), Some(0), Some(1), Some(1)]);
        assert!(owners(&t)[4..].iter().all(Option::is_none));
    }

    #[test]
    fn two_classes_on_one_object_share_its_cells() {
        let bbox = [0.0, 0.0, 16.0, 16.0];
        let gts = [GtBox { class: 4, bbox }, GtBox { class: 1, bbox }];
        let t = assign(&grid(), &gts, &LossConfig::default());
        for i in [0, 1, 4, 5] {
            let cell = t[i].as_ref().unwrap();
            assert_eq!(cell.gt, 0, "ties go to the first box");
            assert_eq!(cell.classes, vec![4, 1]);
        }
        assert_eq!(t.iter().flatten().count(), 4);
    }

    #[test]
    fn a_box_smaller_than_a_cell_keeps_its_nearest_cell() {
        // No cell centre lies inside; four are equally near (16, 16) and
        // the first of them, cell 5 at (12, 12), wins.
        let gts = [GtBox {
            class: 0,
            bbox: [13.0, 13.0, 19.0, 19.0],
        }];
        let t = assign(&grid(), &gts, &LossConfig::default());
        assert_eq!(t.iter().flatten().count(), 1);
        assert_eq!(t[5].as_ref().unwrap().gt, 0);
    }

    #[test]
    fn iou_of_known_boxes() {
        let a = [0.0, 0.0, 10.0, 10.0];
        assert!((box_iou(&a, &[5.0, 0.0, 15.0, 10.0]) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(box_iou(&a, &[20.0, 20.0, 30.0, 30.0]), 0.0);
    }
}
