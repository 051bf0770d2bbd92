//! `cervai synth`: writes a demo cohort of phantom studies in the official
//! layout, with `train.json`, `bounding_box_train.json` and the oracle's
//! `oracle.json`, and optionally a contact sheet to look at.

use crate::synth;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct SynthArgs {
    /// Folder to write the cohort into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of patients.
    #[arg(long, default_value_t = 400)]
    pub patients: usize,
    /// Seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also write a contact sheet PNG of the first few patients here.
    #[arg(long)]
    pub preview: Option<PathBuf>,
    /// Patients shown on the contact sheet.
    #[arg(long, default_value_t = 4)]
    pub preview_patients: usize,
}

pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let phantoms = synth::generate(&args.out, args.patients, args.seed)
        .with_context(|| format!("writing the cohort into {}", args.out.display()))?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "wrote {} phantom studies to {} in {secs:.1} s (seed {})",
        phantoms.len(),
        args.out.display(),
        args.seed
    );
    if let Some(path) = &args.preview {
        synth::preview::write_preview(path, &phantoms, args.seed, args.preview_patients)
            .with_context(|| format!("writing the contact sheet {}", path.display()))?;
        println!("contact sheet: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
