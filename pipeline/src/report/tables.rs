//! HTML fragments of the run report: the score table, confusion matrices
//! (rows true, columns predicted; every count cell carries `data-true` and
//! `data-pred` so that tests and scripts can read it back), per-level F1
//! bars and the detector's IoU box plots. Plain HTML + CSS, no script.

use super::stats::LevelIou;
use crate::metric::{Confusion, PositionScore, Score, TaskScore, WEIGHTS};
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment for an `href` or `src`.
pub fn url_segment(text: &str) -> String {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
    text.bytes()
        .map(|b| {
            if keep(b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A metric in [0, 1] with three decimals; "–" when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "–".to_owned()
    }
}

/// One task of the official score: key, title, class names (with their
/// number, as the label files write them).
pub struct Task {
    pub key: &'static str,
    pub title: &'static str,
    pub metric: &'static str,
    pub classes: &'static [&'static str],
}

/// The four tasks in the order of [`WEIGHTS`].
pub const TASKS: [Task; 4] = [
    Task {
        key: "qd",
        title: "Curvature (qd)",
        metric: "macro-F1",
        classes: &["0 lordosis", "1 straightened", "2 kyphotic"],
    },
    Task {
        key: "sl",
        title: "Alignment (sl)",
        metric: "F1 of class 0 (poor)",
        classes: &["0 poor", "1 acceptable"],
    },
    Task {
        key: "zjppt",
        title: "Disc herniation (zjppt, 5 discs pooled)",
        metric: "macro-F1",
        classes: &["0 normal", "1 bulge", "2 protrusion", "3 extrusion"],
    },
    Task {
        key: "zyzg",
        title: "Canal stenosis (zyzg, 11 positions pooled)",
        metric: "macro-F1",
        classes: &["grade 0", "grade 1", "grade 2", "grade 3"],
    },
];

/// The four task scores of `score` in [`TASKS`] order.
pub fn task_scores(score: &Score) -> [&TaskScore; 4] {
    [&score.qd, &score.sl, &score.zjppt, &score.zyzg]
}

/// Task, metric, weight, value and weighted part; the total last.
pub fn score_table(score: &Score) -> String {
    let mut html = String::from(
        "<table class=\"score\"><tr><th>task</th><th>metric</th><th>weight</th>\
         <th>value</th><th>weighted</th></tr>",
    );
    for ((task, ts), w) in TASKS.iter().zip(task_scores(score)).zip(WEIGHTS) {
        let _ = write!(
            html,
            "<tr data-task=\"{}\"><td>{}</td><td>{}</td><td>{w:.1}</td><td class=\"v\">{}</td>\
             <td>{}</td></tr>",
            task.key,
            task.title,
            task.metric,
            num(ts.metric),
            num(w * ts.metric)
        );
    }
    let _ = write!(
        html,
        "<tr class=\"total\"><td colspan=\"3\">official score</td><td class=\"v\" \
         id=\"official-score\">{}</td><td></td></tr></table>",
        num(score.score)
    );
    html
}

/// A confusion matrix with per-class F1; rows true, columns predicted.
pub fn confusion_table(task: &Task, ts: &TaskScore) -> String {
    let m = &ts.confusion;
    let max = m.counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut html = format!(
        "<table class=\"cm\" data-task=\"{}\"><tr><th>true \\ predicted</th>",
        task.key
    );
    for name in task.classes {
        let _ = write!(html, "<th>{name}</th>");
    }
    html.push_str("<th>total</th><th>F1</th></tr>");
    for (t, row) in m.counts.iter().enumerate() {
        let name = task.classes.get(t).unwrap_or(&"");
        let _ = write!(html, "<tr><th>{name}</th>");
        for (p, &n) in row.iter().enumerate() {
            let _ = write!(
                html,
                "<td data-true=\"{t}\" data-pred=\"{p}\" style=\"{}\">{n}</td>",
                cell_style(n, max, t == p)
            );
        }
        let averaged = if ts.classes_averaged.contains(&t) {
            ""
        } else {
            " class=\"muted\""
        };
        let f1 = num(ts.f1_per_class.get(t).copied().unwrap_or(f64::NAN));
        let _ = write!(
            html,
            "<td>{}</td><td{averaged}>{f1}</td></tr>",
            row.iter().sum::<u64>()
        );
    }
    html.push_str("<tr class=\"sum\"><th>predicted total</th>");
    for p in 0..m.counts.len() {
        let _ = write!(
            html,
            "<td>{}</td>",
            m.counts.iter().map(|row| row[p]).sum::<u64>()
        );
    }
    let _ = write!(html, "<td>{}</td><td></td></tr></table>", m.total());
    html
}

fn cell_style(n: u64, max: u64, diagonal: bool) -> String {
    if n == 0 {
        return String::new();
    }
    let alpha = 0.12 + 0.6 * n as f64 / max as f64;
    let rgb = if diagonal { "46,160,67" } else { "218,54,51" };
    format!("background:rgba({rgb},{alpha:.2})")
}

/// Accuracy of a matrix; NaN when empty.
pub fn accuracy(m: &Confusion) -> f64 {
    let diag: u64 = (0..m.counts.len()).map(|c| m.counts[c][c]).sum();
    diag as f64 / m.total() as f64
}

/// One row per position: macro-F1 as a bar, accuracy, patients.
pub fn position_table(task_key: &str, positions: &[PositionScore]) -> String {
    let mut html = format!(
        "<table class=\"levels\" data-task=\"{task_key}\"><tr><th>position</th>\
         <th>macro-F1</th><th></th><th>accuracy</th><th>n</th></tr>"
    );
    for p in positions {
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"v\">{}</td><td class=\"barcell\"><div class=\"bar\" \
             style=\"width:{:.1}%\"></div></td><td>{}</td><td>{}</td></tr>",
            escape(&p.position),
            num(p.macro_f1),
            100.0 * p.macro_f1.clamp(0.0, 1.0),
            num(accuracy(&p.confusion)),
            p.confusion.total()
        );
    }
    html.push_str("</table>");
    html
}

/// Quantiles of IoU per level with a CSS box plot on a 0–1 scale.
pub fn iou_table(levels: &[LevelIou]) -> String {
    let mut html = String::from(
        "<table class=\"iou\"><tr><th>level</th><th>boxes</th><th>missed</th><th>mean</th>\
         <th>min</th><th>q25</th><th>median</th><th>q75</th><th>max</th><th>IoU ≥ 0.5</th>\
         <th class=\"plothead\">0 ··· IoU ··· 1</th></tr>",
    );
    for l in levels {
        let q = l.quantiles;
        let _ = write!(
            html,
            "<tr data-level=\"{}\"><td>{}</td><td>{}</td><td>{}</td>",
            l.level, l.level, l.n, l.missed
        );
        for v in [l.mean, q[0], q[1], q[2], q[3], q[4], l.hit_rate] {
            let _ = write!(html, "<td>{}</td>", num(v));
        }
        let _ = write!(html, "<td class=\"plot\">{}</td></tr>", box_plot(&q));
    }
    html.push_str("</table>");
    html
}

fn box_plot(q: &[f64; 5]) -> String {
    if q.iter().any(|v| !v.is_finite()) {
        return String::new();
    }
    let pct = |v: f64| 100.0 * v.clamp(0.0, 1.0);
    format!(
        "<div class=\"track\"><div class=\"whisker\" style=\"left:{:.1}%;width:{:.1}%\"></div>\
         <div class=\"box\" style=\"left:{:.1}%;width:{:.1}%\"></div>\
         <div class=\"median\" style=\"left:{:.1}%\"></div></div>",
        pct(q[0]),
        pct(q[4]) - pct(q[0]),
        pct(q[1]),
        (pct(q[3]) - pct(q[1])).max(0.5),
        pct(q[2])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_encodes_urls() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(url_segment("p 1#2.png"), "p%201%232.png");
    }

    #[test]
    fn confusion_cells_carry_their_indices() {
        let m = Confusion::from_pairs(2, [(0, 0), (0, 1), (1, 1), (1, 1)]);
        let ts = crate::metric::score_pairs(&[]).sl;
        let ts = TaskScore { confusion: m, ..ts };
        let html = confusion_table(&TASKS[1], &ts);
        let off_diagonal = "data-true=\"0\" data-pred=\"1\" style=\"background:rgba(218,54,51";
        assert!(html.contains(off_diagonal));
        assert!(html.contains(">2</td>"), "two (1, 1) pairs");
    }
}
