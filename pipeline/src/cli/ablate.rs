//! `cervai ablate`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct AblateArgs {}

pub fn run(_args: AblateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai ablate` is not built yet")
}
