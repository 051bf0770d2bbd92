//! Compute device selection shared by every command that runs a model.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// Where models run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// The CPU (default).
    #[default]
    Cpu,
    /// The first CUDA GPU; an error when none is present.
    Cuda,
}

impl DeviceKind {
    /// The tch device, or an error when CUDA was asked for but is absent.
    pub fn resolve(self) -> anyhow::Result<tch::Device> {
        match self {
            DeviceKind::Cpu => Ok(tch::Device::Cpu),
            DeviceKind::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
            DeviceKind::Cuda => anyhow::bail!(
                "--device cuda was asked for but libtorch sees no CUDA device \
                 (build with scripts/setup.sh --cuda on a GPU machine)"
            ),
        }
    }
}

/// Sets libtorch's intra-op thread count; 0 keeps libtorch's default.
pub fn set_threads(threads: usize) {
    if threads > 0 {
        tch::set_num_threads(threads as i32);
    }
}
