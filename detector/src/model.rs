//! The network: a small conv-BN-SiLU backbone down to stride 32, a
//! top-down feature pyramid (FPN-style) back to strides 16 and 8, and a
//! decoupled anchor-free head per stride.
//!
//! Follows FCOS / YOLOX / YOLOv8 in spirit: every cell of a stride-8 and a
//! stride-16 map predicts class scores and its distances (left, top, right,
//! bottom) to the box edges. Changes: no objectness branch (class scores are
//! IoU-aware, see `loss`), no distribution-focal regression (softplus
//! distances instead), two output strides sized for 10–60 px objects on a
//! 224 px image, and two coordinate channels fed to the heads so that a cell
//! knows where it sits (helps to tell C3 from C4 on a spine).

use crate::config::ModelConfig;
use tch::nn;
use tch::{Kind, Tensor};

/// Output strides of the two heads, finest first.
pub const STRIDES: [i64; 2] = [8, 16];

/// 3×3 (or 1×1) convolution, batch norm, SiLU.
#[derive(Debug)]
struct ConvBn {
    conv: nn::Conv2D,
    bn: nn::BatchNorm,
    /// Weight and bias of the convolution with the batch norm folded in,
    /// once [`ConvBn::fold_batch_norm`] has run: inference then makes one pass over
    /// the activations instead of two.
    fused: Option<(Tensor, Tensor)>,
    stride: i64,
    padding: i64,
    eps: f64,
}

impl ConvBn {
    fn new(vs: nn::Path, c_in: i64, c_out: i64, k: i64, stride: i64) -> Self {
        let cfg = nn::ConvConfig {
            stride,
            padding: k / 2,
            bias: false,
            ..Default::default()
        };
        let bn_cfg = nn::BatchNormConfig::default();
        Self {
            conv: nn::conv2d(&vs / "conv", c_in, c_out, k, cfg),
            eps: bn_cfg.eps,
            bn: nn::batch_norm2d(&vs / "bn", c_out, bn_cfg),
            fused: None,
            stride,
            padding: k / 2,
        }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match (&self.fused, train) {
            (Some((w, b)), false) => {
                let (stride, padding) = ([self.stride; 2], [self.padding; 2]);
                let mut out = xs.conv2d(w, Some(b), stride, padding, [1, 1], 1);
                out.silu_()
            }
            _ => xs.apply(&self.conv).apply_t(&self.bn, train).silu(),
        }
    }

    /// Folds the batch norm's running statistics and affine parameters
    /// into a copy of the convolution's weights: `w·γ/σ` and `β − μ·γ/σ`.
    fn fold_batch_norm(&mut self) {
        debug_assert!(
            self.conv.bs.is_none(),
            "the convolution has no bias of its own"
        );
        let bn = &self.bn;
        let (gamma, beta) = match (&bn.ws, &bn.bs) {
            (Some(g), Some(b)) => (g, b),
            _ => return, // a norm without affine parameters is left as is
        };
        self.fused = Some(tch::no_grad(|| {
            let scale = gamma / (&bn.running_var + self.eps).sqrt();
            let weight = &self.conv.ws * scale.view([-1, 1, 1, 1]);
            let bias = beta - &bn.running_mean * &scale;
            (weight, bias)
        }));
    }
}

/// A strided ConvBn followed by an optional residual pair of 3×3 ConvBns.
#[derive(Debug)]
struct Stage {
    down: ConvBn,
    residual: Option<(ConvBn, ConvBn)>,
}

impl Stage {
    fn new(vs: nn::Path, c_in: i64, c_out: i64, residual: bool) -> Self {
        let residual = residual.then(|| {
            (
                ConvBn::new(&vs / "res1", c_out, c_out, 3, 1),
                ConvBn::new(&vs / "res2", c_out, c_out, 3, 1),
            )
        });
        Self {
            down: ConvBn::new(&vs / "down", c_in, c_out, 3, 2),
            residual,
        }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let xs = self.down.forward_t(xs, train);
        match &self.residual {
            Some((a, b)) => &xs + b.forward_t(&a.forward_t(&xs, train), train),
            None => xs,
        }
    }
}

/// One output stride: a shared 3×3 ConvBn, then class and box 1×1 convs.
#[derive(Debug)]
struct Head {
    stem: ConvBn,
    cls: nn::Conv2D,
    reg: nn::Conv2D,
}

impl Head {
    fn new(vs: nn::Path, c_in: i64, num_classes: i64) -> Self {
        // Start with every class rare (score ≈ 0.01), as in RetinaNet.
        let prior = -(99f64.ln());
        let cls_cfg = nn::ConvConfig {
            bs_init: nn::Init::Const(prior),
            ..Default::default()
        };
        Self {
            stem: ConvBn::new(&vs / "stem", c_in + 2, c_in, 3, 1),
            cls: nn::conv2d(&vs / "cls", c_in, num_classes, 1, cls_cfg),
            reg: nn::conv2d(&vs / "reg", c_in, 4, 1, Default::default()),
        }
    }
}

/// Raw network outputs, all cells of all strides flattened finest first.
#[derive(Debug)]
pub struct RawOutput {
    /// Class logits `(batch, cells, classes)`.
    pub cls_logits: Tensor,
    /// Boxes `(batch, cells, 4)` as `x1, y1, x2, y2` in input pixels.
    pub boxes: Tensor,
}

/// The detector network.
#[derive(Debug)]
pub struct YoloNet {
    config: ModelConfig,
    stages: Vec<Stage>,
    lateral5: ConvBn,
    fuse4: ConvBn,
    fuse3: ConvBn,
    heads: Vec<Head>,
}

impl YoloNet {
    /// Builds the network's variables under `vs`.
    pub fn new(vs: &nn::Path, config: &ModelConfig) -> Self {
        let w = config.width;
        let stages = vec![
            Stage::new(vs / "stage1", 1, w, false),
            Stage::new(vs / "stage2", w, 2 * w, false),
            Stage::new(vs / "stage3", 2 * w, 4 * w, true),
            Stage::new(vs / "stage4", 4 * w, 8 * w, true),
            Stage::new(vs / "stage5", 8 * w, 8 * w, true),
        ];
        let nc = config.num_classes as i64;
        Self {
            config: config.clone(),
            stages,
            lateral5: ConvBn::new(vs / "lateral5", 8 * w, 4 * w, 1, 1),
            fuse4: ConvBn::new(vs / "fuse4", 12 * w, 4 * w, 3, 1),
            fuse3: ConvBn::new(vs / "fuse3", 8 * w, 4 * w, 3, 1),
            heads: vec![
                Head::new(vs / "head8", 4 * w, nc),
                Head::new(vs / "head16", 4 * w, nc),
            ],
        }
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Folds every batch norm into its convolution for inference, as
    /// deployment tools do (ultralytics' `fuse`, for one). Outputs with
    /// `train = false` then agree with the unfused network to float
    /// rounding. The fused copies do not follow later changes of the
    /// weights: call this on a loaded model that will not be trained.
    pub fn fuse_for_inference(&mut self) {
        let mut blocks: Vec<&mut ConvBn> =
            vec![&mut self.lateral5, &mut self.fuse4, &mut self.fuse3];
        for stage in &mut self.stages {
            blocks.push(&mut stage.down);
            if let Some((a, b)) = &mut stage.residual {
                blocks.push(a);
                blocks.push(b);
            }
        }
        for head in &mut self.heads {
            blocks.push(&mut head.stem);
        }
        blocks.into_iter().for_each(ConvBn::fold_batch_norm);
    }

    /// Runs the network.
    ///
    /// # Shapes
    /// - `images`: `(batch, 1, H, W)`, intensities in `[0, 1]`; H and W
    ///   multiples of 32.
    /// - returns class logits `(batch, cells, classes)` and boxes
    ///   `(batch, cells, 4)` with `cells = H·W/64 + H·W/256`.
    pub fn forward_t(&self, images: &Tensor, train: bool) -> RawOutput {
        let xs = (images - 0.5) / 0.25;
        let mut feats = Vec::with_capacity(5);
        let mut cur = xs;
        for stage in &self.stages {
            cur = stage.forward_t(&cur, train);
            feats.push(cur.shallow_clone());
        }
        let (p3, p4, p5) = (&feats[2], &feats[3], &feats[4]);

        // Top-down pyramid: stride 32 → 16 → 8.
        let up5 = upsample_to(&self.lateral5.forward_t(p5, train), p4);
        let n4 = self.fuse4.forward_t(&Tensor::cat(&[p4, &up5], 1), train);
        let up4 = upsample_to(&n4, p3);
        let n3 = self.fuse3.forward_t(&Tensor::cat(&[p3, &up4], 1), train);

        let outs: Vec<RawOutput> = [n3, n4]
            .iter()
            .zip(&self.heads)
            .zip(STRIDES)
            .map(|((feat, head), stride)| run_head(head, feat, stride, train))
            .collect();
        RawOutput {
            cls_logits: Tensor::cat(&[&outs[0].cls_logits, &outs[1].cls_logits], 1),
            boxes: Tensor::cat(&[&outs[0].boxes, &outs[1].boxes], 1),
        }
    }
}

fn upsample_to(xs: &Tensor, like: &Tensor) -> Tensor {
    let (_, _, h, w) = like.size4().expect("feature maps are 4-d");
    xs.upsample_nearest2d([h, w], None, None)
}

/// Cell centres `(h·w, 2)` as `(x, y)` in input pixels, row-major.
pub fn cell_centers(h: i64, w: i64, stride: i64, device: tch::Device) -> Tensor {
    let opts = (Kind::Float, device);
    let ys = (Tensor::arange(h, opts) + 0.5) * stride as f64;
    let xs = (Tensor::arange(w, opts) + 0.5) * stride as f64;
    let grid = Tensor::meshgrid_indexing(&[&ys, &xs], "ij");
    Tensor::stack(&[grid[1].flatten(0, 1), grid[0].flatten(0, 1)], 1)
}

/// Coordinate channels `(batch, 2, h, w)` in `[-1, 1]`: x then y.
fn coord_channels(batch: i64, h: i64, w: i64, device: tch::Device) -> Tensor {
    let opts = (Kind::Float, device);
    let ys = Tensor::linspace(-1.0, 1.0, h, opts);
    let xs = Tensor::linspace(-1.0, 1.0, w, opts);
    let grid = Tensor::meshgrid_indexing(&[&ys, &xs], "ij");
    Tensor::stack(&[&grid[1], &grid[0]], 0)
        .unsqueeze(0)
        .expand([batch, 2, h, w], false)
}

fn run_head(head: &Head, feat: &Tensor, stride: i64, train: bool) -> RawOutput {
    let (b, _, h, w) = feat.size4().expect("feature maps are 4-d");
    let coords = coord_channels(b, h, w, feat.device());
    let xs = head
        .stem
        .forward_t(&Tensor::cat(&[feat, &coords], 1), train);

    // (batch, classes, h, w) → (batch, h·w, classes)
    let cls = xs.apply(&head.cls).flatten(2, 3).transpose(1, 2);
    // Distances left, top, right, bottom in pixels: (batch, h·w, 4).
    let dist = xs.apply(&head.reg).flatten(2, 3).transpose(1, 2).softplus() * stride as f64;
    let centers = cell_centers(h, w, stride, feat.device()).unsqueeze(0); // (1, h·w, 2)
    let top_left = &centers - dist.narrow(2, 0, 2);
    let bottom_right = &centers + dist.narrow(2, 2, 2);
    RawOutput {
        cls_logits: cls,
        boxes: Tensor::cat(&[top_left, bottom_right], 2),
    }
}

/// All cell centres and strides for an `h × w` input, in output order:
/// `(x, y, stride)` per cell.
pub fn anchor_points(image_h: i64, image_w: i64) -> Vec<[f32; 3]> {
    let mut points = Vec::new();
    for stride in STRIDES {
        let (h, w) = (image_h / stride, image_w / stride);
        for row in 0..h {
            for col in 0..w {
                let s = stride as f32;
                points.push([(col as f32 + 0.5) * s, (row as f32 + 0.5) * s, s]);
            }
        }
    }
    points
}

/// Number of trainable parameters.
pub fn parameter_count(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(Tensor::numel)
        .sum::<usize>() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fused_inference_matches_the_unfused_network() {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let cfg = ModelConfig {
            width: 4,
            ..Default::default()
        };
        let mut net = YoloNet::new(&vs.root(), &cfg);
        // Running statistics away from their initial 0 and 1
        let x = Tensor::rand([4, 1, 64, 64], (Kind::Float, tch::Device::Cpu));
        for _ in 0..3 {
            let _ = net.forward_t(&x, true);
        }
        let train_before = tch::no_grad(|| net.forward_t(&x, true)); // moves the statistics
        let before = tch::no_grad(|| net.forward_t(&x, false));
        net.fuse_for_inference();
        let after = tch::no_grad(|| net.forward_t(&x, false));
        for (a, b) in [
            (&before.cls_logits, &after.cls_logits),
            (&before.boxes, &after.boxes),
        ] {
            let diff = (a - b).abs().max().double_value(&[]);
            assert!(diff < 1e-3, "fused output differs by {diff}");
        }
        // Training ignores the fused copies (batch statistics, same weights)
        let train_after = tch::no_grad(|| net.forward_t(&x, true));
        assert!(train_after.boxes.equal(&train_before.boxes));
        assert!(train_after.cls_logits.equal(&train_before.cls_logits));

        // Every batch norm of the store was folded
        let norms = vs
            .variables()
            .keys()
            .filter(|k| k.ends_with("bn.running_mean"))
            .count();
        assert_eq!(fused_blocks(&net), norms);
    }

    /// Blocks of `net` whose batch norm is folded.
    fn fused_blocks(net: &YoloNet) -> usize {
        let mut blocks: Vec<&ConvBn> = vec![&net.lateral5, &net.fuse4, &net.fuse3];
        for stage in &net.stages {
            blocks.push(&stage.down);
            if let Some((a, b)) = &stage.residual {
                blocks.extend([a, b]);
            }
        }
        blocks.extend(net.heads.iter().map(|h| &h.stem));
        blocks.iter().filter(|b| b.fused.is_some()).count()
    }

    #[test]
    fn output_shapes_match_anchor_points() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let cfg = ModelConfig {
            width: 4,
            num_classes: 3,
            image_size: 64,
        };
        let net = YoloNet::new(&vs.root(), &cfg);
        let out = net.forward_t(&Tensor::zeros([2, 1, 64, 96], tch::kind::FLOAT_CPU), false);
        let cells = anchor_points(64, 96).len() as i64;
        assert_eq!(cells, 8 * 12 + 4 * 6);
        assert_eq!(out.cls_logits.size(), vec![2, cells, 3]);
        assert_eq!(out.boxes.size(), vec![2, cells, 4]);
        // Boxes contain their own cell centre.
        let boxes = Vec::<f32>::try_from(out.boxes.get(0).get(100).shallow_clone()).unwrap();
        let p = anchor_points(64, 96)[100];
        assert!(boxes[0] < p[0] && boxes[2] > p[0] && boxes[1] < p[1] && boxes[3] > p[1]);
    }
}
