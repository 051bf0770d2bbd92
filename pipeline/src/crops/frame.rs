//! Where each patch is cut: completes the C2–C7 boxes when the detector
//! missed a level, and derives for each of the eleven positions a local
//! frame (centre, column axis, extent) from the body centres.
//!
//! Missing levels: a level absent on one slice takes the mean of its boxes
//! on the other slices; a level absent on every slice is linearly
//! interpolated from the nearest present levels above and below (or
//! extrapolated from the two nearest on one side). At least two levels must
//! be present somewhere.

use crate::anatomy::Position;
use crate::data::{PixelBox, SpineBoxes};

/// A rotated rectangle of the source image: `axis` is the unit vector
/// down the column (patch rows follow it), `height` and `width` the
/// extents in source pixels along and across it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub centre: (f32, f32),
    pub axis: (f32, f32),
    pub height: f32,
    pub width: f32,
}

impl Frame {
    /// Angle of the column axis from the image vertical, degrees.
    pub fn angle_degrees(&self) -> f32 {
        self.axis.0.atan2(self.axis.1).to_degrees()
    }
}

/// The six boxes on each slice with every gap filled, and which were filled.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// `boxes[slice][vertebra]`.
    pub boxes: [[PixelBox; 6]; 3],
    /// `filled[vertebra][slice]`: true where the box was not detected.
    pub filled: [[bool; 3]; 6],
}

impl Column {
    /// Body centres averaged over the three slices, C2 first.
    pub fn centres(&self) -> [(f32, f32); 6] {
        std::array::from_fn(|v| {
            let (mut x, mut y) = (0.0, 0.0);
            for slice in &self.boxes {
                let c = slice[v].center();
                x += c.0 / 3.0;
                y += c.1 / 3.0;
            }
            (x, y)
        })
    }
}

/// Completes `boxes` as described in the module header.
pub fn complete(boxes: &SpineBoxes) -> Result<Column, String> {
    let mut filled = [[false; 3]; 6];
    let mut per_level: [Option<[f32; 4]>; 6] = [None; 6];
    for (v, row) in boxes.levels.iter().enumerate() {
        let present: Vec<PixelBox> = row.iter().flatten().map(|b| b.bbox).collect();
        per_level[v] = mean_box(&present);
    }
    let known: Vec<usize> = (0..6).filter(|&v| per_level[v].is_some()).collect();
    if known.len() < 2 {
        return Err(format!(
            "only {} of the six levels C2–C7 were found; at least two are needed to place crops",
            known.len()
        ));
    }
    let mut out = [[PixelBox::new(0.0, 0.0, 1.0, 1.0); 6]; 3];
    for v in 0..6 {
        let fallback = per_level[v].unwrap_or_else(|| interpolate(&per_level, &known, v));
        for s in 0..3 {
            out[s][v] = match boxes.levels[v][s] {
                Some(b) => b.bbox,
                None => {
                    filled[v][s] = true;
                    PixelBox::new(fallback[0], fallback[1], fallback[2], fallback[3])
                }
            };
        }
    }
    Ok(Column { boxes: out, filled })
}

fn mean_box(boxes: &[PixelBox]) -> Option<[f32; 4]> {
    if boxes.is_empty() {
        return None;
    }
    let n = boxes.len() as f32;
    let sum = boxes.iter().fold([0.0; 4], |a, b| {
        [a[0] + b.x1, a[1] + b.y1, a[2] + b.x2, a[3] + b.y2]
    });
    Some(sum.map(|s| s / n))
}

/// Linear interpolation in level index between the nearest known levels
/// around `v`, or extrapolation from the two nearest on one side.
fn interpolate(levels: &[Option<[f32; 4]>; 6], known: &[usize], v: usize) -> [f32; 4] {
    let above = known.iter().rev().find(|&&k| k < v).copied();
    let below = known.iter().find(|&&k| k > v).copied();
    let (a, b) = match (above, below) {
        (Some(a), Some(b)) => (a, b),
        (None, _) => (known[0], known[1]),
        (_, None) => (known[known.len() - 2], known[known.len() - 1]),
    };
    let (la, lb) = (levels[a].expect("known"), levels[b].expect("known"));
    let t = (v as f32 - a as f32) / (b as f32 - a as f32);
    std::array::from_fn(|i| la[i] + t * (lb[i] - la[i]))
}

/// The frame of one graded position: a body is centred on its own centre
/// with the axis through its neighbours; a disc is centred midway between
/// the two bodies with the axis joining them. The side is `span` times
/// the local level spacing, and the centre moves `shift` spacings across
/// the column.
pub fn position_frame(
    centres: &[(f32, f32); 6],
    position: Position,
    span: f32,
    shift: f32,
) -> Frame {
    let upper = position.upper().index();
    let (centre, from, to) = match position.lower() {
        Some(lower) => {
            let (a, b) = (centres[upper], centres[lower.index()]);
            (((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0), a, b)
        }
        None => {
            let (lo, hi) = (upper.saturating_sub(1), (upper + 1).min(5));
            (centres[upper], centres[lo], centres[hi])
        }
    };
    let steps = match position.lower() {
        Some(_) => 1.0,
        None => ((upper + 1).min(5) - upper.saturating_sub(1)) as f32,
    };
    let (axis, length) = unit(from, to);
    let spacing = (length / steps).max(4.0);
    let side = span * spacing;
    // `across` is +x of the upright patch (see `warp::cut`).
    let across = (axis.1, -axis.0);
    let centre = (
        centre.0 + shift * spacing * across.0,
        centre.1 + shift * spacing * across.1,
    );
    Frame {
        centre,
        axis,
        height: side,
        width: side,
    }
}

/// The frame of the whole-column image: C2 to C7 plus `margin` of that
/// length at each end, `width / height` as the output's aspect ratio.
pub fn column_frame(centres: &[(f32, f32); 6], margin: f32, aspect: f32) -> Frame {
    let (top, bottom) = (centres[0], centres[5]);
    let (axis, length) = unit(top, bottom);
    let height = length.max(8.0) * (1.0 + 2.0 * margin);
    let centre = ((top.0 + bottom.0) / 2.0, (top.1 + bottom.1) / 2.0);
    Frame {
        centre,
        axis,
        height,
        width: height * aspect,
    }
}

/// Unit vector from `a` to `b` (straight down when they coincide) and the
/// distance.
fn unit(a: (f32, f32), b: (f32, f32)) -> ((f32, f32), f32) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-3 {
        ((0.0, 1.0), 0.0)
    } else {
        ((dx / len, dy / len), len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ScoredBox;

    fn spine(xs: [f32; 6]) -> SpineBoxes {
        let mut s = SpineBoxes::empty("p");
        for (v, x) in xs.into_iter().enumerate() {
            let y = 40.0 + 24.0 * v as f32;
            let b = PixelBox::new(x - 9.0, y - 9.0, x + 9.0, y + 9.0);
            s.levels[v] = [Some(ScoredBox {
                bbox: b,
                score: 1.0,
            }); 3];
        }
        s
    }

    #[test]
    fn missing_levels_come_from_other_slices_then_neighbours() {
        let mut s = spine([100.0; 6]);
        s.levels[2][0] = None; // C4 on slice 5 only
        s.levels[3] = [None; 3]; // C5 everywhere
        let col = complete(&s).unwrap();
        assert_eq!(col.boxes[0][2], s.levels[2][1].unwrap().bbox);
        let c5 = col.boxes[1][3].center();
        assert!(
            (c5.0 - 100.0).abs() < 1e-4 && (c5.1 - 112.0).abs() < 1e-4,
            "{c5:?}"
        );
        assert!(col.filled[3].iter().all(|&f| f) && col.filled[2][0] && !col.filled[2][1]);
    }

    #[test]
    fn end_levels_are_extrapolated_and_one_level_is_an_error() {
        let mut s = spine([100.0; 6]);
        s.levels[5] = [None; 3];
        let c7 = complete(&s).unwrap().boxes[1][5].center();
        assert!((c7.1 - 160.0).abs() < 1e-4, "{c7:?}");
        let mut lone = SpineBoxes::empty("p");
        lone.levels[0] = s.levels[0];
        assert!(complete(&lone).is_err());
    }

    #[test]
    fn disc_frames_sit_between_their_two_bodies() {
        let centres = complete(&spine([100.0; 6])).unwrap().centres();
        let f = position_frame(&centres, Position::C4C5, 2.0, 0.0);
        assert_eq!(f.centre, (100.0, 100.0)); // C4 at 88, C5 at 112
        assert_eq!(f.axis, (0.0, 1.0));
        assert!((f.height - 48.0).abs() < 1e-4);
        let body = position_frame(&centres, Position::C2, 2.0, 0.0);
        let moved = position_frame(&centres, Position::C2, 2.0, 0.5);
        assert_eq!(moved.centre, (112.0, 40.0), "half a spacing toward +x");
        assert_eq!(body.centre, (100.0, 40.0));
    }
}
