//! Legible text on OpenCV images: anti-aliased Hershey text on a dark box,
//! and grades written as "canal P2 T1" coloured by agreement (green when
//! predicted = true, red when not, white when the truth is unknown).

use opencv::core::{Mat, Point, Rect, Scalar};
use opencv::imgproc::{self, FONT_HERSHEY_SIMPLEX, LINE_AA};

pub const WHITE: Scalar = Scalar::new(235.0, 235.0, 235.0, 0.0);
const RIGHT: Scalar = Scalar::new(110.0, 230.0, 110.0, 0.0);
const WRONG: Scalar = Scalar::new(80.0, 80.0, 255.0, 0.0);
const SHADOW: Scalar = Scalar::new(20.0, 20.0, 20.0, 0.0);

fn thickness(scale: f64) -> i32 {
    if scale >= 0.7 {
        2
    } else {
        1
    }
}

/// Width in pixels of `text` at `scale`.
pub fn width(text: &str, scale: f64) -> opencv::Result<i32> {
    let mut base = 0;
    let size = imgproc::get_text_size(
        text,
        FONT_HERSHEY_SIMPLEX,
        scale,
        thickness(scale),
        &mut base,
    )?;
    Ok(size.width)
}

/// Writes `text` with its baseline at `org` on a dark box; returns the x
/// just right of the text.
pub fn label(
    img: &mut Mat,
    text: &str,
    org: Point,
    scale: f64,
    colour: Scalar,
) -> opencv::Result<i32> {
    let mut base = 0;
    let t = thickness(scale);
    let size = imgproc::get_text_size(text, FONT_HERSHEY_SIMPLEX, scale, t, &mut base)?;
    let back = Rect::new(
        org.x - 3,
        org.y - size.height - 4,
        size.width + 6,
        size.height + base + 6,
    );
    imgproc::rectangle(img, back, SHADOW, imgproc::FILLED, imgproc::LINE_8, 0)?;
    imgproc::put_text(
        img,
        text,
        org,
        FONT_HERSHEY_SIMPLEX,
        scale,
        colour,
        t,
        LINE_AA,
        false,
    )?;
    Ok(org.x + size.width)
}

/// Colour of a grade: agreement with the truth, or white when unknown.
pub fn grade_colour(agrees: Option<bool>) -> Scalar {
    match agrees {
        Some(true) => RIGHT,
        Some(false) => WRONG,
        None => WHITE,
    }
}

/// One graded item: predicted and true class, either possibly unknown.
pub struct GradeText<'a> {
    pub name: &'a str,
    pub predicted: Option<u8>,
    pub truth: Option<u8>,
}

impl<'a> GradeText<'a> {
    pub fn new(name: &'a str, predicted: Option<u8>, truth: Option<u8>) -> Self {
        Self {
            name,
            predicted,
            truth,
        }
    }

    /// "name P2 T1"; a missing side is left out.
    pub fn text(&self) -> String {
        let mut s = self.name.to_owned();
        if let Some(p) = self.predicted {
            s.push_str(&format!(" P{p}"));
        }
        if let Some(t) = self.truth {
            s.push_str(&format!(" T{t}"));
        }
        s
    }

    pub fn colour(&self) -> Scalar {
        match (self.predicted, self.truth) {
            (Some(p), Some(t)) => grade_colour(Some(p == t)),
            _ => grade_colour(None),
        }
    }

    /// Draws at `org`; returns the x just right of the text.
    pub fn draw(&self, img: &mut Mat, org: Point, scale: f64) -> opencv::Result<i32> {
        label(img, &self.text(), org, scale, self.colour())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_text_names_both_sides_and_colours_agreement() {
        let g = GradeText::new("disc", Some(2), Some(1));
        assert_eq!(g.text(), "disc P2 T1");
        assert_eq!(g.colour(), WRONG);
        assert_eq!(GradeText::new("canal", Some(1), Some(1)).colour(), RIGHT);
        let unknown = GradeText::new("canal", Some(3), None);
        assert_eq!(
            (unknown.text().as_str(), unknown.colour()),
            ("canal P3", WHITE)
        );
    }
}
