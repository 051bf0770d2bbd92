//! JSON helpers shared by the label, box and submission files: strict UTF-8
//! reading with file-named errors, 4-space pretty writing (the official
//! files' indentation) and atomic replacement on disk.

use super::error::{DataError, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Reads a file as UTF-8 JSON into a `serde_json::Value`.
pub fn read_value(path: &Path) -> Result<serde_json::Value> {
    let bytes =
        std::fs::read(path).map_err(|e| DataError::file(path, format!("cannot read: {e}")))?;
    parse_value(&bytes, path)
}

/// Parses bytes as UTF-8 JSON (a leading BOM is allowed); `origin` names
/// the file in errors.
pub fn parse_value(bytes: &[u8], path: &Path) -> Result<serde_json::Value> {
    if bytes.is_empty() {
        return Err(DataError::file(path, "file is empty (0 bytes)"));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| DataError::file(path, format!("not UTF-8 text: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| DataError::file(path, format!("not valid JSON: {e}")))
}

/// Serialises with 4-space indentation, as the challenge's own files are.
pub fn to_pretty(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value
        .serialize(&mut ser)
        .expect("serialising plain data to memory cannot fail");
    out
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. A reader never sees a
/// half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| DataError::file(path, format!("cannot write: {e}"));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(fail)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Pretty-prints `value` and writes it atomically.
pub fn write_pretty(path: &Path, value: &impl Serialize) -> Result<()> {
    write_atomic(path, &to_pretty(value))
}

/// A per-record parse failure: the id when it could be read, and why.
pub type RecordError = (Option<String>, String);

/// Parses a JSON array of patient records with `parse`, keeping the good
/// ones and one error per bad record. A repeated id (compared ignoring
/// case) keeps the first record and reports the repeat.
pub fn parse_records<T>(
    value: serde_json::Value,
    path: &Path,
    parse: impl Fn(&serde_json::Value) -> std::result::Result<T, RecordError>,
    id_of: impl Fn(&T) -> &str,
) -> Result<(Vec<T>, Vec<DataError>)> {
    let serde_json::Value::Array(records) = value else {
        return Err(DataError::file(
            path,
            "expected a JSON array of patient records",
        ));
    };
    let (mut kept, mut errors) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashMap::new();
    for (i, record) in records.iter().enumerate() {
        match parse(record) {
            Ok(r) => match seen.get(&id_of(&r).to_lowercase()) {
                Some(first) => {
                    let problem = format!("duplicate id (records {first} and {i}); first kept");
                    errors.push(DataError::patient(id_of(&r), path, problem));
                }
                None => {
                    seen.insert(id_of(&r).to_lowercase(), i);
                    kept.push(r);
                }
            },
            Err((id, problem)) => {
                let problem = format!("record {i}: {problem}");
                errors.push(DataError::new(id.as_deref(), path, problem));
            }
        }
    }
    Ok((kept, errors))
}
