//! A float canvas and the few shapes the phantoms are drawn with: rotated
//! rounded rectangles, ellipses and horizontal spans, each blended in with
//! an antialiased edge (coverage from a signed distance, or exact 1-D
//! coverage for spans). Values are T2 signal on a 0–1 scale.

use super::geometry::RoundRect;

/// A row-major `f32` image.
#[derive(Clone, Debug)]
pub struct Canvas {
    pub size: usize,
    pub data: Vec<f32>,
}

/// A rotated ellipse: centre, semi-axes along its own x and y, rotation.
#[derive(Clone, Copy, Debug)]
pub struct Ellipse {
    pub cx: f32,
    pub cy: f32,
    pub rx: f32,
    pub ry: f32,
    pub angle: f32,
}

impl Ellipse {
    pub fn new(cx: f32, cy: f32, rx: f32, ry: f32) -> Self {
        Self {
            cx,
            cy,
            rx,
            ry,
            angle: 0.0,
        }
    }

    pub fn rotated(mut self, angle: f32) -> Self {
        self.angle = angle;
        self
    }

    /// The same ellipse grown (or shrunk, negative) by `d` px on each side.
    pub fn grown(mut self, d: f32) -> Self {
        self.rx = (self.rx + d).max(0.1);
        self.ry = (self.ry + d).max(0.1);
        self
    }

    /// Approximate signed distance (exact on the axes), px.
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (x - self.cx, y - self.cy);
        let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
        let k = ((u / self.rx).powi(2) + (v / self.ry).powi(2)).sqrt();
        (k - 1.0) * self.rx.min(self.ry)
    }

    fn reach(&self) -> f32 {
        self.rx.max(self.ry) + 1.0
    }
}

impl RoundRect {
    /// Signed distance, px.
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (x - self.cx, y - self.cy);
        let (u, v) = (c * dx - s * dy, s * dx + c * dy);
        let qx = u.abs() - (self.hw - self.radius);
        let qy = v.abs() - (self.hh - self.radius);
        let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
        outside + qx.max(qy).min(0.0) - self.radius
    }

    /// The same rectangle shrunk by `d` px on each side.
    pub fn shrunk(mut self, d: f32) -> Self {
        self.hw = (self.hw - d).max(0.2);
        self.hh = (self.hh - d).max(0.2);
        self.radius = (self.radius - d).max(0.0);
        self
    }

    fn reach(&self) -> f32 {
        self.hw.hypot(self.hh) + 1.0
    }
}

/// Anything with a signed distance that can be painted.
pub trait Shape {
    fn distance(&self, x: f32, y: f32) -> f32;
    fn centre_reach(&self) -> (f32, f32, f32);
}

impl Shape for Ellipse {
    fn distance(&self, x: f32, y: f32) -> f32 {
        self.sdf(x, y)
    }
    fn centre_reach(&self) -> (f32, f32, f32) {
        (self.cx, self.cy, self.reach())
    }
}

impl Shape for RoundRect {
    fn distance(&self, x: f32, y: f32) -> f32 {
        self.sdf(x, y)
    }
    fn centre_reach(&self) -> (f32, f32, f32) {
        (self.cx, self.cy, self.reach())
    }
}

impl Canvas {
    pub fn new(size: usize, value: f32) -> Self {
        Self {
            size,
            data: vec![value; size * size],
        }
    }

    /// Blends `value` into the shape with an antialiased edge.
    pub fn fill(&mut self, shape: &impl Shape, value: f32) {
        self.fill_with(shape, |_, _| value);
    }

    /// Like [`Canvas::fill`] with a value that varies over the shape.
    pub fn fill_with(&mut self, shape: &impl Shape, value: impl Fn(f32, f32) -> f32) {
        let (cx, cy, r) = shape.centre_reach();
        let (x0, x1) = self.span(cx - r, cx + r);
        let (y0, y1) = self.span(cy - r, cy + r);
        for y in y0..y1 {
            let py = y as f32 + 0.5;
            for x in x0..x1 {
                let px = x as f32 + 0.5;
                let alpha = (0.5 - shape.distance(px, py)).clamp(0.0, 1.0);
                if alpha > 0.0 {
                    let p = &mut self.data[y * self.size + x];
                    *p += alpha * (value(px, py) - *p);
                }
            }
        }
    }

    /// Blends `value` over `[a, b)` of row `y` with exact pixel coverage.
    pub fn fill_span(&mut self, y: usize, a: f32, b: f32, value: f32) {
        if b <= a || y >= self.size {
            return;
        }
        let (x0, x1) = self.span(a, b);
        for x in x0..x1 {
            let cover = ((x + 1) as f32).min(b) - (x as f32).max(a);
            let alpha = cover.clamp(0.0, 1.0);
            let p = &mut self.data[y * self.size + x];
            *p += alpha * (value - *p);
        }
    }

    /// Integer pixel range covering `[a, b]`, clipped to the canvas.
    fn span(&self, a: f32, b: f32) -> (usize, usize) {
        let lo = a.floor().max(0.0) as usize;
        let hi = (b.ceil().max(0.0) as usize).min(self.size);
        (lo.min(hi), hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipse_area_matches_pi_ab() {
        let mut c = Canvas::new(64, 0.0);
        c.fill(&Ellipse::new(32.0, 32.0, 10.0, 6.0), 1.0);
        let area: f32 = c.data.iter().sum();
        let expected = std::f32::consts::PI * 60.0;
        assert!((area - expected).abs() / expected < 0.03, "{area}");
    }

    #[test]
    fn span_coverage_is_exact() {
        let mut c = Canvas::new(8, 0.0);
        c.fill_span(2, 1.5, 4.25, 1.0);
        let row = &c.data[16..24];
        assert_eq!(row[1], 0.5);
        assert_eq!(row[2], 1.0);
        assert_eq!(row[4], 0.25);
        assert!((row.iter().sum::<f32>() - 2.75).abs() < 1e-6);
    }
}
