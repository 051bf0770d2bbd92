//! `cervai evaluate`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct EvaluateArgs {}

pub fn run(_args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai evaluate` is not built yet")
}
