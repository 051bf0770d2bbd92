//! `RUN/report/index.html`: one self-contained page (inline CSS, no script,
//! no network) built from a [`RunReport`]. Overlays are linked relatively
//! (`overlays/<id>.jpg`); everything else is inline HTML.

use super::stats::{LevelIou, PatientIou};
use super::tables::{self, escape, num, url_segment, TASKS};
use crate::anatomy::SLICES;
use crate::metric::Score;
use crate::run::errors::PatientError;
use std::fmt::Write;

/// Section ids of the page, in order; each is an `<h2>` the nav links to.
pub const SECTIONS: [(&str, &str); 9] = [
    ("summary", "Summary"),
    ("score", "Official score"),
    ("confusion", "Confusion matrices"),
    ("per-level", "Per-level F1"),
    ("detector", "Detector IoU"),
    ("worst", "Worst patients"),
    ("patients", "All patients"),
    ("failures", "Failures"),
    ("config", "Config"),
];

/// Everything the page shows, already computed.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Shown as the page title, e.g. the run folder's name.
    pub title: String,
    /// The official metric; `None` when the cohort has no labels.
    pub score: Option<Score>,
    /// IoU per level; `None` when there are no true or no detected boxes.
    pub ious: Option<Vec<LevelIou>>,
    /// Every patient of the run, worst first.
    pub patients: Vec<PatientRow>,
    /// How many of the worst patients get their own table.
    pub worst_rows: usize,
    /// `errors.json` of the run.
    pub failures: Vec<PatientError>,
    /// Text of `config.toml`, if present.
    pub config: Option<String>,
    /// Problems met while reading the run (bad records, unreadable images).
    pub notes: Vec<String>,
}

/// One patient of the run.
#[derive(Clone, Debug, Default)]
pub struct PatientRow {
    pub id: String,
    /// Grades that differ from the labels (of 18); `None` without both.
    pub wrong: Option<usize>,
    pub has_prediction: bool,
    pub has_label: bool,
    /// Box agreement, when both true and detected boxes exist.
    pub iou: Option<PatientIou>,
    /// Levels × slices the detector did not find.
    pub undetected: usize,
    /// Stages at which the patient failed.
    pub failed_stages: Vec<String>,
    /// Overlay path relative to `report/`.
    pub overlay: Option<String>,
}

/// Renders the whole page.
pub fn render(report: &RunReport) -> String {
    let mut body = String::new();
    body.push_str(&summary(report));
    body.push_str(&score_section(report));
    body.push_str(&confusion_section(report));
    body.push_str(&per_level_section(report));
    body.push_str(&detector_section(report));
    body.push_str(&worst_section(report));
    body.push_str(&patients_section(report));
    body.push_str(&failures_section(report));
    body.push_str(&config_section(report));
    page(&report.title, &body)
}

fn page(title: &str, body: &str) -> String {
    let nav: String = SECTIONS
        .iter()
        .map(|(id, name)| format!("<a href=\"#{id}\">{name}</a>"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>cervai report: {t}</title><style>{CSS}</style></head><body>\
         <header><h1>cervai run report: {t}</h1><nav>{nav}</nav></header><main>{body}</main>\
         </body></html>\n",
        t = escape(title)
    )
}

fn section(id: &str, inner: &str) -> String {
    let name = SECTIONS
        .iter()
        .find(|(s, _)| *s == id)
        .map_or(id, |(_, n)| n);
    format!("<section id=\"{id}\"><h2>{name}</h2>{inner}</section>\n")
}

fn absent(text: &str) -> String {
    format!("<p class=\"absent\">{}</p>", escape(text))
}

fn summary(r: &RunReport) -> String {
    let count = |f: fn(&PatientRow) -> bool| r.patients.iter().filter(|p| f(p)).count();
    let items = [
        ("patients", r.patients.len()),
        ("with predictions", count(|p| p.has_prediction)),
        ("with labels", count(|p| p.has_label)),
        ("failed", count(|p| !p.failed_stages.is_empty())),
        ("overlays", count(|p| p.overlay.is_some())),
    ];
    let mut html = String::from("<div class=\"cards\">");
    if let Some(s) = &r.score {
        let _ = write!(
            html,
            "<div class=\"card main\"><b>{}</b>score</div>",
            num(s.score)
        );
    }
    if let Some(levels) = &r.ious {
        let iou = num(mean_iou(levels));
        let _ = write!(html, "<div class=\"card\"><b>{iou}</b>mean IoU</div>");
    }
    for (name, n) in items {
        let _ = write!(html, "<div class=\"card\"><b>{n}</b>{name}</div>");
    }
    html.push_str("</div>");
    if !r.notes.is_empty() {
        html.push_str("<details><summary>notes while reading the run</summary><ul>");
        r.notes
            .iter()
            .for_each(|n| html.push_str(&format!("<li>{}</li>", escape(n))));
        html.push_str("</ul></details>");
    }
    section("summary", &html)
}

/// Mean IoU over every compared box of every level.
fn mean_iou(levels: &[LevelIou]) -> f64 {
    let n: usize = levels.iter().map(|l| l.n).sum();
    let sum: f64 = levels
        .iter()
        .filter(|l| l.n > 0)
        .map(|l| l.mean * l.n as f64)
        .sum();
    sum / n as f64
}

fn score_section(r: &RunReport) -> String {
    let inner = match &r.score {
        Some(s) => format!(
            "{}<p class=\"note\">{} patients scored; {} labelled patients without a \
             prediction are left out.</p>",
            tables::score_table(s),
            s.n_scored,
            s.missing.len()
        ),
        None => absent("No labels for the patients of this run: nothing to score."),
    };
    section("score", &inner)
}

fn confusion_section(r: &RunReport) -> String {
    let Some(s) = &r.score else {
        return section("confusion", &absent("No labels: no confusion matrices."));
    };
    let mut html = String::from("<div class=\"grid\">");
    for (task, ts) in TASKS.iter().zip(tables::task_scores(s)) {
        let _ = write!(
            html,
            "<div><h3>{} · {} {}</h3>{}</div>",
            task.title,
            task.metric,
            num(ts.metric),
            tables::confusion_table(task, ts)
        );
    }
    html.push_str(
        "</div><p class=\"note\">Rows are true grades, columns predicted; \
                   F1 in grey is for a class that is averaged in no metric.</p>",
    );
    section("confusion", &html)
}

fn per_level_section(r: &RunReport) -> String {
    let Some(s) = &r.score else {
        return section("per-level", &absent("No labels: no per-level F1."));
    };
    let html = format!(
        "<div class=\"grid\"><div><h3>Discs (zjppt)</h3>{}</div><div><h3>Canal (zyzg)</h3>{}\
         </div></div>",
        tables::position_table("zjppt", &s.zjppt_by_disc),
        tables::position_table("zyzg", &s.zyzg_by_position)
    );
    section("per-level", &html)
}

fn detector_section(r: &RunReport) -> String {
    let inner = match &r.ious {
        Some(levels) => format!(
            "{}<p class=\"note\">IoU of each detected box with the true box of its level, \
             over patients and slices 5–7; a level not found counts as missed, not as 0.</p>",
            tables::iou_table(levels)
        ),
        None => absent("No true boxes or no detected boxes for this run: no IoU."),
    };
    section("detector", &inner)
}

fn worst_section(r: &RunReport) -> String {
    let rows = &r.patients[..r.worst_rows.min(r.patients.len())];
    let inner = if rows.is_empty() {
        absent("No patients.")
    } else {
        patient_table(rows, true)
    };
    section("worst", &inner)
}

fn patients_section(r: &RunReport) -> String {
    let mut sorted: Vec<&PatientRow> = r.patients.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let rows: Vec<PatientRow> = sorted.into_iter().cloned().collect();
    let inner = format!(
        "<details open><summary>{} patients, by id</summary>{}</details>",
        rows.len(),
        patient_table(&rows, false)
    );
    section("patients", &inner)
}

fn patient_table(rows: &[PatientRow], thumbnails: bool) -> String {
    let mut html = String::from(
        "<table class=\"patients\"><tr><th>patient</th><th>wrong grades</th><th>mean IoU</th>\
         <th>worst box</th><th>not found</th><th>failed at</th><th>overlay</th></tr>",
    );
    rows.iter()
        .for_each(|p| html.push_str(&patient_row(p, thumbnails)));
    html.push_str("</table>");
    html
}

fn patient_row(p: &PatientRow, thumbnail: bool) -> String {
    let wrong = p.wrong.map_or("–".to_owned(), |w| format!("{w} / 18"));
    let (mean, worst) = match &p.iou {
        Some(i) => {
            let (level, slice, iou) = i.worst;
            let iou = iou.map_or("not found".to_owned(), num);
            let worst = format!("{level} slice {} · {iou}", SLICES[slice]);
            (num(i.mean), worst)
        }
        None => ("–".to_owned(), "–".to_owned()),
    };
    format!(
        "<tr data-patient=\"{id}\"><td>{id}</td><td>{wrong}</td><td>{mean}</td>\
         <td>{worst}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        p.undetected,
        escape(&p.failed_stages.join(", ")),
        overlay_cell(p, thumbnail),
        id = escape(&p.id)
    )
}

fn overlay_cell(p: &PatientRow, thumbnail: bool) -> String {
    let Some(path) = &p.overlay else {
        return "–".to_owned();
    };
    let href: Vec<String> = path.split('/').map(url_segment).collect();
    let href = href.join("/");
    if !thumbnail {
        return format!("<a href=\"{href}\">overlay</a>");
    }
    format!(
        "<a href=\"{href}\"><img class=\"thumb\" src=\"{href}\" loading=\"lazy\" \
         alt=\"overlay of {}\"></a>",
        escape(&p.id)
    )
}

fn failures_section(r: &RunReport) -> String {
    if r.failures.is_empty() {
        return section("failures", "<p class=\"ok\">No patient failed.</p>");
    }
    let mut html = String::from(
        "<table class=\"failures\"><tr><th>patient</th><th>stage</th><th>file</th>\
         <th>problem</th></tr>",
    );
    for f in &r.failures {
        let _ = write!(
            html,
            "<tr data-patient=\"{id}\"><td>{id}</td><td>{}</td><td><code>{}</code></td>\
             <td>{}</td></tr>",
            escape(&f.stage),
            escape(&f.file),
            escape(&f.problem),
            id = escape(&f.id)
        );
    }
    html.push_str("</table>");
    section("failures", &html)
}

fn config_section(r: &RunReport) -> String {
    let inner = match &r.config {
        Some(text) => format!("<pre>{}</pre>", escape(text)),
        None => absent("No config.toml in the run folder."),
    };
    section("config", &inner)
}

/// The page's style sheet, inlined into `<style>`.
const CSS: &str = include_str!("report.css");
