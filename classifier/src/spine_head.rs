//! The whole-spine head: curvature (3 classes) and alignment (2 classes)
//! from the mid-sagittal image of the column and the box-geometry features
//! of [`crate::geometry`]. Either input can be switched off by config; the
//! geometry also reaches the heads directly, so with the image off the head
//! is a logistic regression plus a small MLP.

use crate::blocks::{standardize, ConvStack};
use crate::config::SpineHeadConfig;
use crate::geometry::GEOMETRY_FEATURES;
use tch::{nn, Kind, Tensor};

/// Classes of the curvature head.
pub const QD_CLASSES: i64 = 3;
/// Classes of the alignment head.
pub const SL_CLASSES: i64 = 2;

/// Logits of one batch of patients.
#[derive(Debug)]
pub struct SpineLogits {
    /// (batch, 3)
    pub qd: Tensor,
    /// (batch, 2)
    pub sl: Tensor,
}

#[derive(Debug)]
pub struct SpineHead {
    cfg: SpineHeadConfig,
    image: Option<ConvStack>,
    geometry: Option<nn::Linear>,
    /// Standardisation of the geometry features, learned from training data.
    feature_mean: Tensor,
    feature_std: Tensor,
    hidden: nn::Linear,
    qd: nn::Linear,
    sl: nn::Linear,
}

impl SpineHead {
    pub fn new(p: &nn::Path, cfg: &SpineHeadConfig) -> Self {
        let f = GEOMETRY_FEATURES as i64;
        let image = cfg
            .use_image
            .then(|| ConvStack::new(p / "image", 1, cfg.width, 3));
        let geometry = cfg
            .use_geometry
            .then(|| nn::linear(p / "geometry", f, cfg.hidden, Default::default()));
        let feature_mean = p.zeros_no_train("feature_mean", &[f]);
        let feature_std = p.ones_no_train("feature_std", &[f]);
        let joined = image.as_ref().map_or(0, ConvStack::out_dim)
            + if cfg.use_geometry { cfg.hidden } else { 0 };
        let hidden = nn::linear(p / "hidden", joined, cfg.hidden, Default::default());
        let direct = if cfg.use_geometry { f } else { 0 };
        let head_in = cfg.hidden + direct;
        let qd = nn::linear(p / "qd", head_in, QD_CLASSES, Default::default());
        let sl = nn::linear(p / "sl", head_in, SL_CLASSES, Default::default());
        Self {
            cfg: cfg.clone(),
            image,
            geometry,
            feature_mean,
            feature_std,
            hidden,
            qd,
            sl,
        }
    }

    pub fn config(&self) -> &SpineHeadConfig {
        &self.cfg
    }

    /// Sets the feature standardisation from training features.
    ///
    /// # Shapes
    /// `features`: (patients, GEOMETRY_FEATURES).
    pub fn fit_standardization(&mut self, features: &Tensor) {
        tch::no_grad(|| {
            let mean = features.mean_dim(&[0i64][..], false, Kind::Float);
            let std = features.std_dim(&[0i64][..], false, false) + 1e-4;
            self.feature_mean.copy_(&mean);
            self.feature_std.copy_(&std);
        });
    }

    /// # Shapes
    /// - `image`: (batch, 1, H, W) column image, values 0–1 (ignored when
    ///   the image branch is off)
    /// - `geometry`: (batch, GEOMETRY_FEATURES) raw features (ignored when
    ///   geometry is off)
    /// - returns qd (batch, 3) and sl (batch, 2) logits
    pub fn forward_t(&self, image: &Tensor, geometry: &Tensor, train: bool) -> SpineLogits {
        let geo = (geometry - &self.feature_mean) / &self.feature_std;
        let mut parts = Vec::new();
        if let Some(branch) = &self.image {
            parts.push(branch.forward_t(&standardize(image), train));
        }
        if let Some(layer) = &self.geometry {
            parts.push(geo.apply(layer).relu());
        }
        // (batch, hidden)
        let xs = Tensor::cat(&parts, 1).apply(&self.hidden).relu();
        let mut xs = xs.dropout(self.cfg.dropout, train);
        if self.cfg.use_geometry {
            xs = Tensor::cat(&[xs, geo], 1);
        }
        SpineLogits {
            qd: xs.apply(&self.qd),
            sl: xs.apply(&self.sl),
        }
    }
}
