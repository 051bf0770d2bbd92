//! The official metric against numbers computed independently with
//! scikit-learn 1.9.1. The Python that produced each expected value is in
//! the comment beside it; CI does not run Python.
//!
//! ```python
//! from sklearn.metrics import f1_score, confusion_matrix
//! L = {  # id: (qd, sl, zjppt, zyzg), the labels of `labels()` below
//!  "a": (0, 1, [0,1,2,2,0], [0,1,0,2,0,2,0,1,0,1,0]),
//!  "b": (1, 0, [2,2,2,0,0], [0,1,1,2,0,1,0,0,0,1,0]),
//!  "c": (1, 1, [0,0,2,2,2], [0,0,0,1,0,3,1,2,0,1,0]),
//!  "d": (2, 1, [1,2,2,2,1], [1,1,0,1,0,1,0,1,0,1,0]),
//!  "e": (1, 1, [0,0,0,2,2], [0,0,0,0,0,1,0,2,0,2,0]),
//!  "f": (0, 0, [2,2,2,2,2], [0,1,0,1,0,1,0,1,0,1,0]),
//! }
//! P = {  # the predictions of `predictions()` below
//!  "a": (0, 1, [0,2,2,2,0], [0,1,0,1,0,2,0,1,0,1,0]),
//!  "b": (1, 0, [2,2,1,0,0], [0,1,0,2,0,1,0,0,0,1,0]),
//!  "c": (2, 1, [0,0,2,2,2], [0,0,0,1,0,2,1,2,0,1,3]),
//!  "d": (2, 0, [1,2,2,0,1], [1,1,0,1,0,1,0,1,0,1,0]),
//!  "e": (1, 1, [0,0,0,2,2], [0,0,0,0,0,1,0,2,0,2,0]),
//!  "f": (1, 1, [2,2,2,2,2], [0,1,0,1,0,1,0,1,0,1,0]),
//!  "zz": (2, 0, [3,3,3,3,3], [3]*11),
//! }
//! def score(L, P):
//!     ids = [i for i in L if i in P]
//!     t = lambda k: [L[i][k] for i in ids]; p = lambda k: [P[i][k] for i in ids]
//!     flat = lambda xs: [g for x in xs for g in x]
//!     qd = f1_score(t(0), p(0), average="macro")
//!     sl = f1_score(t(1), p(1), labels=[0], average="macro", zero_division=0)
//!     zj = f1_score(flat(t(2)), flat(p(2)), average="macro")
//!     zy = f1_score(flat(t(3)), flat(p(3)), average="macro")
//!     return [round(v, 12) for v in (qd, sl, zj, zy, .2*qd + .2*sl + .3*zj + .3*zy)]
//! ```

use pipeline::data::PatientGrades;
use pipeline::metric::{baseline, score, Score};
use std::io::Write;
use std::path::PathBuf;

fn grades(id: &str, qd: u8, sl: u8, zjppt: [u8; 5], zyzg: [u8; 11]) -> PatientGrades {
    let id = id.to_owned();
    PatientGrades {
        id,
        qd,
        sl,
        zjppt,
        zyzg,
    }
}

fn labels() -> Vec<PatientGrades> {
    vec![
        grades(
            "a",
            0,
            1,
            [0, 1, 2, 2, 0],
            [0, 1, 0, 2, 0, 2, 0, 1, 0, 1, 0],
        ),
        grades(
            "b",
            1,
            0,
            [2, 2, 2, 0, 0],
            [0, 1, 1, 2, 0, 1, 0, 0, 0, 1, 0],
        ),
        grades(
            "c",
            1,
            1,
            [0, 0, 2, 2, 2],
            [0, 0, 0, 1, 0, 3, 1, 2, 0, 1, 0],
        ),
        grades(
            "d",
            2,
            1,
            [1, 2, 2, 2, 1],
            [1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
        ),
        grades(
            "e",
            1,
            1,
            [0, 0, 0, 2, 2],
            [0, 0, 0, 0, 0, 1, 0, 2, 0, 2, 0],
        ),
        grades(
            "f",
            0,
            0,
            [2, 2, 2, 2, 2],
            [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
        ),
    ]
}

fn predictions() -> Vec<PatientGrades> {
    vec![
        grades(
            "a",
            0,
            1,
            [0, 2, 2, 2, 0],
            [0, 1, 0, 1, 0, 2, 0, 1, 0, 1, 0],
        ),
        grades(
            "b",
            1,
            0,
            [2, 2, 1, 0, 0],
            [0, 1, 0, 2, 0, 1, 0, 0, 0, 1, 0],
        ),
        grades(
            "c",
            2,
            1,
            [0, 0, 2, 2, 2],
            [0, 0, 0, 1, 0, 2, 1, 2, 0, 1, 3],
        ),
        grades(
            "d",
            2,
            0,
            [1, 2, 2, 0, 1],
            [1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
        ),
        grades(
            "e",
            1,
            1,
            [0, 0, 0, 2, 2],
            [0, 0, 0, 0, 0, 1, 0, 2, 0, 2, 0],
        ),
        grades(
            "f",
            1,
            1,
            [2, 2, 2, 2, 2],
            [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
        ),
        grades("zz", 2, 0, [3; 5], [3; 11]),
    ]
}

/// Checks [qd, sl, zjppt, zyzg, score] to 1e-9.
fn assert_metrics(s: &Score, expected: [f64; 5]) {
    let got = [
        s.qd.metric,
        s.sl.metric,
        s.zjppt.metric,
        s.zyzg.metric,
        s.score,
    ];
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() < 1e-9, "got {got:?}, expected {expected:?}");
    }
}

#[test]
fn matches_sklearn_with_unknown_id_and_a_class_that_never_occurs() {
    // print(score(L, P))
    let s = score(&labels(), &predictions());
    assert_metrics(
        &s,
        [
            0.666666666667,
            0.5,
            0.842773600668,
            0.690212940213,
            0.693229295598,
        ],
    );
    assert_eq!(s.n_scored, 6);
    assert_eq!(s.ignored, vec!["zz".to_owned()]);
    assert!(s.missing.is_empty());
    // zjppt grade 3 occurs nowhere among the scored patients: not averaged.
    assert_eq!(s.zjppt.classes_averaged, vec![0, 1, 2]);
    // zyzg grade 3 is true once and predicted once, never together: F1 0.
    assert_eq!(s.zyzg.f1_per_class[3], 0.0);
}

#[test]
fn confusion_and_per_position_scores_match_sklearn() {
    let s = score(&labels(), &predictions());
    // confusion_matrix([L[i][0] for i in L], [P[i][0] for i in L], labels=[0,1,2])
    let qd = vec![vec![1, 1, 0], vec![0, 2, 1], vec![0, 0, 1]];
    assert_eq!(s.qd.confusion.counts, qd);
    // f1_score([L[i][3][5] for i in L], [P[i][3][5] for i in L], average="macro")
    let c4c5 = &s.zyzg_by_position[5];
    assert_eq!(c4c5.position, "C4-C5");
    assert!((c4c5.macro_f1 - 0.555555555556).abs() < 1e-9);
    // f1_score([L[i][2][0] for i in L], [P[i][2][0] for i in L], average="macro")
    assert_eq!(s.zjppt_by_disc[0].position, "C2-C3");
    assert!((s.zjppt_by_disc[0].macro_f1 - 1.0).abs() < 1e-12);
    assert_eq!(s.zyzg.confusion.total(), 66);
}

#[test]
fn patient_missing_from_predictions_is_left_out() {
    // print(score(L, {k: v for k, v in P.items() if k != "c"}))
    let preds: Vec<_> = predictions().into_iter().filter(|p| p.id != "c").collect();
    let s = score(&labels(), &preds);
    assert_metrics(
        &s,
        [
            0.822222222222,
            0.5,
            0.832183908046,
            0.940128098023,
            0.796138046265,
        ],
    );
    assert_eq!(s.n_scored, 5);
    assert_eq!(s.missing, vec!["c".to_owned()]);
}

#[test]
fn all_zero_predictions_match_sklearn() {
    // print(score(L, {i: (0, 0, [0]*5, [0]*11) for i in L}))
    let zeros: Vec<_> = labels()
        .iter()
        .map(|p| PatientGrades::zeros(&p.id))
        .collect();
    let s = score(&labels(), &zeros);
    assert_metrics(
        &s,
        [
            0.166666666667,
            0.5,
            0.153846153846,
            0.179611650485,
            0.233370674633,
        ],
    );
}

#[test]
fn sl_without_any_class_0_label_scores_0() {
    // L1 = {i: (v[0], 1, v[2], v[3]) for i, v in L.items()}
    // score(L1, {i: (v[0], 1, v[2], v[3]) for i, v in P.items()})[1] -> 0.0
    // score(L1, P)[1] -> 0.0
    let all_one = |mut p: PatientGrades| {
        p.sl = 1;
        p
    };
    let l1: Vec<_> = labels().into_iter().map(all_one).collect();
    let p1: Vec<_> = predictions().into_iter().map(all_one).collect();
    assert_eq!(score(&l1, &p1).sl.metric, 0.0);
    assert_eq!(score(&l1, &predictions()).sl.metric, 0.0);
}

#[test]
fn ids_match_trimmed_and_ignoring_case() {
    let mut preds = predictions();
    preds[0].id = " A ".into();
    let s = score(&labels(), &preds);
    assert_eq!(s.n_scored, 6);
    assert!(s.missing.is_empty());
}

#[test]
fn score_serialises_to_json() {
    let s = score(&labels(), &predictions());
    let v = serde_json::to_value(&s).unwrap();
    assert!((v["score"].as_f64().unwrap() - 0.693229295598).abs() < 1e-9);
    assert_eq!(v["zyzg_by_position"].as_array().unwrap().len(), 11);
    assert_eq!(v["qd"]["confusion"]["counts"][1][2], 1);
}

#[test]
fn majority_baseline_out_of_fold_on_public_labels() {
    // Patient i in fold i % 5; mode per task/position on the other folds
    // (ties to the lower grade, np.argmax(np.bincount(...))); all held-out
    // predictions scored together with score() above.
    // -> [0.268061783757, 0.0, 0.364533684493, 0.361926862628, 0.271550520888]
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cervai/train.json");
    if !path.is_file() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found", path.display());
        return;
    }
    let labels = pipeline::data::read_labels(&path).unwrap().patients;
    let s = baseline::majority_out_of_fold(&labels, 5);
    assert_metrics(
        &s,
        [
            0.268061783757,
            0.0,
            0.364533684493,
            0.361926862628,
            0.271550520888,
        ],
    );
}
