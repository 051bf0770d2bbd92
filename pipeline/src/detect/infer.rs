//! A trained detector loaded for inference: C2–C7 on 224×224 sagittal
//! slices with anatomical decoding, batched on the calling thread (tch
//! models are not `Sync`), and general NMS detection on letterboxed images.

use super::sample::{images_to_tensor, Sample};
use super::DetectError;
use crate::anatomy::SLICES;
use crate::data::boxes::{PixelBox, ScoredBox, SpineBoxes};
use crate::data::GrayImage;
use detector::checkpoint::load_detector;
use detector::decode::Detection;
use detector::infer::{detect_anatomical, detect_nms};
use detector::{DecodeConfig, Model};
use std::path::Path;

/// A detector ready to run.
pub struct SpineDetector {
    pub model: Model,
    pub device: tch::Device,
    pub decode: DecodeConfig,
    /// Images per forward pass.
    pub batch_size: usize,
}

impl SpineDetector {
    /// Loads a checkpoint written by `cervai detector train`.
    pub fn load(path: &Path, device: tch::Device) -> Result<Self, DetectError> {
        let model = load_detector(path, device)?;
        Ok(Self::from_model(model, device))
    }

    /// Wraps a loaded model for inference; its batch norms are folded into
    /// the convolutions, so it must not be trained afterwards.
    pub fn from_model(mut model: Model, device: tch::Device) -> Self {
        model.net.fuse_for_inference();
        Self {
            model,
            device,
            decode: DecodeConfig::default(),
            batch_size: 32,
        }
    }

    fn input_size(&self) -> usize {
        self.model.net.config().image_size as usize
    }

    fn check_sizes(&self, images: &[&GrayImage]) -> Result<(), DetectError> {
        let side = self.input_size();
        match images.iter().find(|i| i.width != side || i.height != side) {
            Some(i) => Err(DetectError::Input(format!(
                "the detector takes {side}x{side} images, got {}x{}",
                i.width, i.height
            ))),
            None => Ok(()),
        }
    }

    /// C2–C7 on each image (square, of the model's input size): one slot
    /// per level, top to bottom, `None` for a level not found.
    pub fn detect_slices(
        &self,
        images: &[&GrayImage],
    ) -> Result<Vec<[Option<ScoredBox>; 6]>, DetectError> {
        self.check_sizes(images)?;
        if self.model.net.config().num_classes != 6 {
            return Err(DetectError::Input(
                "this detector was not trained on C2–C7".into(),
            ));
        }
        let limit = self.input_size() as f32;
        let mut out = Vec::with_capacity(images.len());
        for chunk in images.chunks(self.batch_size.max(1)) {
            let batch = images_to_tensor(chunk, self.device); // (b, 1, 224, 224)
            for levels in detect_anatomical(&self.model.net, &batch, &self.decode) {
                out.push(std::array::from_fn(|v| {
                    levels[v].and_then(|d| scored_box(&d, limit))
                }));
            }
        }
        Ok(out)
    }

    /// The three sagittal slices of many patients, batched together.
    pub fn detect_patients(
        &self,
        patients: &[(&str, &[GrayImage; 3])],
    ) -> Result<Vec<SpineBoxes>, DetectError> {
        let images: Vec<&GrayImage> = patients.iter().flat_map(|(_, s)| s.iter()).collect();
        let slices = self.detect_slices(&images)?;
        Ok(patients
            .iter()
            .zip(slices.chunks(SLICES.len()))
            .map(|((id, _), per_slice)| {
                let mut spine = SpineBoxes::empty(id);
                for (s, levels) in per_slice.iter().enumerate() {
                    for (v, b) in levels.iter().enumerate() {
                        spine.levels[v][s] = *b;
                    }
                }
                spine
            })
            .collect())
    }

    /// Per-class NMS detections on letterboxed samples, mapped back to each
    /// sample's original pixels.
    pub fn detect_general(&self, samples: &[Sample]) -> Vec<Vec<Detection>> {
        let mut out = Vec::with_capacity(samples.len());
        for chunk in samples.chunks(self.batch_size.max(1)) {
            let images: Vec<&GrayImage> = chunk.iter().map(|s| &s.image).collect();
            let batch = images_to_tensor(&images, self.device);
            let dets = detect_nms(&self.model.net, &batch, &self.decode);
            for (sample, dets) in chunk.iter().zip(dets) {
                let lb = sample.letterbox;
                out.push(
                    dets.into_iter()
                        .map(|d| Detection {
                            bbox: lb.inverse(d.bbox),
                            ..d
                        })
                        .collect(),
                );
            }
        }
        out
    }
}

/// A detection clipped to the image as a `ScoredBox`; `None` when less
/// than a pixel of it is left inside.
fn scored_box(d: &Detection, limit: f32) -> Option<ScoredBox> {
    let [x1, y1, x2, y2] = d.bbox.map(|v| v.clamp(0.0, limit));
    (x2 - x1 >= 1.0 && y2 - y1 >= 1.0).then_some(ScoredBox {
        bbox: PixelBox::new(x1, y1, x2, y2),
        score: d.score,
    })
}
