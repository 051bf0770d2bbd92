//! Datasets in the YOLO convention: a `data.yaml` naming train, val and
//! test image folders (relative to its `path`), and beside each `images`
//! folder a `labels` folder of `class cx cy w h` lines normalised to
//! `[0, 1]`. Images of any size are letterboxed into the model's square.

use super::letterbox::letterbox;
use super::sample::Sample;
use super::DetectError;
use crate::data::image::load_gray_any_size;
use detector::GtBox;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// What `data.yaml` says.
#[derive(Clone, Debug, PartialEq)]
pub struct YoloSpec {
    pub root: PathBuf,
    pub train: Option<PathBuf>,
    pub val: Option<PathBuf>,
    pub test: Option<PathBuf>,
    pub names: Vec<String>,
}

impl YoloSpec {
    /// The image folder of a split (`train`, `val` or `test`).
    pub fn split(&self, name: &str) -> Result<&Path, DetectError> {
        let dir = match name {
            "train" => &self.train,
            "val" => &self.val,
            "test" => &self.test,
            _ => &None,
        };
        dir.as_deref()
            .ok_or_else(|| DetectError::Config(format!("data.yaml names no {name:?} split")))
    }
}

/// Reads the small subset of YAML that `data.yaml` files use: `key: value`
/// lines, and `names` as a `- item` list or a `[a, b]` flow list.
pub fn read_spec(yaml: &Path) -> Result<YoloSpec, DetectError> {
    let text = std::fs::read_to_string(yaml)
        .map_err(|e| DetectError::Config(format!("{}: {e}", yaml.display())))?;
    let base = yaml.parent().unwrap_or(Path::new("."));
    let mut fields = std::collections::HashMap::new();
    let mut names = Vec::new();
    let mut in_names = false;
    for line in text
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim_end())
    {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let (true, Some(item)) = (in_names, trimmed.strip_prefix("- ")) {
            names.push(unquote(item));
            continue;
        }
        in_names = false;
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match (key.trim(), value) {
            ("names", "") => in_names = true,
            ("names", list) => names.extend(flow_list(list)),
            (k, v) => {
                fields.insert(k.to_owned(), unquote(v));
            }
        }
    }
    let root = base.join(fields.get("path").map_or(".", String::as_str));
    let dir = |k: &str| fields.get(k).map(|v| root.join(v));
    Ok(YoloSpec {
        train: dir("train"),
        val: dir("val"),
        test: dir("test"),
        root,
        names,
    })
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches(|c| c == '"' || c == '\'').to_owned()
}

fn flow_list(s: &str) -> Vec<String> {
    let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(unquote)
        .filter(|x| !x.is_empty())
        .collect()
}

/// Parses one label file's text into boxes in `width × height` pixels.
pub fn parse_labels(text: &str, width: usize, height: usize) -> Result<Vec<GtBox>, String> {
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Vec<f32> = line
            .split_whitespace()
            .map(|x| {
                x.parse::<f32>()
                    .map_err(|_| format!("line {}: bad number {x:?}", n + 1))
            })
            .collect::<Result<_, _>>()?;
        if v.len() != 5 || v[0] < 0.0 || v[0].fract() != 0.0 {
            return Err(format!("line {}: expected `class cx cy w h`", n + 1));
        }
        let (w, h) = (width as f32, height as f32);
        let (cx, cy, bw, bh) = (v[1] * w, v[2] * h, v[3] * w, v[4] * h);
        let bbox = [cx - bw / 2.0, cy - bh / 2.0, cx + bw / 2.0, cy + bh / 2.0];
        out.push(GtBox {
            class: v[0] as usize,
            bbox,
        });
    }
    Ok(out)
}

/// Image files of a folder, sorted by name.
fn image_files(dir: &Path) -> Result<Vec<PathBuf>, DetectError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| DetectError::Config(format!("{}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_lowercase();
            matches!(
                ext.as_str(),
                "png" | "jpg" | "jpeg" | "bmp" | "tif" | "tiff"
            )
        })
        .collect();
    files.sort();
    Ok(files)
}

/// `…/images/x.png` → `…/labels/x.txt`.
fn label_path(image: &Path) -> PathBuf {
    let stem = image.file_stem().unwrap_or_default();
    let dir = image
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    dir.join("labels").join(stem).with_extension("txt")
}

/// Loads one split letterboxed to `size` (at most `limit` images when
/// non-zero, the first by name). An image without a label file has no box.
pub fn load_split(dir: &Path, size: usize, limit: usize) -> Result<Vec<Sample>, DetectError> {
    let mut files = image_files(dir)?;
    if limit > 0 {
        files.truncate(limit);
    }
    files.par_iter().map(|f| load_sample(f, size)).collect()
}

fn load_sample(path: &Path, size: usize) -> Result<Sample, DetectError> {
    let name = path.display().to_string();
    let stem = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let original = load_gray_any_size(path, &stem)?;
    let labels = label_path(path);
    // An image without a label file is a background image (YOLO convention).
    let text = match std::fs::read_to_string(&labels) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(DetectError::Config(format!("{}: {e}", labels.display()))),
    };
    let truths = parse_labels(&text, original.width, original.height)
        .map_err(|e| DetectError::Config(format!("{}: {e}", labels.display())))?;
    let (image, lb) = letterbox(&original, size).map_err(|e| DetectError::Image(e.to_string()))?;
    let truths = truths
        .into_iter()
        .map(|t| GtBox {
            bbox: lb.forward(t.bbox),
            ..t
        })
        .collect();
    Ok(Sample {
        name,
        patient: stem,
        image,
        truths,
        letterbox: lb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_scale_to_pixels() {
        let boxes = parse_labels("1 0.5 0.25 0.2 0.1\n\n", 200, 100).unwrap();
        assert_eq!(
            boxes,
            vec![GtBox {
                class: 1,
                bbox: [80.0, 20.0, 120.0, 30.0]
            }]
        );
        assert!(parse_labels("1 0.5 0.25 0.2", 10, 10).is_err());
        assert!(parse_labels("x 0.5 0.25 0.2 0.1", 10, 10).is_err());
    }
}
