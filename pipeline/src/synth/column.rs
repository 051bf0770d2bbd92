//! The column of one sagittal slice as functions of the image row: centre
//! line, posterior body line, disc centres, and the canal narrowing and
//! cord signal that the labels ask for at each graded position.

use super::geometry::{RoundRect, VertebraShape};
use super::labels::LabelDraw;
use crate::anatomy::Position;

/// A polyline x(y) through points sorted by y, extended linearly at ends.
#[derive(Clone, Debug)]
pub struct Line {
    pts: Vec<(f32, f32)>,
}

impl Line {
    pub fn new(pts: Vec<(f32, f32)>) -> Self {
        Self { pts }
    }

    /// The polyline continued 200 px beyond both ends with `slope` (dx/dy)
    /// instead of the end segments' own slopes.
    pub fn extended(mut pts: Vec<(f32, f32)>, slope: f32) -> Self {
        let (first, last) = (pts[0], pts[pts.len() - 1]);
        pts.insert(0, (first.0 - 200.0, first.1 - 200.0 * slope));
        pts.push((last.0 + 200.0, last.1 + 200.0 * slope));
        Self { pts }
    }

    pub fn at(&self, y: f32) -> f32 {
        let p = &self.pts;
        let i = p
            .iter()
            .position(|q| q.0 > y)
            .unwrap_or(p.len())
            .clamp(1, p.len() - 1);
        let ((y0, x0), (y1, x1)) = (p[i - 1], p[i]);
        x0 + (x1 - x0) * (y - y0) / (y1 - y0).max(1e-3)
    }
}

/// A localised narrowing of the canal (or cord signal) along the rows.
#[derive(Clone, Copy, Debug)]
pub struct Bump {
    pub y: f32,
    pub half: f32,
    pub depth: f32,
}

impl Bump {
    pub fn at(&self, y: f32) -> f32 {
        self.depth / (1.0 + ((y - self.y) / self.half).powi(4))
    }
}

/// Canal indentation depth (px) for a continuous canal severity, given the
/// CSF thickness in front of the cord and the cord thickness: partial then
/// complete CSF effacement (grade 1), cord deformation (2 and 3).
pub fn canal_depth(g: f32, csf: f32, cord: f32) -> f32 {
    match g {
        g if g < 1.0 => 0.4 * csf * g,
        g if g < 2.0 => csf * (0.5 + 0.45 * (g - 1.0)),
        g if g < 3.0 => csf + cord * (0.08 + 0.2 * (g - 2.0)),
        g => csf + cord * (0.3 + 0.12 * (g - 3.0)),
    }
}

/// Cord signal increase for a continuous canal severity (grade 3 only).
pub fn cord_signal(g: f32) -> f32 {
    ((g - 2.75) / 0.8).clamp(0.0, 1.0) * 0.4
}

/// Posterior disc outline depth (px) for a continuous disc severity:
/// none, a broad bulge, a focal protrusion, an extrusion.
pub fn disc_depth(g: f32) -> f32 {
    match g {
        g if g < 1.0 => 0.25 * g,
        g if g < 2.0 => 0.45 + 0.5 * (g - 1.0),
        g if g < 3.0 => 1.05 + 0.9 * (g - 2.0),
        g => 2.2 + 1.6 * (g - 3.0),
    }
}

/// How much of a lateralised finding a slice shows: a paracentral
/// herniation is largest on its own side's slice and faint on the other.
pub fn side_factor(side: i8, slice: usize) -> f32 {
    match (side, slice) {
        (0, 1) => 1.0,
        (0, _) => 0.75,
        (_, 1) => 0.55,
        (s, 0) if s < 0 => 1.0,
        (s, 2) if s > 0 => 1.0,
        _ => 0.2,
    }
}

/// Row functions of one slice.
pub struct ColumnRows {
    pub centre: Line,
    pub posterior: Line,
    pub front: Line,
    /// Centre, up axis angle and half height of each disc, top to bottom.
    pub discs: [RoundRect; 5],
    pub canal_bumps: Vec<Bump>,
    pub cord_spots: Vec<Bump>,
}

fn face_offset(b: &RoundRect) -> f32 {
    b.hw / b.angle.cos()
}

/// The disc between two bodies: fills the gap between their endplates.
fn disc_between(a: &RoundRect, b: &RoundRect) -> RoundRect {
    let ((ua, va), _) = a.axes();
    let ((ub, vb), _) = b.axes();
    let low = (a.cx - ua * a.hh, a.cy - va * a.hh);
    let up = (b.cx + ub * b.hh, b.cy + vb * b.hh);
    let gap = ((up.0 - low.0).powi(2) + (up.1 - low.1).powi(2)).sqrt();
    let hh = gap / 2.0 + 0.7;
    RoundRect {
        cx: (low.0 + up.0) / 2.0,
        cy: (low.1 + up.1) / 2.0,
        hw: (a.hw + b.hw) / 2.0 * 0.97,
        hh,
        angle: (a.angle + b.angle) / 2.0,
        radius: hh.min(2.0),
    }
}

impl ColumnRows {
    pub fn new(
        vertebrae: &[VertebraShape; 6],
        labels: &LabelDraw,
        slice: usize,
        csf: f32,
        cord: f32,
    ) -> Self {
        let bodies: Vec<&RoundRect> = vertebrae.iter().map(|v| &v.body).collect();
        let (top, bottom) = (bodies[0], bodies[5]);
        let slope = (bottom.cx - top.cx) / (bottom.cy - top.cy);
        let line = |f: &dyn Fn(&RoundRect) -> f32| {
            Line::extended(bodies.iter().map(|b| (b.cy, f(b))).collect(), slope)
        };
        let centre = line(&|b| b.cx);
        let posterior = line(&|b| b.cx + face_offset(b));
        let front = line(&|b| b.cx - face_offset(b));
        let discs = std::array::from_fn(|d| disc_between(bodies[d], bodies[d + 1]));

        let mut canal_bumps = Vec::new();
        let mut cord_spots = Vec::new();
        for p in Position::ALL {
            let sev = labels.canal[p.index()].shown;
            let (y, half, side) = match p.disc_index() {
                Some(d) => (discs[d].cy, discs[d].hh + 1.5, labels.disc_side[d]),
                None => {
                    let b = bodies[p.index() / 2];
                    (b.cy, b.hh * 0.7, 0)
                }
            };
            let f = if slice == 1 {
                1.0
            } else {
                0.6 + 0.4 * side_factor(side, slice)
            };
            let depth = canal_depth(sev, csf, cord) * f;
            canal_bumps.push(Bump { y, half, depth });
            let spot = cord_signal(sev) * if slice == 1 { 1.0 } else { 0.45 };
            cord_spots.push(Bump {
                y,
                half: half + 1.0,
                depth: spot,
            });
        }
        Self {
            centre,
            posterior,
            front,
            discs,
            canal_bumps,
            cord_spots,
        }
    }

    pub fn narrowing(&self, y: f32) -> f32 {
        self.canal_bumps.iter().map(|b| b.at(y)).sum()
    }

    pub fn cord_signal(&self, y: f32) -> f32 {
        self.cord_spots.iter().map(|b| b.at(y)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths_grow_with_severity() {
        let mut last = -1.0;
        for i in 0..40 {
            let g = i as f32 / 10.0;
            let d = canal_depth(g, 2.2, 6.0);
            assert!(d >= last, "canal depth not monotone at {g}");
            last = d;
        }
        assert!(disc_depth(3.5) > disc_depth(2.5) && disc_depth(2.5) > disc_depth(1.5));
        let line = Line::new(vec![(0.0, 0.0), (10.0, 10.0)]);
        assert_eq!(line.at(5.0), 5.0);
        assert_eq!(line.at(20.0), 20.0);
    }
}
