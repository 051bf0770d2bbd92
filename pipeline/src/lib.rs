//! cervai's pipeline: data layer, OpenCV image work, the stages of a run,
//! the official metric, reports and the demo-cohort generator. The `cervai`
//! binary (`main.rs`) only parses the command line and dispatches here.

pub mod ablate;
pub mod anatomy;
pub mod cli;
pub mod crops;
pub mod data;
pub mod detect;
pub mod device;
pub mod grade;
pub mod hash;
pub mod logging;
pub mod memory;
pub mod metric;
pub mod report;
pub mod run;
pub mod synth;
