//! `cervai detector …` and `cervai detect`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DetectorArgs {}

#[derive(clap::Args)]
pub struct DetectArgs {}

pub fn run(_args: DetectorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai detector` is not built yet")
}

pub fn detect(_args: DetectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai detect` is not built yet")
}
