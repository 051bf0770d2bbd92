//! `cervai synth`: writes a demo cohort of phantom studies in the official
//! layout, with `train.json`, `bounding_box_train.json` and the oracle's
//! `oracle.json`, and optionally a contact sheet to look at.

use crate::metric::{baseline::majority_out_of_fold, score};
use crate::synth::{self, Phantom};
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
    report_ceiling_and_floor(&phantoms);
    if let Some(path) = &args.preview {
        synth::preview::write_preview(path, &phantoms, args.seed, args.preview_patients)
            .with_context(|| format!("writing the contact sheet {}", path.display()))?;
        println!("contact sheet: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the oracle's official score (the ceiling the phantoms allow) and
/// the per-position majority baseline out of fold (the floor).
fn report_ceiling_and_floor(phantoms: &[Phantom]) {
    let labels: Vec<_> = phantoms.iter().map(Phantom::grades).collect();
    let oracle: Vec<_> = phantoms.iter().map(synth::oracle::read_phantom).collect();
    let ceiling = score(&labels, &oracle);
    println!(
        "oracle score {:.4} (qd {:.3}  sl {:.3}  zjppt {:.3}  zyzg {:.3})",
        ceiling.score,
        ceiling.qd.metric,
        ceiling.sl.metric,
        ceiling.zjppt.metric,
        ceiling.zyzg.metric
    );
    if phantoms.len() >= 10 {
        let floor = majority_out_of_fold(&labels, 5);
        println!("majority baseline (5-fold, out of fold) {:.4}", floor.score);
    }
}
