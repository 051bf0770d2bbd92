//! Fuzzes `parse_box`: it must never panic, and a box it accepts must be
//! finite, non-empty and inside the 224×224 image.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::data::boxes::parse_box;

fuzz_target!(|text: &str| {
    if let Ok(b) = parse_box(text) {
        assert!(b.x1 < b.x2 && b.y1 < b.y2, "{text:?} gave {b:?}");
        assert!(b.x1 >= 0.0 && b.y1 >= 0.0 && b.x2 <= 224.0 && b.y2 <= 224.0);
        let _ = b.to_challenge_string();
    }
});
