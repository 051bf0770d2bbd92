//! Patient-level k-fold cross-validation: every patient is in exactly one
//! fold, and the model that predicts a fold never trained on it.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Fold of each of `n` patients: a seeded shuffle dealt round-robin, so
/// fold sizes differ by at most one.
pub fn assign_folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut fold = vec![0; n];
    for (rank, &i) in order.iter().enumerate() {
        fold[i] = rank % k.max(1);
    }
    fold
}

/// Indices outside and inside fold `f`.
pub fn split(folds: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    (0..folds.len()).partition(|&i| folds[i] != f)
}

/// Out-of-fold predictions: for each fold, `train` sees only the other
/// folds' indices and `predict` the model and the fold's own indices,
/// returning one prediction per index. Results come back in patient order.
pub fn out_of_fold<M, P: Clone>(
    folds: &[usize],
    k: usize,
    mut train: impl FnMut(usize, &[usize]) -> M,
    mut predict: impl FnMut(&M, &[usize]) -> Vec<P>,
) -> Vec<P> {
    let mut out: Vec<Option<P>> = vec![None; folds.len()];
    for f in 0..k {
        let (train_idx, test_idx) = split(folds, f);
        if test_idx.is_empty() {
            continue;
        }
        let model = train(f, &train_idx);
        for (i, p) in test_idx.iter().zip(predict(&model, &test_idx)) {
            out[*i] = Some(p);
        }
    }
    out.into_iter()
        .map(|p| p.expect("every patient belongs to one fold"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_seeded_and_cover_everyone() {
        let f = assign_folds(23, 5, 7);
        for k in 0..5 {
            let size = f.iter().filter(|&&x| x == k).count();
            assert!(size == 4 || size == 5, "fold {k} has {size}");
        }
        assert_eq!(f, assign_folds(23, 5, 7));
        assert_ne!(f, assign_folds(23, 5, 8));
    }

    #[test]
    fn out_of_fold_predictions_never_see_their_own_patient() {
        let folds = assign_folds(30, 5, 1);
        // The "model" is its training set; it predicts whether each
        // queried patient was in it, and which fold trained it.
        let preds = out_of_fold(
            &folds,
            5,
            |f, train| (f, train.to_vec()),
            |(f, train), test| test.iter().map(|i| (train.contains(i), *f)).collect(),
        );
        for (i, (seen, fold)) in preds.iter().enumerate() {
            assert!(!seen, "patient {i} was in its own model's training set");
            assert_eq!(
                *fold, folds[i],
                "patient {i} predicted by another fold's model"
            );
        }
    }
}
