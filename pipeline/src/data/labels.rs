//! `train.json` and the submission file: per patient, curvature (`qd`),
//! alignment (`sl`), five disc grades (`zjppt`) and eleven canal grades
//! (`zyzg`), positions in anatomical order. Reading checks every record and
//! reports a bad one without dropping the good ones.

use super::error::{DataError, Result};
use super::json::{self, RecordError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Number of classes of each task.
pub const QD_CLASSES: u8 = 3;
pub const SL_CLASSES: u8 = 2;
pub const DISC_CLASSES: u8 = 4;
pub const CANAL_CLASSES: u8 = 4;

/// The graded labels of one patient, in the official field order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientGrades {
    pub id: String,
    /// Curvature: 0 lordosis, 1 straightened, 2 kyphotic.
    pub qd: u8,
    /// Alignment: 0 poor, 1 acceptable.
    pub sl: u8,
    /// Disc herniation at C2-C3 … C6-C7.
    pub zjppt: [u8; 5],
    /// Canal stenosis at C2, C2-C3, … C7.
    pub zyzg: [u8; 11],
}

impl PatientGrades {
    /// All-zero grades for `id` (the example answer's content).
    pub fn zeros(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            qd: 0,
            sl: 0,
            zjppt: [0; 5],
            zyzg: [0; 11],
        }
    }
}

/// Outcome of reading a label or submission file: the records that passed
/// and one error per record that did not.
#[derive(Debug, Default)]
pub struct LabelFile {
    pub patients: Vec<PatientGrades>,
    pub errors: Vec<DataError>,
}

impl LabelFile {
    /// Records by id.
    pub fn by_id(&self) -> HashMap<&str, &PatientGrades> {
        self.patients.iter().map(|p| (p.id.as_str(), p)).collect()
    }
}

/// Reads `train.json` or a submission. A file that is not a JSON array is an
/// error; a bad record is listed in `errors` and the others are kept. A
/// repeated id keeps the first record and reports the repeat.
pub fn read_labels(path: &Path) -> Result<LabelFile> {
    labels_from_value(json::read_value(path)?, path)
}

/// [`read_labels`] on bytes already in memory; `path` names them in errors.
pub fn parse_labels(bytes: &[u8], path: &Path) -> Result<LabelFile> {
    labels_from_value(json::parse_value(bytes, path)?, path)
}

fn labels_from_value(value: Value, path: &Path) -> Result<LabelFile> {
    let (patients, errors) = json::parse_records(value, path, parse_record, |p| &p.id)?;
    Ok(LabelFile { patients, errors })
}

/// Writes records in the official shape (4-space JSON array), atomically.
pub fn write_labels(path: &Path, patients: &[PatientGrades]) -> Result<()> {
    json::write_pretty(path, &patients)
}

fn parse_record(record: &Value) -> std::result::Result<PatientGrades, RecordError> {
    let obj = record
        .as_object()
        .ok_or((None, "not a JSON object".to_owned()))?;
    let id = parse_id(obj.get("id")).map_err(|e| (None, e))?;
    let fail = |e: String| (Some(id.clone()), e);
    let qd = parse_grade(obj, "qd", QD_CLASSES).map_err(fail)?;
    let sl = parse_grade(obj, "sl", SL_CLASSES).map_err(fail)?;
    let zjppt = parse_grades::<5>(obj, "zjppt", DISC_CLASSES).map_err(fail)?;
    let zyzg = parse_grades::<11>(obj, "zyzg", CANAL_CLASSES).map_err(fail)?;
    Ok(PatientGrades {
        id,
        qd,
        sl,
        zjppt,
        zyzg,
    })
}

/// Ids are strings (a bare number is accepted and kept digit for digit);
/// surrounding whitespace is removed, an empty id is refused.
pub fn parse_id(value: Option<&Value>) -> std::result::Result<String, String> {
    let id = match value {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("\"id\" must be a string, found {other}")),
        None => return Err("missing \"id\"".to_owned()),
    };
    if id.is_empty() {
        return Err("empty \"id\"".to_owned());
    }
    if id.contains(['/', '\\']) || id == "." || id == ".." {
        return Err(format!("id {id:?} is not a valid folder name"));
    }
    Ok(id)
}

fn as_grade(value: &Value, classes: u8) -> std::result::Result<u8, String> {
    let g = value
        .as_u64()
        .ok_or_else(|| format!("grade {value} is not a whole number"))?;
    if g >= classes as u64 {
        return Err(format!("grade {g} out of range 0..={}", classes - 1));
    }
    Ok(g as u8)
}

fn parse_grade(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    classes: u8,
) -> std::result::Result<u8, String> {
    let v = obj.get(key).ok_or_else(|| format!("missing \"{key}\""))?;
    as_grade(v, classes).map_err(|e| format!("\"{key}\": {e}"))
}

fn parse_grades<const N: usize>(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    classes: u8,
) -> std::result::Result<[u8; N], String> {
    let v = obj.get(key).ok_or_else(|| format!("missing \"{key}\""))?;
    let list = v
        .as_array()
        .ok_or_else(|| format!("\"{key}\" must be a list"))?;
    if list.len() != N {
        return Err(format!("\"{key}\" has {} grades, expected {N}", list.len()));
    }
    let mut out = [0u8; N];
    for (i, g) in list.iter().enumerate() {
        out[i] = as_grade(g, classes).map_err(|e| format!("\"{key}\"[{i}]: {e}"))?;
    }
    Ok(out)
}
