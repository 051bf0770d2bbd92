//! Axial T2 rendering at one graded position (anterior up): the neck with
//! its fat and muscles, airway and vessels, the vertebral body or disc with
//! its posterior outline, the canal with CSF and cord, and the posterior
//! arch. Canal narrowing, cord flattening and cord signal follow the same
//! continuous severities as the sagittal slices, seen in cross-section.

use super::canvas::{Canvas, Ellipse};
use super::column::{cord_signal, disc_depth};
use super::geometry::RoundRect;
use super::render::draw_bone;
use super::Phantom;
use crate::anatomy::{Position, IMAGE_SIZE};

/// Axial pixels per sagittal pixel: the axial field of view is smaller.
const AXIAL_ZOOM: f32 = 1.6;

/// Draws the axial image at `pos`.
pub fn render_axial(ph: &Phantom, pos: Position) -> Canvas {
    let (look, a) = (&ph.look, &ph.anatomy);
    let z = AXIAL_ZOOM * a.axial_scale;
    let (ox, oy) = (112.0 + a.axial_shift.0, 108.0 + a.axial_shift.1);
    let mut c = Canvas::new(IMAGE_SIZE as usize, 0.0);

    // Neck: a rounded outline, thicker fat at the back, muscle inside,
    // fat planes between the posterior muscles.
    let neck = RoundRect {
        cx: ox,
        cy: oy + 4.0,
        hw: 60.0,
        hh: 50.0,
        angle: 0.0,
        radius: 42.0,
    };
    c.fill(&neck, look.fat);
    let mut inner = neck.shrunk(a.fat_back * 0.45);
    inner.hh -= a.fat_back * 0.3;
    inner.cy -= a.fat_back * 0.3;
    c.fill(&inner, look.muscle);
    for (k, side) in [
        (0, -1.0f32),
        (0, 1.0),
        (1, -1.0),
        (1, 1.0),
        (2, -1.0),
        (2, 1.0),
    ] {
        let r = 14.0 + 9.0 * k as f32;
        let plane = Ellipse::new(
            ox + side * r * 0.9,
            oy + 12.0 + 5.0 * k as f32,
            0.9,
            7.0 + 3.0 * k as f32,
        )
        .rotated(side * (0.5 + 0.25 * k as f32));
        c.fill(&plane, look.fat * 0.75);
    }
    for side in [-1.0f32, 1.0] {
        let scm = Ellipse::new(ox + side * 40.0, oy - 20.0, 7.0, 16.0).rotated(-side * 0.7);
        c.fill(&scm, look.muscle * 1.15);
    }

    // Airway and vessels in front of the column.
    let body_r = (8.0 * z, 6.5 * z);
    let body_y = oy - a.canal_ap * z * 0.5 - body_r.1 - 0.8 * z;
    let airway_y = body_y - body_r.1 - 5.0 * z;
    let airway = Ellipse::new(ox, airway_y, a.airway * z * 0.8, 3.2 * z);
    c.fill(&airway.grown(1.5), look.muscle * 1.3);
    c.fill(&airway, 0.015);
    for side in [-1.0f32, 1.0] {
        let carotid = Ellipse::new(ox + side * 14.0 * z, body_y - 3.0 * z, 2.0 * z, 2.0 * z);
        c.fill(&carotid, 0.03);
        let jugular = Ellipse::new(ox + side * 18.5 * z, body_y - 1.0 * z, 2.6 * z, 2.0 * z);
        c.fill(&jugular, look.csf * 0.7);
    }

    posterior_arch(&mut c, ph, pos, (ox, oy), z);
    canal(&mut c, ph, pos, (ox, oy), z);
    let centre = (ox, body_y);
    match pos.disc_index() {
        Some(d) => disc(&mut c, ph, d, centre, body_r, z),
        None => body(&mut c, ph, pos, centre, body_r, z),
    }
    c
}

fn body(c: &mut Canvas, ph: &Phantom, pos: Position, at: (f32, f32), r: (f32, f32), z: f32) {
    let look = &ph.look;
    let bone = Ellipse::new(at.0, at.1, r.0, r.1);
    c.fill(&bone, look.cortex);
    let marrow = look.marrow * ph.anatomy.marrow[pos.upper().index()];
    c.fill(&bone.grown(-1.2), marrow);
    // Transverse processes with the vertebral arteries (flow voids).
    for side in [-1.0f32, 1.0] {
        let tp = Ellipse::new(
            at.0 + side * (r.0 + 3.5 * z),
            at.1 + 1.0 * z,
            4.0 * z,
            2.2 * z,
        );
        c.fill(&tp, look.cortex);
        c.fill(&tp.grown(-0.9), marrow * 0.9);
        let artery = Ellipse::new(
            at.0 + side * (r.0 + 3.0 * z),
            at.1 + 1.0 * z,
            1.1 * z,
            1.1 * z,
        );
        c.fill(&artery, 0.03);
    }
}

fn disc(c: &mut Canvas, ph: &Phantom, d: usize, at: (f32, f32), r: (f32, f32), z: f32) {
    let look = &ph.look;
    let sev = ph.labels.disc[d].shown;
    let outer = Ellipse::new(at.0, at.1, r.0 + 0.6 * z, r.1 + 0.3 * z);
    let bulge = if (1.0..2.0).contains(&sev) {
        disc_depth(sev) * 0.6 * z
    } else {
        0.0
    };
    c.fill(
        &Ellipse::new(
            at.0,
            at.1 + bulge * 0.5,
            r.0 + bulge * 0.4,
            r.1 + bulge * 0.5,
        ),
        look.annulus,
    );
    c.fill(&outer.grown(-1.6 * z), look.nucleus_at(sev));
    if sev < 2.0 {
        return;
    }
    // Focal herniation behind the disc, off-centre when paracentral.
    let side = ph.labels.disc_side[d] as f32;
    let depth = disc_depth(sev) * z;
    let width = if sev < 3.0 { 2.6 * z } else { 3.2 * z };
    let hx = at.0 + side * 3.5 * z;
    let hy = at.1 + r.1 - 0.6 * z + depth / 2.0;
    let blob = Ellipse::new(hx, hy, width, depth / 2.0 + 0.8 * z);
    let value = if sev >= 3.0 {
        look.nucleus_at(sev) * 0.85
    } else {
        look.annulus * 1.2
    };
    c.fill(&blob, value);
}

fn canal(c: &mut Canvas, ph: &Phantom, pos: Position, o: (f32, f32), z: f32) {
    let (look, a) = (&ph.look, &ph.anatomy);
    let sev = ph.labels.canal[pos.index()].shown;
    let (half_w, half_ap) = (a.canal_ap * z * 0.95, a.canal_ap * z * 0.5);
    let cord_ap = a.cord_ap * z;
    let csf = half_ap - cord_ap / 2.0;
    let depth = super::column::canal_depth(sev, csf / z, a.cord_ap) * z;

    // CSF space, then the anterior indentation (disc, ligament, osteophyte).
    let sac = Ellipse::new(o.0, o.1, half_w, half_ap);
    c.fill(&sac.grown(0.8), look.ligament);
    c.fill(&sac, look.csf);
    let side = pos
        .disc_index()
        .map_or(0.0, |d| ph.labels.disc_side[d] as f32);
    let front = o.1 - half_ap;
    let dent = Ellipse::new(o.0 + side * 2.0 * z, front, half_w * 0.8, depth * 0.8);
    c.fill(&dent, look.ligament * 1.5);
    let back = Ellipse::new(o.0, o.1 + half_ap, half_w * 0.7, depth * 0.3);
    c.fill(&back, look.ligament);

    // Cord: flattened from the front once the CSF in front of it is gone.
    let push = (depth * 0.8 - csf).max(0.0);
    let (cord_front, cord_back) = (o.1 - cord_ap / 2.0 + push, o.1 + cord_ap / 2.0);
    let ap = (cord_back - cord_front).max(1.2);
    let flatten = 1.0 + 0.5 * push / cord_ap;
    let cord = Ellipse::new(
        o.0,
        cord_back - ap / 2.0,
        a.cord_ap * z * 0.75 * flatten,
        ap / 2.0,
    );
    c.fill(&cord, look.cord);
    let spot = cord_signal(sev);
    if spot > 0.0 {
        let s = Ellipse::new(o.0 + side * 1.0 * z, cord.cy, 1.6 * z, (ap / 3.0).max(0.8));
        c.fill(&s, look.cord + spot);
    }
}

fn posterior_arch(c: &mut Canvas, ph: &Phantom, pos: Position, o: (f32, f32), z: f32) {
    let (look, a) = (&ph.look, &ph.anatomy);
    let half_ap = a.canal_ap * z * 0.5;
    let marrow = look.marrow * 0.95;
    for side in [-1.0f32, 1.0] {
        let lamina = RoundRect {
            cx: o.0 + side * 7.0 * z,
            cy: o.1 + half_ap + 2.0 * z,
            hw: 6.5 * z,
            hh: 1.6 * z,
            angle: side * 0.55,
            radius: 1.2 * z,
        };
        draw_bone(c, &lamina, look.cortex, marrow, 1.0);
        let pedicle = Ellipse::new(o.0 + side * 10.5 * z, o.1 - 1.0 * z, 2.3 * z, 4.0 * z);
        c.fill(&pedicle, look.cortex);
        c.fill(&pedicle.grown(-1.0), marrow);
    }
    if !pos.is_disc() {
        let spinous = RoundRect {
            cx: o.0,
            cy: o.1 + half_ap + 9.0 * z,
            hw: 1.8 * z,
            hh: 5.5 * z,
            angle: 0.0,
            radius: 1.5 * z,
        };
        draw_bone(c, &spinous, look.cortex, marrow, 1.0);
    }
}
