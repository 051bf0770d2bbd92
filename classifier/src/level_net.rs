//! The per-level 2.5D grader: a sagittal branch over the three-slice stack
//! (or the mid slice alone), an optional axial branch, a learned embedding
//! of the position, a shared hidden layer and two heads: disc herniation
//! (4 grades, meaningful at the five discs) and canal stenosis (4 grades,
//! all eleven positions). Weights are shared across positions.

use crate::blocks::{standardize, ConvStack};
use crate::config::{LevelNetConfig, SliceMode};
use tch::{nn, nn::Module, Tensor};

/// Number of graded positions (bodies and discs, C2 … C7).
pub const POSITIONS: i64 = 11;
/// Grades of the disc and canal heads.
pub const GRADES: i64 = 4;
/// Stack index of the mid-sagittal slice.
const MID: i64 = 1;

/// Logits of one batch of levels.
#[derive(Debug)]
pub struct LevelLogits {
    /// (batch, 4) disc grades; only rows of disc positions are meaningful.
    pub disc: Tensor,
    /// (batch, 4) canal grades.
    pub canal: Tensor,
}

#[derive(Debug)]
pub struct LevelNet {
    cfg: LevelNetConfig,
    sagittal: ConvStack,
    axial: Option<ConvStack>,
    embed: nn::Embedding,
    hidden: nn::Linear,
    disc: nn::Linear,
    canal: nn::Linear,
}

impl LevelNet {
    pub fn new(p: &nn::Path, cfg: &LevelNetConfig) -> Self {
        let in_channels = match cfg.slices {
            SliceMode::Stack => 3,
            SliceMode::Mid => 1,
        };
        let sagittal = ConvStack::new(p / "sagittal", in_channels, cfg.width, 3);
        let axial = cfg
            .use_axial
            .then(|| ConvStack::new(p / "axial", 1, cfg.width, 3));
        let embed = nn::embedding(p / "embed", POSITIONS, cfg.embed_dim, Default::default());
        let features =
            sagittal.out_dim() + axial.as_ref().map_or(0, ConvStack::out_dim) + cfg.embed_dim;
        let hidden = nn::linear(p / "hidden", features, cfg.hidden, Default::default());
        let disc = nn::linear(p / "disc", cfg.hidden, GRADES, Default::default());
        let canal = nn::linear(p / "canal", cfg.hidden, GRADES, Default::default());
        Self {
            cfg: cfg.clone(),
            sagittal,
            axial,
            embed,
            hidden,
            disc,
            canal,
        }
    }

    pub fn config(&self) -> &LevelNetConfig {
        &self.cfg
    }

    /// # Shapes
    /// - `sagittal`: (batch, 3, S, S) slices 5, 6, 7, values 0–1
    /// - `axial`: (batch, 1, A, A), values 0–1 (ignored without the branch)
    /// - `position`: (batch,) int64 position index 0..11
    /// - returns disc and canal logits, each (batch, 4)
    pub fn forward_t(
        &self,
        sagittal: &Tensor,
        axial: &Tensor,
        position: &Tensor,
        train: bool,
    ) -> LevelLogits {
        let sagittal = match self.cfg.slices {
            SliceMode::Stack => sagittal.shallow_clone(),
            // (batch, 1, S, S)
            SliceMode::Mid => sagittal.narrow(1, MID, 1),
        };
        let mut parts = vec![self.sagittal.forward_t(&standardize(&sagittal), train)];
        if let Some(branch) = &self.axial {
            parts.push(branch.forward_t(&standardize(axial), train));
        }
        parts.push(self.embed.forward(position));
        // (batch, features) -> (batch, hidden)
        let xs = Tensor::cat(&parts, 1).apply(&self.hidden).relu();
        let xs = xs.dropout(self.cfg.dropout, train);
        LevelLogits {
            disc: xs.apply(&self.disc),
            canal: xs.apply(&self.canal),
        }
    }
}
