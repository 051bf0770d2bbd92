//! The staged batch pipeline behind `cervai run`: detect → crop → grade →
//! report over a cohort folder, each stage reading the previous stage's
//! files and writing its own into a run directory (see `layout`). Stages
//! resume, patients run in parallel, and failures land in `errors.json`.

pub mod config;
pub mod detect;
pub mod drive;
pub mod errors;
pub mod execute;
pub mod grade;
pub mod layout;
pub mod localize;
pub mod lock;
pub mod merge;
pub mod models;
pub mod progress;
pub mod report;
pub mod shard;

pub use config::{BoxSource, ResolvedRun, RunConfig, Stage};
pub use execute::{execute, RunSummary};
pub use layout::RunDir;
pub use shard::Shard;
