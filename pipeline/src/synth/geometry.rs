//! Column geometry of one phantom: where each vertebral body sits on each
//! sagittal slice, its size and tilt, and the box that the official files
//! would give it (true extents padded by 3 px). Sampled from the fitted
//! statistics in `stats`, with the curvature and step-off of the labels.

use super::labels::LabelDraw;
use super::stats::*;
use crate::data::{PixelBox, ScoredBox, SpineBoxes};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Corner radius of a vertebral body, px.
const BODY_RADIUS: f32 = 1.6;
/// Smallest true gap left between two bodies for the disc, px.
const MIN_DISC_GAP: f32 = 1.5;

/// A rotated rounded rectangle: centre, half sizes, rotation (radians,
/// positive turns the body's up axis towards +x) and corner radius.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundRect {
    pub cx: f32,
    pub cy: f32,
    pub hw: f32,
    pub hh: f32,
    pub angle: f32,
    pub radius: f32,
}

impl RoundRect {
    /// Exact axis-aligned half extents of the rotated rounded rectangle.
    pub fn half_extents(&self) -> (f32, f32) {
        let (s, c) = (self.angle.sin().abs(), self.angle.cos().abs());
        let (a, b) = (self.hw - self.radius, self.hh - self.radius);
        (a * c + b * s + self.radius, a * s + b * c + self.radius)
    }

    /// Axis-aligned true extents.
    pub fn extents(&self) -> PixelBox {
        let (ex, ey) = self.half_extents();
        PixelBox::new(self.cx - ex, self.cy - ey, self.cx + ex, self.cy + ey)
    }

    /// Solves half sizes so that the rotated shape has the given extents.
    fn fitted(cx: f32, cy: f32, ex: f32, ey: f32, angle: f32, radius: f32) -> Self {
        let (s, c) = (angle.sin().abs(), angle.cos().abs());
        let det = c * c - s * s;
        let (px, py) = (ex - radius, ey - radius);
        let a = ((c * px - s * py) / det).max(1.0);
        let b = ((c * py - s * px) / det).max(1.0);
        Self {
            cx,
            cy,
            hw: a + radius,
            hh: b + radius,
            angle,
            radius,
        }
    }

    /// Unit vector of the shape's up axis (towards the head) and its
    /// anterior-posterior axis.
    pub fn axes(&self) -> ((f32, f32), (f32, f32)) {
        let (s, c) = self.angle.sin_cos();
        ((-s, -c), (c, -s))
    }
}

/// One vertebra on one slice: its body, C2's dens, and the official box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VertebraShape {
    pub body: RoundRect,
    pub dens: Option<RoundRect>,
    pub bbox: PixelBox,
}

/// The column of one phantom on slices 5, 6, 7.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnGeometry {
    /// `slices[s][v]`, slices in the order 5, 6, 7, vertebrae C2..C7.
    pub slices: [[VertebraShape; 6]; 3],
}

impl ColumnGeometry {
    pub fn boxes(&self, id: &str) -> SpineBoxes {
        let mut out = SpineBoxes::empty(id);
        for (s, slice) in self.slices.iter().enumerate() {
            for (v, shape) in slice.iter().enumerate() {
                out.levels[v][s] = Some(ScoredBox {
                    bbox: shape.bbox,
                    score: 1.0,
                });
            }
        }
        out
    }

    /// Mid-slice body centres, C2..C7.
    pub fn mid_centres(&self) -> [(f32, f32); 6] {
        self.slices[1].map(|v| (v.body.cx, v.body.cy))
    }
}

fn normal(rng: &mut impl Rng) -> f32 {
    StandardNormal.sample(rng)
}

/// Target box of each vertebra on the mid slice: centre and size.
struct Targets {
    centre: [(f32, f32); 6],
    size: [(f32, f32); 6],
}

fn correlated(rng: &mut impl Rng, corr: f32) -> [f32; 6] {
    let common = normal(rng);
    std::array::from_fn(|_| corr.sqrt() * common + (1.0 - corr).sqrt() * normal(rng))
}

fn mid_targets(labels: &LabelDraw, rng: &mut impl Rng) -> Targets {
    let mean_y = CENTER_Y.iter().sum::<f32>() / 6.0;
    let mean_x = CENTER_X.iter().sum::<f32>() / 6.0;
    let col_x = mean_x + COLUMN_X_SD * normal(rng);
    let col_y = mean_y + COLUMN_Y_SD * normal(rng);
    let scale = 1.0 + SPAN_REL_SD * normal(rng);
    let tilt = TILT_MEAN + TILT_SD * normal(rng);

    // Heights along the column: scaled mean layout plus a small random walk.
    let mut walk = 0.0;
    let mut ys: [f32; 6] = std::array::from_fn(|v| {
        walk += if v > 0 { GAP_SD * normal(rng) } else { 0.0 };
        scale * (CENTER_Y[v] - mean_y) + walk
    });
    let shift = ys.iter().sum::<f32>() / 6.0 - col_y;
    ys.iter_mut().for_each(|y| *y -= shift);

    // Curvature: the class's mean profile plus a bow; step-off below a level.
    let qd = labels.qd as usize;
    let mut xs: [f32; 6] = std::array::from_fn(|v| {
        let profile = PROFILE_BY_QD[qd][v] + labels.bow * BOW_SHAPE[v];
        tilt * (ys[v] - col_y) + profile + 0.3 * normal(rng)
    });
    for x in xs.iter_mut().skip(labels.step_level) {
        *x += labels.step;
    }
    let shift = xs.iter().sum::<f32>() / 6.0 - col_x;
    xs.iter_mut().for_each(|x| *x -= shift);

    let wz = correlated(rng, BOX_W_LEVEL_CORR);
    let hz = correlated(rng, BOX_H_LEVEL_CORR);
    let size =
        std::array::from_fn(|v| (BOX_W[v] + BOX_W_SD * wz[v], BOX_H[v] + BOX_H_SD[v] * hz[v]));
    Targets {
        centre: std::array::from_fn(|v| (xs[v], ys[v])),
        size,
    }
}

/// Tilt of each body: the local direction of the column (dx/dy).
fn body_angles(centre: &[(f32, f32); 6]) -> [f32; 6] {
    std::array::from_fn(|v| {
        let (a, b) = (v.saturating_sub(1), (v + 1).min(5));
        let (dx, dy) = (centre[b].0 - centre[a].0, centre[b].1 - centre[a].1);
        (dx / dy).atan()
    })
}

/// Builds a vertebra whose true extents (box minus padding) are `size`.
fn vertebra(v: usize, centre: (f32, f32), size: (f32, f32), angle: f32) -> VertebraShape {
    let (ex, ey) = (
        (size.0 / 2.0 - BOX_PAD).max(3.0),
        (size.1 / 2.0 - BOX_PAD).max(3.0),
    );
    if v != 0 {
        let body = RoundRect::fitted(centre.0, centre.1, ex, ey, angle, BODY_RADIUS);
        return with_box(body, None);
    }
    // C2: a body in the lower part and the dens rising from it.
    let body_ey = (ey * 0.5).max(4.0);
    let body = RoundRect::fitted(centre.0, centre.1 + ey - body_ey, ex, body_ey, angle, 2.0);
    let ((ux, uy), (ax, ay)) = body.axes();
    let dens_hh = (ey * 1.05 - body_ey).max(2.0);
    let lift = body.hh + dens_hh * 0.8;
    let dens = RoundRect {
        cx: body.cx + ux * lift + ax * body.hw * 0.2,
        cy: body.cy + uy * lift + ay * body.hw * 0.2,
        hw: body.hw * 0.42,
        hh: dens_hh,
        angle,
        radius: body.hw * 0.4,
    };
    with_box(body, Some(dens))
}

fn with_box(body: RoundRect, dens: Option<RoundRect>) -> VertebraShape {
    let mut e = body.extents();
    if let Some(d) = dens {
        let de = d.extents();
        e = PixelBox::new(
            e.x1.min(de.x1),
            e.y1.min(de.y1),
            e.x2.max(de.x2),
            e.y2.max(de.y2),
        );
    }
    let limit = crate::anatomy::IMAGE_SIZE as f32;
    let bbox = PixelBox::new(
        (e.x1 - BOX_PAD).max(0.0),
        (e.y1 - BOX_PAD).max(0.0),
        (e.x2 + BOX_PAD).min(limit),
        (e.y2 + BOX_PAD).min(limit),
    );
    VertebraShape { body, dens, bbox }
}

/// Shrinks heights where two bodies would leave no room for the disc.
fn keep_disc_gaps(centre: &[(f32, f32); 6], size: &mut [(f32, f32); 6]) {
    for v in 0..5 {
        let room = centre[v + 1].1 - centre[v].1 + 2.0 * BOX_PAD;
        let need = (size[v].1 + size[v + 1].1) / 2.0 + MIN_DISC_GAP;
        if need > room {
            let cut = need - room;
            size[v].1 -= cut / 2.0;
            size[v + 1].1 -= cut / 2.0;
        }
    }
}

fn slice_vertebrae(centre: [(f32, f32); 6], mut size: [(f32, f32); 6]) -> [VertebraShape; 6] {
    keep_disc_gaps(&centre, &mut size);
    let angles = body_angles(&centre);
    std::array::from_fn(|v| vertebra(v, centre[v], size[v], angles[v]))
}

/// A lateral slice: the mid layout moved and resized by the fitted
/// slice-to-slice variation.
fn lateral(mid: &Targets, rng: &mut impl Rng) -> [VertebraShape; 6] {
    let centre = std::array::from_fn(|v| {
        let (x, y) = mid.centre[v];
        let dy = LATERAL_DY_MEAN[v] + LATERAL_DY_SD[v] * normal(rng);
        (x + LATERAL_DX_SD * normal(rng), y + dy)
    });
    let size = std::array::from_fn(|v| {
        let (w, h) = mid.size[v];
        let dw = LATERAL_DW_MEAN + LATERAL_DW_SD * normal(rng);
        let dh = LATERAL_DH_MEAN[v] + LATERAL_DH_SD[v] * normal(rng);
        (w + dw, h + dh.max(-0.4 * h))
    });
    slice_vertebrae(centre, size)
}

/// Samples the column of one phantom.
pub fn sample_geometry(labels: &LabelDraw, rng: &mut impl Rng) -> ColumnGeometry {
    let mid = mid_targets(labels, rng);
    let left = lateral(&mid, rng);
    let right = lateral(&mid, rng);
    let centre = mid.centre;
    ColumnGeometry {
        slices: [left, slice_vertebrae(centre, mid.size), right],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_rect_has_requested_extents() {
        let r = RoundRect::fitted(100.0, 100.0, 7.0, 6.0, 0.2, 1.5);
        let (ex, ey) = r.half_extents();
        assert!(
            (ex - 7.0).abs() < 1e-4 && (ey - 6.0).abs() < 1e-4,
            "{ex} {ey}"
        );
    }
}
