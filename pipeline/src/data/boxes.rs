//! `bounding_box_train.json` and detector output: C2–C7 boxes on sagittal
//! slices 5, 6, 7 as `"(x1,y1)(x2,y2)"` strings (pixel corners, top-left
//! origin). Detector output adds a `"scores"` object and may hold `null` for
//! a level that was not found.

use super::error::{DataError, Result};
use super::json;
use super::labels::parse_id;
use crate::anatomy::{Vertebra, IMAGE_SIZE, SLICES};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// An axis-aligned box in pixels, corners inclusive of the 3 px padding of
/// the official files.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelBox {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

impl PixelBox {
    pub fn new(x1: f32, y1: f32, x2: f32, y2: f32) -> Self {
        Self { x1, y1, x2, y2 }
    }

    pub fn width(&self) -> f32 {
        self.x2 - self.x1
    }

    pub fn height(&self) -> f32 {
        self.y2 - self.y1
    }

    pub fn center(&self) -> (f32, f32) {
        ((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)
    }

    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }

    /// Intersection over union; 0 for disjoint or empty boxes.
    pub fn iou(&self, other: &PixelBox) -> f32 {
        let w = (self.x2.min(other.x2) - self.x1.max(other.x1)).max(0.0);
        let h = (self.y2.min(other.y2) - self.y1.max(other.y1)).max(0.0);
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    /// The official string form, corners rounded to whole pixels.
    pub fn to_challenge_string(&self) -> String {
        let r = |v: f32| v.round() as i64;
        format!(
            "({},{})({},{})",
            r(self.x1),
            r(self.y1),
            r(self.x2),
            r(self.y2)
        )
    }
}

/// Parses `"(x1,y1)(x2,y2)"`; spaces anywhere are tolerated. Refuses a
/// truncated string, non-numbers, an empty or inverted box and a box that
/// leaves the 224×224 image.
pub fn parse_box(text: &str) -> std::result::Result<PixelBox, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bad = || format!("box {text:?} is not of the form \"(x1,y1)(x2,y2)\"");
    let inner = compact
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(bad)?;
    let (a, b) = inner.split_once(")(").ok_or_else(bad)?;
    let point = |s: &str| -> std::result::Result<(f32, f32), String> {
        let (x, y) = s.split_once(',').ok_or_else(bad)?;
        let num = |v: &str| {
            v.parse::<f32>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(bad)
        };
        Ok((num(x)?, num(y)?))
    };
    let ((x1, y1), (x2, y2)) = (point(a)?, point(b)?);
    if x2 <= x1 || y2 <= y1 {
        return Err(format!("box {text:?} has x2 <= x1 or y2 <= y1"));
    }
    let limit = IMAGE_SIZE as f32;
    if x1 < 0.0 || y1 < 0.0 || x2 > limit || y2 > limit {
        return Err(format!(
            "box {text:?} lies outside the {IMAGE_SIZE}x{IMAGE_SIZE} image"
        ));
    }
    Ok(PixelBox::new(x1, y1, x2, y2))
}

/// One box with the detector's confidence (1.0 for ground truth).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredBox {
    pub bbox: PixelBox,
    pub score: f32,
}

/// The C2–C7 boxes of one patient: `levels[vertebra][slice]`, slices in
/// the order of [`SLICES`]. `None` marks a level the detector did not find.
#[derive(Clone, Debug, PartialEq)]
pub struct SpineBoxes {
    pub id: String,
    pub levels: [[Option<ScoredBox>; 3]; 6],
}

impl SpineBoxes {
    pub fn empty(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            levels: [[None; 3]; 6],
        }
    }

    pub fn get(&self, v: Vertebra, slice: usize) -> Option<&ScoredBox> {
        self.levels[v.index()][slice].as_ref()
    }

    /// The six boxes of one slice, top to bottom.
    pub fn slice(&self, slice: usize) -> [Option<ScoredBox>; 6] {
        std::array::from_fn(|v| self.levels[v][slice])
    }

    /// True when every level is present on every slice.
    pub fn is_complete(&self) -> bool {
        self.levels.iter().flatten().all(Option::is_some)
    }

    fn to_json(&self, with_scores: bool) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), Value::String(self.id.clone()));
        let mut scores = Map::new();
        for v in Vertebra::ALL {
            let row = &self.levels[v.index()];
            let boxes = row.iter().map(|b| match b {
                Some(b) => Value::String(b.bbox.to_challenge_string()),
                None => Value::Null,
            });
            obj.insert(v.key().into(), Value::Array(boxes.collect()));
            let s = row.iter().map(|b| {
                let s = b.map_or(0.0, |b| (b.score as f64 * 1e4).round() / 1e4);
                serde_json::Number::from_f64(s).map_or(Value::Null, Value::Number)
            });
            scores.insert(v.key().into(), Value::Array(s.collect()));
        }
        if with_scores {
            obj.insert("scores".into(), Value::Object(scores));
        }
        Value::Object(obj)
    }
}

/// Outcome of reading a box file: good patients and one error per bad one.
#[derive(Debug, Default)]
pub struct BoxFile {
    pub patients: Vec<SpineBoxes>,
    pub errors: Vec<DataError>,
}

impl BoxFile {
    pub fn by_id(&self) -> HashMap<&str, &SpineBoxes> {
        self.patients.iter().map(|p| (p.id.as_str(), p)).collect()
    }
}

/// Reads `bounding_box_train.json` or a detector's `boxes.json`. With
/// `allow_missing`, a `null` box is a level not found; otherwise every
/// level must have three boxes.
pub fn read_boxes(path: &Path, allow_missing: bool) -> Result<BoxFile> {
    boxes_from_value(json::read_value(path)?, path, allow_missing)
}

/// [`read_boxes`] on bytes already in memory; `path` names them in errors.
pub fn parse_boxes(bytes: &[u8], path: &Path, allow_missing: bool) -> Result<BoxFile> {
    boxes_from_value(json::parse_value(bytes, path)?, path, allow_missing)
}

fn boxes_from_value(value: Value, path: &Path, allow_missing: bool) -> Result<BoxFile> {
    let parse = |record: &Value| parse_record(record, allow_missing);
    let (patients, errors) = json::parse_records(value, path, parse, |p| &p.id)?;
    Ok(BoxFile { patients, errors })
}

/// Writes boxes in the official shape; `with_scores` adds the `"scores"`
/// object of detector output.
pub fn write_boxes(path: &Path, patients: &[SpineBoxes], with_scores: bool) -> Result<()> {
    let records: Vec<Value> = patients.iter().map(|p| p.to_json(with_scores)).collect();
    json::write_pretty(path, &records)
}

fn parse_record(
    record: &Value,
    allow_missing: bool,
) -> std::result::Result<SpineBoxes, (Option<String>, String)> {
    let obj = record
        .as_object()
        .ok_or((None, "not a JSON object".to_owned()))?;
    let id = parse_id(obj.get("id")).map_err(|e| (None, e))?;
    let fail = |e: String| (Some(id.clone()), e);
    let scores = obj.get("scores").and_then(Value::as_object);
    let mut spine = SpineBoxes::empty(&id);
    for v in Vertebra::ALL {
        let key = v.key();
        let list = obj
            .get(key)
            .ok_or_else(|| fail(format!("missing \"{key}\"")))?;
        let list = list
            .as_array()
            .ok_or_else(|| fail(format!("\"{key}\" must be a list")))?;
        if list.len() != SLICES.len() {
            let n = list.len();
            return Err(fail(format!(
                "\"{key}\" has {n} boxes, expected one per slice 5, 6, 7"
            )));
        }
        for (s, item) in list.iter().enumerate() {
            let slice = SLICES[s];
            let bbox = match item {
                Value::Null if allow_missing => continue,
                Value::String(text) => parse_box(text),
                other => Err(format!("expected a box string, found {other}")),
            }
            .map_err(|e| fail(format!("{key} on slice {slice}: {e}")))?;
            let score = scores
                .and_then(|m| m.get(key))
                .and_then(|l| l.get(s))
                .and_then(Value::as_f64)
                .map_or(1.0, |f| f as f32);
            spine.levels[v.index()][s] = Some(ScoredBox { bbox, score });
        }
    }
    Ok(spine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_official_and_spaced_strings() {
        let b = parse_box("(98,58)(113,76)").unwrap();
        assert_eq!(b, PixelBox::new(98.0, 58.0, 113.0, 76.0));
        assert_eq!(parse_box(" ( 98, 58 )( 113 ,76) ").unwrap(), b);
        assert_eq!(b.to_challenge_string(), "(98,58)(113,76)");
    }

    #[test]
    fn refuses_malformed_boxes() {
        for bad in [
            "",
            "(98,58)(113",
            "(98,58)",
            "(a,58)(113,76)",
            "(98,58)(90,76)",
            "(98,58)(113,58)",
            "(98,58)(230,76)",
            "(-1,58)(113,76)",
            "98,58,113,76",
            "(NaN,1)(2,3)",
        ] {
            assert!(parse_box(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn iou_of_known_boxes() {
        let a = PixelBox::new(0.0, 0.0, 10.0, 10.0);
        let b = PixelBox::new(5.0, 0.0, 15.0, 10.0);
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(a.iou(&PixelBox::new(20.0, 20.0, 30.0, 30.0)), 0.0);
        assert_eq!(a.iou(&a), 1.0);
    }
}
