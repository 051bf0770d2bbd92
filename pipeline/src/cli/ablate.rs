//! `cervai ablate`: named config variants over one patient-level split.

use crate::ablate::{self, AblationConfig};
use crate::device::DeviceKind;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct AblateArgs {
    /// Ablation config (base grader config plus named variants).
    #[arg(long, default_value = "configs/ablations/default.toml")]
    pub config: PathBuf,
    /// Output folder; an existing one is resumed.
    #[arg(long, default_value = "runs/ablation")]
    pub out: PathBuf,
    /// Device for training and inference.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceKind,
}

pub fn run(args: AblateArgs) -> anyhow::Result<ExitCode> {
    let cfg = AblationConfig::load(&args.config).map_err(anyhow::Error::msg)?;
    let _lock = crate::run::lock::RunLock::acquire(&args.out)?;
    let results = ablate::run(&cfg, &args.out, args.device.resolve()?)?;
    println!("\n{}", ablate::table::markdown(&results));
    println!("table: {}", args.out.join("table.md").display());
    Ok(ExitCode::SUCCESS)
}
