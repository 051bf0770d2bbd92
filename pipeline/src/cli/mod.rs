//! Command-line definitions. Each subcommand's arguments and entry point
//! live in their own module; `main.rs` only dispatches.

pub mod ablate;
pub mod detector;
pub mod evaluate;
pub mod grader;
pub mod run;
pub mod synth;

use clap::{Parser, Subcommand};

/// Cervical-spine T2 MRI grading: C2–C7 detection, per-level disc and
/// canal grades, curvature and alignment.
#[derive(Parser)]
#[command(name = "cervai", version)]
pub struct Cli {
    /// More log output (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only warnings and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Official score of a prediction file against labels.
    Evaluate(evaluate::EvaluateArgs),
    /// Generate a demo cohort of phantom studies in the official layout.
    Synth(synth::SynthArgs),
    /// Train or evaluate the C2–C7 detector.
    Detector(detector::DetectorArgs),
    /// Detector-only localization job: C2–C7 boxes for a folder of studies.
    Detect(detector::DetectArgs),
    /// Train or cross-validate the graders.
    Classifier(grader::ClassifierArgs),
    /// Grade crops with trained graders into a submission file.
    Grade(grader::GradeArgs),
    /// Run the staged pipeline (detect, crop, grade, report) on a cohort.
    Run(run::RunArgs),
    /// Join the outputs of sharded runs into one run.
    Merge(run::MergeArgs),
    /// Run an ablation: named config variants over one patient-level split.
    Ablate(ablate::AblateArgs),
}
