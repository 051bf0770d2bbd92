//! The progress bar of a stage: one steady line per stage, hidden when
//! stderr is not a terminal or logging is quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `total` patients labelled with the stage name.
pub fn stage_bar(stage: &str, total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    let style = ProgressStyle::with_template(
        "{prefix:>8} [{bar:30}] {pos}/{len} patients  {per_sec}  eta {eta}",
    )
    .expect("static template is valid")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(stage.to_owned());
    if !tracing::enabled!(tracing::Level::INFO) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}
