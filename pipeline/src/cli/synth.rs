//! `cervai synth`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SynthArgs {}

pub fn run(_args: SynthArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai synth` is not built yet")
}
