//! The ablation table: per variant, mean ± standard deviation over folds
//! of the official score and each task's metric, as Markdown and JSON.

use serde::{Deserialize, Serialize};

/// The metrics of one fold, in table order.
pub const METRICS: [&str; 5] = ["score", "qd", "sl", "zjppt", "zyzg"];

/// One variant's result: the metrics of every fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub name: String,
    /// `folds[f][m]`: metric `m` (see [`METRICS`]) on fold `f`.
    pub folds: Vec<[f64; 5]>,
    /// Official score of all out-of-fold predictions pooled.
    pub pooled_score: f64,
    /// Patients in the cross-validation.
    pub patients: usize,
    /// The resolved grader config, as TOML.
    pub config: String,
}

impl VariantResult {
    /// Mean and sample standard deviation of metric `m` over folds.
    pub fn mean_sd(&self, m: usize) -> (f64, f64) {
        let xs: Vec<f64> = self.folds.iter().map(|f| f[m]).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n.max(1.0);
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        (mean, var.sqrt())
    }
}

/// The Markdown table.
pub fn markdown(results: &[VariantResult]) -> String {
    let mut out = String::from(
        "| variant | score | qd (macro-F1) | sl (F1 of 0) | zjppt (macro-F1) | zyzg (macro-F1) |\n",
    );
    out.push_str("|---|---|---|---|---|---|\n");
    for r in results {
        let cells: Vec<String> = (0..METRICS.len())
            .map(|m| {
                let (mean, sd) = r.mean_sd(m);
                format!("{mean:.3} ± {sd:.3}")
            })
            .collect();
        out.push_str(&format!("| {} | {} |\n", r.name, cells.join(" | ")));
    }
    out
}

/// The JSON table: per variant, mean and sd of every metric plus the folds.
pub fn json(results: &[VariantResult]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut row = serde_json::Map::new();
            row.insert("variant".into(), r.name.clone().into());
            for (m, name) in METRICS.iter().enumerate() {
                let (mean, sd) = r.mean_sd(m);
                row.insert(
                    (*name).into(),
                    serde_json::json!({ "mean": mean, "sd": sd }),
                );
            }
            row.insert("pooled_score".into(), r.pooled_score.into());
            row.insert("patients".into(), r.patients.into());
            row.insert("folds".into(), serde_json::json!(r.folds));
            serde_json::Value::Object(row)
        })
        .collect();
    serde_json::Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_sd() {
        let r = VariantResult {
            name: "a".into(),
            folds: vec![[0.5, 0.0, 0.0, 0.0, 0.0], [0.7, 0.0, 0.0, 0.0, 0.0]],
            pooled_score: 0.6,
            patients: 10,
            config: String::new(),
        };
        let (mean, sd) = r.mean_sd(0);
        assert!((mean - 0.6).abs() < 1e-12);
        assert!((sd - 0.02f64.sqrt()).abs() < 1e-12, "{sd}");
        assert!(markdown(&[r]).contains("| a | 0.600 ± 0.141 |"));
    }
}
