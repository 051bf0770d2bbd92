//! Tensor batches the graders train and predict on. Built by the caller
//! (the pipeline turns crops and boxes into these); kept on the CPU and
//! moved to the device one mini-batch at a time.

use tch::{Device, Kind, Tensor};

/// Many levels of many patients.
#[derive(Debug)]
pub struct LevelData {
    /// (n, 3, S, S) float 0–1: sagittal slices 5, 6, 7.
    pub sagittal: Tensor,
    /// (n, 1, A, A) float 0–1: the matched axial patch.
    pub axial: Tensor,
    /// (n,) int64 position index 0..11.
    pub position: Tensor,
    /// (n,) int64 disc grade, −1 at bodies or when unknown.
    pub disc: Tensor,
    /// (n,) int64 canal grade, −1 when unknown.
    pub canal: Tensor,
}

/// Whole-spine inputs of many patients.
#[derive(Debug)]
pub struct SpineData {
    /// (n, 1, H, W) float 0–1: mid-sagittal column image.
    pub image: Tensor,
    /// (n, GEOMETRY_FEATURES) float.
    pub geometry: Tensor,
    /// (n,) int64 curvature, −1 when unknown.
    pub qd: Tensor,
    /// (n,) int64 alignment, −1 when unknown.
    pub sl: Tensor,
}

/// A set of rows that can be sliced into mini-batches.
pub trait Rows: Sized {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The rows at `index` (int64, on the CPU), moved to `device`.
    fn select(&self, index: &Tensor, device: Device) -> Self;
    /// Every row, in order, on `device`.
    fn all(&self, device: Device) -> Self {
        let index = Tensor::arange(self.len() as i64, (Kind::Int64, Device::Cpu));
        self.select(&index, device)
    }
}

fn pick(t: &Tensor, index: &Tensor, device: Device) -> Tensor {
    t.index_select(0, index).to_device(device)
}

impl Rows for LevelData {
    fn len(&self) -> usize {
        self.position.size()[0] as usize
    }

    fn select(&self, index: &Tensor, device: Device) -> Self {
        Self {
            sagittal: pick(&self.sagittal, index, device),
            axial: pick(&self.axial, index, device),
            position: pick(&self.position, index, device),
            disc: pick(&self.disc, index, device),
            canal: pick(&self.canal, index, device),
        }
    }
}

impl Rows for SpineData {
    fn len(&self) -> usize {
        self.qd.size()[0] as usize
    }

    fn select(&self, index: &Tensor, device: Device) -> Self {
        Self {
            image: pick(&self.image, index, device),
            geometry: pick(&self.geometry, index, device),
            qd: pick(&self.qd, index, device),
            sl: pick(&self.sl, index, device),
        }
    }
}

/// Labels of a column as a `Vec`, for weights and metrics.
pub fn labels(t: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Int64))
        .expect("a 1-D int64 label tensor converts to a Vec")
}
