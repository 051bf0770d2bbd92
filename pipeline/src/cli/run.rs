//! `cervai run` and `cervai merge`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {}

#[derive(clap::Args)]
pub struct MergeArgs {}

pub fn run(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai run` is not built yet")
}

pub fn merge(_args: MergeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai merge` is not built yet")
}
