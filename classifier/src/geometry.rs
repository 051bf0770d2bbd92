//! Box-geometry features of the whole spine: from the six C2–C7 boxes of
//! the mid-sagittal slice, the shape of the column (offsets of the centres
//! from the C2–C7 line, inter-level angles and their changes), step-offs of
//! the posterior edges between neighbours and the relative box sizes.

/// One slice's six boxes, C2 first, each `[x1, y1, x2, y2]` in pixels.
pub type ColumnBoxes = [[f32; 4]; 6];

/// Length of the vector returned by [`geometry_features`].
pub const GEOMETRY_FEATURES: usize = 39;

/// Computes the geometry features. Distances are divided by the C2–C7
/// centre distance so that they do not depend on patient size or zoom;
/// angles are in radians, measured from the image vertical.
///
/// Layout: centre offsets from the C2–C7 line (6), segment angles (5),
/// angle changes (4), posterior-edge offsets (6), posterior step-offs
/// between neighbours (5), box heights (6), box widths (6), tilt of the
/// C2–C7 line (1).
pub fn geometry_features(boxes: &ColumnBoxes) -> [f32; GEOMETRY_FEATURES] {
    let centres: Vec<(f32, f32)> = boxes
        .iter()
        .map(|b| ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0))
        .collect();
    let posterior: Vec<(f32, f32)> = boxes.iter().map(|b| (b[2], (b[1] + b[3]) / 2.0)).collect();
    let frame = LineFrame::new(centres[0], centres[5]);

    let offsets: Vec<f32> = centres.iter().map(|&c| frame.offset(c)).collect();
    let angles: Vec<f32> = centres
        .windows(2)
        .map(|w| segment_angle(w[0], w[1]))
        .collect();
    let turns: Vec<f32> = angles.windows(2).map(|w| w[1] - w[0]).collect();
    let post: Vec<f32> = posterior.iter().map(|&p| frame.offset(p)).collect();
    let steps: Vec<f32> = post.windows(2).map(|w| w[1] - w[0]).collect();
    let heights: Vec<f32> = boxes.iter().map(|b| (b[3] - b[1]) / frame.length).collect();
    let widths: Vec<f32> = boxes.iter().map(|b| (b[2] - b[0]) / frame.length).collect();
    let tilt = segment_angle(centres[0], centres[5]);

    let mut out = [0f32; GEOMETRY_FEATURES];
    let all = [
        offsets,
        angles,
        turns,
        post,
        steps,
        heights,
        widths,
        vec![tilt],
    ];
    for (slot, value) in out.iter_mut().zip(all.into_iter().flatten()) {
        *slot = value;
    }
    out
}

/// Angle of the segment from `a` to `b` against the downward vertical.
fn segment_angle(a: (f32, f32), b: (f32, f32)) -> f32 {
    (b.0 - a.0).atan2(b.1 - a.1)
}

/// The line through the C2 and C7 centres, with a unit normal.
struct LineFrame {
    origin: (f32, f32),
    normal: (f32, f32),
    length: f32,
}

impl LineFrame {
    fn new(top: (f32, f32), bottom: (f32, f32)) -> Self {
        let (dx, dy) = (bottom.0 - top.0, bottom.1 - top.1);
        let length = (dx * dx + dy * dy).sqrt().max(1.0);
        Self {
            origin: top,
            normal: (dy / length, -dx / length),
            length,
        }
    }

    /// Signed distance from the line over the line's length; positive to
    /// the right of the downward direction in image coordinates (+x for a
    /// vertical column).
    fn offset(&self, p: (f32, f32)) -> f32 {
        let (x, y) = (p.0 - self.origin.0, p.1 - self.origin.1);
        (x * self.normal.0 + y * self.normal.1) / self.length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(xs: [f32; 6]) -> ColumnBoxes {
        std::array::from_fn(|i| {
            let y = 50.0 + 20.0 * i as f32;
            [xs[i] - 8.0, y - 8.0, xs[i] + 8.0, y + 8.0]
        })
    }

    #[test]
    fn straight_column_has_no_offsets_or_turns() {
        let f = geometry_features(&column([100.0; 6]));
        assert!(f[..6].iter().all(|v| v.abs() < 1e-6));
        assert!(f[11..15].iter().all(|v| v.abs() < 1e-6));
        assert!((f[27] - 16.0 / 100.0).abs() < 1e-6, "height over length");
    }

    #[test]
    fn lordosis_bulges_to_one_side() {
        // Mid-column centres shifted to -x (anterior in the usual view).
        let f = geometry_features(&column([100.0, 96.0, 93.0, 93.0, 96.0, 100.0]));
        assert!(f[2] < 0.0 && f[3] < 0.0, "offsets {:?}", &f[..6]);
        assert_eq!(f[0], 0.0);
        assert!(f[5].abs() < 1e-6);
    }

    #[test]
    fn a_step_off_shows_between_the_shifted_neighbours() {
        let f = geometry_features(&column([100.0, 100.0, 100.0, 106.0, 106.0, 106.0]));
        let steps = &f[21..26];
        let biggest = steps
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert_eq!(biggest, 2, "the C4–C5 step, steps {steps:?}");
    }
}
