//! The `cervai` command line: parses arguments, sets up logging and
//! dispatches to `pipeline::cli`.

use clap::Parser;
use pipeline::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    pipeline::logging::init(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Evaluate(args) => pipeline::cli::evaluate::run(args),
        Command::Synth(args) => pipeline::cli::synth::run(args),
        Command::Detector(args) => pipeline::cli::detector::run(args),
        Command::Detect(args) => pipeline::cli::detector::detect(args),
        Command::Classifier(args) => pipeline::cli::grader::run(args),
        Command::Grade(args) => pipeline::cli::grader::grade(args),
        Command::Run(args) => pipeline::cli::run::run(args),
        Command::Merge(args) => pipeline::cli::run::merge(args),
        Command::Ablate(args) => pipeline::cli::ablate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
