//! Anchor-free, single-stage C2–C7 detector written with tch.
//!
//! Takes image tensors `(batch, 1, height, width)` and returns boxes; knows
//! nothing of files. See `model` for the architecture.
