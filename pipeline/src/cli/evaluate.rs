//! `cervai evaluate`: the official score of a prediction file against a
//! label file, printed as a compact table and optionally written as JSON.
//! Bad records in either file are reported by patient and left out; the
//! good ones are still scored, and the exit status is 1.

use crate::data::{read_labels, DataError};
use crate::metric::{score, Score, TaskScore};
use anyhow::Context;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// Label file in the shape of train.json.
    #[arg(long)]
    pub labels: PathBuf,
    /// Prediction file in the submission shape (example_answer.json).
    #[arg(long)]
    pub pred: PathBuf,
    /// Also write the score, confusion matrices and per-position F1 here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// The JSON that `--json` writes: the score plus the records not read.
#[derive(Serialize)]
struct Report<'a> {
    labels: String,
    predictions: String,
    #[serde(flatten)]
    score: &'a Score,
    read_errors: Vec<String>,
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    // Read both files; a bad record is reported and the rest go on.
    let labels = read_labels(&args.labels).context("reading the labels")?;
    let preds = read_labels(&args.pred).context("reading the predictions")?;
    let errors: Vec<&DataError> = labels.errors.iter().chain(&preds.errors).collect();
    for e in &errors {
        tracing::error!("{e}");
    }

    // Score and print.
    let s = score(&labels.patients, &preds.patients);
    print!("{}", table(&s, errors.len()));

    // Write the JSON report.
    if let Some(path) = &args.json {
        let report = Report {
            labels: args.labels.display().to_string(),
            predictions: args.pred.display().to_string(),
            score: &s,
            read_errors: errors.iter().map(|e| e.to_string()).collect(),
        };
        crate::data::json::write_pretty(path, &report)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The printed summary: the score, each task's metric, and the counts.
pub fn table(s: &Score, n_errors: usize) -> String {
    let row = |name: &str, what: &str, t: &TaskScore| {
        let f1: Vec<String> = t.f1_per_class.iter().map(|f| format!("{f:.3}")).collect();
        format!(
            "{name:<6} {what:<22} {:>6.4}   [{}]\n",
            t.metric,
            f1.join(" ")
        )
    };
    let mut out = String::new();
    out.push_str("task   metric                  value   F1 per class\n");
    out.push_str(&row("qd", "macro-F1 (0.2)", &s.qd));
    out.push_str(&row("sl", "F1 of class 0 (0.2)", &s.sl));
    out.push_str(&row("zjppt", "macro-F1 5 discs (0.3)", &s.zjppt));
    out.push_str(&row("zyzg", "macro-F1 11 pos. (0.3)", &s.zyzg));
    out.push_str(&format!("score  {:<22} {:>6.4}\n", "weighted sum", s.score));
    out.push_str(&format!(
        "patients scored {}, missing from predictions {}, ignored (not in labels) {}, \
         bad records {}\n",
        s.n_scored,
        s.missing.len(),
        s.ignored.len(),
        n_errors
    ));
    out
}
