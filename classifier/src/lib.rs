//! Graders: per-level 2.5D disc/canal networks and the whole-spine head.
//!
//! Takes patch and geometry tensors, returns grade logits; knows nothing of
//! files.
