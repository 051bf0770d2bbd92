//! The loop every stage shares: skip patients whose output is complete,
//! process the rest in chunks (so a model sees full batches), record the
//! patients that fail and go on with the others.

use super::errors::PatientError;
use super::progress::stage_bar;

/// What one stage did.
#[derive(Debug, Default)]
pub struct StageOutcome {
    /// Patients processed in this invocation.
    pub done: usize,
    /// Patients whose output already existed.
    pub skipped: usize,
    pub failed: Vec<PatientError>,
}

/// Runs `work` over the patients of `ids` that `is_done` does not accept,
/// `chunk` at a time. `work` returns one result per id of its chunk, in
/// order.
pub fn drive(
    stage: &str,
    ids: &[String],
    chunk: usize,
    is_done: impl Fn(&str) -> bool + Sync,
    mut work: impl FnMut(&[String]) -> Vec<Result<(), PatientError>>,
) -> StageOutcome {
    use rayon::prelude::*;

    // Find what is left to do (checking files is I/O; do it in parallel)
    let pending: Vec<String> = ids.par_iter().filter(|id| !is_done(id)).cloned().collect();
    let mut outcome = StageOutcome {
        skipped: ids.len() - pending.len(),
        ..Default::default()
    };
    if pending.is_empty() {
        tracing::debug!("{stage}: all {} patients already done", ids.len());
        return outcome;
    }

    // Process in chunks; one failure never stops the batch
    let bar = stage_bar(stage, pending.len());
    for part in pending.chunks(chunk.max(1)) {
        let results = work(part);
        assert_eq!(
            results.len(),
            part.len(),
            "stage {stage} must answer every patient"
        );
        for result in results {
            match result {
                Ok(()) => outcome.done += 1,
                Err(e) => outcome.failed.push(e),
            }
        }
        bar.inc(part.len() as u64);
    }
    bar.finish_and_clear();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_done_patients_and_collects_failures() {
        let ids: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let mut seen = Vec::new();
        let outcome = drive(
            "test",
            &ids,
            3,
            |id| id == "0" || id == "1",
            |chunk| {
                seen.extend(chunk.to_vec());
                chunk
                    .iter()
                    .map(|id| match id.as_str() {
                        "5" => Err(PatientError::new(id, "test", "x.png".as_ref(), "broken")),
                        _ => Ok(()),
                    })
                    .collect()
            },
        );
        assert_eq!(outcome.skipped, 2);
        assert_eq!(outcome.done, 7);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].id, "5");
        assert_eq!(seen.len(), 8);
        assert!(!seen.contains(&"0".to_owned()));
    }
}
