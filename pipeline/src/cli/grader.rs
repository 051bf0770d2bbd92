//! `cervai classifier …` and `cervai grade`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ClassifierArgs {}

#[derive(clap::Args)]
pub struct GradeArgs {}

pub fn run(_args: ClassifierArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai classifier` is not built yet")
}

pub fn grade(_args: GradeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cervai grade` is not built yet")
}
