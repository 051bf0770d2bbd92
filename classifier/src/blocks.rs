//! Building blocks shared by the graders: a small VGG-style convolution
//! stack ending in global average pooling, and per-sample standardisation
//! of image inputs.

use tch::{nn, nn::ModuleT, Tensor};

/// `stages` blocks of (conv 3×3, batch norm, ReLU) ×2 then 2×2 max-pool;
/// the first stage has `width` channels, each next one twice as many.
#[derive(Debug)]
pub struct ConvStack {
    layers: Vec<(nn::Conv2D, nn::BatchNorm)>,
    out_dim: i64,
}

impl ConvStack {
    pub fn new(p: nn::Path, in_channels: i64, width: i64, stages: usize) -> Self {
        let conv_cfg = nn::ConvConfig {
            padding: 1,
            bias: false,
            ..Default::default()
        };
        let mut layers = Vec::new();
        let mut channels = in_channels;
        for s in 0..stages {
            let out = width << s;
            for c in 0..2 {
                let q = &p / format!("s{s}c{c}");
                let conv = nn::conv2d(&q / "conv", channels, out, 3, conv_cfg);
                let bn = nn::batch_norm2d(&q / "bn", out, Default::default());
                layers.push((conv, bn));
                channels = out;
            }
        }
        Self {
            layers,
            out_dim: channels,
        }
    }

    /// Channels of the pooled output.
    pub fn out_dim(&self) -> i64 {
        self.out_dim
    }

    /// # Shapes
    /// `xs`: (batch, in_channels, height, width) → (batch, out_dim).
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut xs = xs.shallow_clone();
        for (i, (conv, bn)) in self.layers.iter().enumerate() {
            xs = bn.forward_t(&xs.apply(conv), train).relu();
            if i % 2 == 1 {
                xs = xs.max_pool2d_default(2);
            }
        }
        // (batch, out_dim, h, w) -> (batch, out_dim)
        xs.mean_dim(&[2i64, 3][..], false, tch::Kind::Float)
    }
}

/// Standardises each sample over all its channels and pixels, so that
/// scanner gain does not matter; contrast between slices is kept.
///
/// # Shapes
/// `xs`: (batch, channels, height, width), same shape out.
pub fn standardize(xs: &Tensor) -> Tensor {
    let dims = [1i64, 2, 3];
    let mean = xs.mean_dim(&dims[..], true, tch::Kind::Float);
    let std = xs.std_dim(&dims[..], false, true);
    (xs - mean) / (std + 1e-3)
}
