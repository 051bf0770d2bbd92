//! Sagittal T2 rendering of one phantom slice: neck and head silhouette,
//! airway, posterior elements, the canal with CSF and cord (narrowed where
//! the canal grade asks), discs with their posterior outline, and the
//! vertebral bodies with dark cortex and medium marrow. Anterior is left.

use super::canvas::{Canvas, Ellipse};
use super::column::{disc_depth, side_factor, ColumnRows};
use super::geometry::RoundRect;
use super::Phantom;
use crate::anatomy::IMAGE_SIZE;

/// Draws sagittal slice `slice` (0, 1, 2 for slices 5, 6, 7).
pub fn render_sagittal(ph: &Phantom, slice: usize) -> Canvas {
    let look = &ph.look;
    let a = &ph.anatomy;
    let lateral = slice != 1;
    let cord = a.cord_ap * if lateral { 0.85 } else { 1.0 };
    let canal = a.canal_ap * if lateral { 0.96 } else { 1.0 };
    let csf = (canal - cord) / 2.0;
    let verts = &ph.geometry.slices[slice];
    let rows = ColumnRows::new(verts, &ph.labels, slice, csf, cord);
    let top = verts[0].bbox.y1 + 3.0;
    let mut c = Canvas::new(IMAGE_SIZE as usize, 0.0);

    // Neck and head outline, fat planes, airway.
    for y in 0..c.size {
        soft_tissue_row(&mut c, ph, &rows, y, top);
    }
    head(&mut c, ph, &rows, top, canal);
    face(&mut c, ph, &rows, top);
    posterior_elements(&mut c, ph, &rows, slice, canal);

    // Canal: CSF, narrowing, cord with its signal.
    for y in 0..c.size {
        canal_row(&mut c, ph, &rows, y as f32, top, (canal, cord));
    }
    atlas(&mut c, ph, verts[0].body, &rows, top, canal);

    // Discs with their posterior outline, then the bodies.
    for (d, disc) in rows.discs.iter().enumerate() {
        draw_disc(&mut c, ph, disc, d, slice);
    }
    for (v, shape) in verts.iter().enumerate() {
        let marrow = look.marrow * ph.anatomy.marrow[v];
        draw_bone(&mut c, &shape.body, look.cortex, marrow, 1.0);
        if let Some(dens) = shape.dens {
            draw_bone(&mut c, &dens, look.cortex, marrow, 0.9);
        }
    }
    c
}

/// A bone: dark cortex around a marrow core.
pub fn draw_bone(c: &mut Canvas, shape: &RoundRect, cortex: f32, marrow: f32, rim: f32) {
    c.fill(shape, cortex);
    c.fill(&shape.shrunk(rim), marrow);
}

fn soft_tissue_row(c: &mut Canvas, ph: &Phantom, rows: &ColumnRows, y: usize, top: f32) {
    let (look, a) = (&ph.look, &ph.anatomy);
    let yf = y as f32 + 0.5;
    let xc = rows.centre.at(yf);
    let above = (top - yf).max(0.0);
    let front = xc - a.neck_front + 0.12 * (yf - top).max(0.0) - 1.4 * (above - 15.0).max(0.0);
    let back = xc + a.neck_back + 0.1 * (yf - top) + 0.45 * above;
    c.fill_span(y, front.max(0.0), back, look.muscle);
    c.fill_span(y, front.max(0.0), front + 2.0, look.fat * 0.7);
    c.fill_span(y, back - a.fat_back, back, look.fat);
    let post = rows.posterior.at(yf);
    for (k, off) in [22.0f32, 34.0, 47.0].iter().enumerate() {
        let wave = 2.0 * (0.045 * yf + k as f32 * 1.7).sin();
        let x = post + off + a.canal_ap + wave + k as f32 * 0.08 * (yf - top);
        c.fill_span(y, x, x + 1.2, look.fat * 0.75);
    }
    let airway_back = rows.front.at(yf) - a.prevertebral;
    if yf > top - 35.0 {
        let bend = 0.5 * (top - 10.0 - yf).max(0.0);
        let w = a.airway + 0.3 * bend;
        c.fill_span(y, airway_back - w - bend, airway_back - bend, 0.015);
    }
}

fn head(c: &mut Canvas, ph: &Phantom, rows: &ColumnRows, top: f32, canal: f32) {
    let look = &ph.look;
    let (brain, csf) = (look.brain, look.csf);

    // Cerebrum above the tentorium, with sulci as thin bright folds.
    let cx = rows.centre.at(top) + 22.0;
    let cerebrum = Ellipse::new(cx, top - 72.0, 86.0, 38.0);
    c.fill(&cerebrum.grown(3.0), look.cortex);
    c.fill(&cerebrum.grown(1.5), csf * 0.8);
    c.fill_with(&cerebrum, |x, y| {
        let w = (0.7 * y + 3.0 * (0.11 * x).sin() + 1.5 * (0.31 * x).sin()).sin();
        brain + 0.2 * csf * (0.5 + 0.5 * w).powi(10)
    });

    // Cerebellum behind the brainstem: folia as concentric bright arcs.
    let post = rows.posterior.at(top - 20.0);
    let (kx, ky) = (post + canal + 13.0, top - 21.0);
    let cereb = Ellipse::new(kx, ky, 20.0, 15.0).rotated(0.25);
    c.fill(&cereb.grown(3.5), look.cortex);
    c.fill(&cereb.grown(1.8), csf * 0.9);
    let hub = (kx - 11.0, ky + 3.0);
    c.fill_with(&cereb, |x, y| {
        let d = ((x - hub.0).powi(2) + (y - hub.1).powi(2)).sqrt();
        brain * 0.85 + 0.4 * csf * (0.5 + 0.5 * (1.7 * d).sin()).powi(6)
    });
    c.fill(&Ellipse::new(kx - 3.0, top - 5.0, 9.0, 4.5), csf * 0.95);

    // Clivus rising in front of the brainstem from the dens tip.
    let angle = 0.7f32;
    let (sx, cy) = angle.sin_cos();
    let base = (rows.front.at(top) + 5.0, top - 3.0);
    let clivus = RoundRect {
        cx: base.0 - sx * 13.0,
        cy: base.1 - cy * 13.0,
        hw: 3.2,
        hh: 13.0,
        angle,
        radius: 2.0,
    };
    draw_bone(c, &clivus, look.cortex, look.marrow * 0.9, 1.0);
}

/// Tongue, mandible and hyoid in front of the airway.
fn face(c: &mut Canvas, ph: &Phantom, rows: &ColumnRows, top: f32) {
    let look = &ph.look;
    let front = rows.front.at(top + 10.0) - ph.anatomy.prevertebral - ph.anatomy.airway;
    let tongue = Ellipse::new(front - 22.0, top + 4.0, 20.0, 14.0).rotated(-0.4);
    c.fill(&tongue, look.muscle * 1.35);
    let jaw = RoundRect {
        cx: front - 36.0,
        cy: top + 24.0,
        hw: 4.0,
        hh: 11.0,
        angle: -0.9,
        radius: 3.0,
    };
    draw_bone(c, &jaw, look.cortex, look.marrow * 0.8, 1.2);
    let hyoid = RoundRect {
        cx: front - 12.0,
        cy: top + 40.0,
        hw: 3.5,
        hh: 1.8,
        angle: 0.2,
        radius: 1.5,
    };
    draw_bone(c, &hyoid, look.cortex, look.marrow * 0.8, 0.8);
}

/// C1's anterior and posterior arches beside the dens.
fn atlas(c: &mut Canvas, ph: &Phantom, c2: RoundRect, rows: &ColumnRows, top: f32, canal: f32) {
    let look = &ph.look;
    let y = top + 4.0;
    let front = rows.front.at(y) - 3.0;
    let ant = RoundRect {
        cx: front,
        cy: y,
        hw: 2.5,
        hh: 3.5,
        angle: c2.angle,
        radius: 2.0,
    };
    draw_bone(c, &ant, look.cortex, look.marrow, 0.8);
    let back = rows.posterior.at(y) + canal + 4.5;
    let post = RoundRect {
        cx: back,
        cy: y + 1.0,
        hw: 4.5,
        hh: 3.0,
        angle: 0.0,
        radius: 2.0,
    };
    draw_bone(c, &post, look.cortex, look.marrow, 0.8);
}

fn canal_row(c: &mut Canvas, ph: &Phantom, rows: &ColumnRows, y: f32, top: f32, dims: (f32, f32)) {
    let look = &ph.look;
    let (canal, cord) = dims;
    let above = (top - y).max(0.0);
    let canal = canal + (0.35 * above).min(canal * 1.2);
    let cord = cord + (0.25 * above).min(cord * 1.0);
    let xa = rows.posterior.at(y) + 0.8;
    let xp = xa + canal;
    let narrow = rows.narrowing(y);
    let (ind_a, ind_p) = (0.75 * narrow, 0.25 * narrow);
    let row = y as usize;
    c.fill_span(row, xa, xp, look.ligament);
    c.fill_span(row, xa + ind_a, xp - ind_p, look.csf);
    let cf0 = xa + (canal - cord) / 2.0;
    let cf = cf0.max(xa + ind_a);
    let cb = (cf0 + cord).min(xp - ind_p).max(cf + 1.0);
    let value = look.cord + rows.cord_signal(y);
    c.fill_span(row, cf, cb, value);
}

fn posterior_elements(c: &mut Canvas, ph: &Phantom, rows: &ColumnRows, slice: usize, canal: f32) {
    let look = &ph.look;
    let lengths = [20.0, 13.0, 13.0, 14.0, 17.0, 22.0];
    for (v, body) in ph.geometry.slices[slice].iter().enumerate() {
        let y = body.body.cy + 2.0;
        let x0 = rows.posterior.at(y) + 0.8 + canal;
        let len = if slice == 1 { lengths[v] } else { 6.0 };
        let tilt = 0.35 + 0.05 * v as f32;
        let (s, co) = tilt.sin_cos();
        let shape = RoundRect {
            cx: x0 + co * len / 2.0,
            cy: y + s * len / 2.0,
            hw: len / 2.0,
            hh: 3.0,
            angle: -tilt,
            radius: 2.0,
        };
        draw_bone(c, &shape, look.cortex, look.marrow * 0.75, 1.1);
    }
}

fn draw_disc(c: &mut Canvas, ph: &Phantom, disc: &RoundRect, d: usize, slice: usize) {
    let look = &ph.look;
    let sev = ph.labels.disc[d].shown;
    c.fill(disc, look.annulus);
    let ((_, _), (ax, ay)) = disc.axes();
    let nucleus = Ellipse::new(
        disc.cx - ax * 0.8,
        disc.cy - ay * 0.8,
        disc.hw * 0.55,
        disc.hh * 0.6,
    )
    .rotated(-disc.angle);
    c.fill(&nucleus, look.nucleus_at(sev));

    // Posterior outline: broad bulge, focal protrusion, migrating extrusion.
    let depth = disc_depth(sev) * side_factor(ph.labels.disc_side[d], slice);
    if depth < 0.2 {
        return;
    }
    let half = match sev {
        s if s < 2.0 => disc.hh + 0.8,
        s if s < 3.0 => 1.4,
        s => 1.6 + 2.0 * (s - 3.0),
    };
    let migrate = if sev >= 3.0 {
        (sev - 3.0) * 2.5 * if d.is_multiple_of(2) { 1.0 } else { -1.0 }
    } else {
        0.0
    };
    let (ux, uy) = (-disc.angle.sin(), -disc.angle.cos());
    let edge = (disc.cx + ax * disc.hw, disc.cy + ay * disc.hw);
    let blob = Ellipse::new(
        edge.0 + ax * (depth / 2.0 - 0.4) + ux * migrate,
        edge.1 + ay * (depth / 2.0 - 0.4) + uy * migrate,
        depth / 2.0 + 0.6,
        half,
    )
    .rotated(-disc.angle);
    let value = if sev >= 3.0 {
        look.nucleus_at(sev) * 0.8
    } else {
        look.annulus * 1.2
    };
    c.fill(&blob, value);
}
