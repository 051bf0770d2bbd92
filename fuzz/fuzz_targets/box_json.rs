//! Fuzzes the box-file reader (detector output allowed, so `null` levels
//! and `scores` too): it must never panic, and what it keeps is valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::data::boxes::parse_boxes;
use std::path::Path;

fuzz_target!(|bytes: &[u8]| {
    let origin = Path::new("fuzz/boxes.json");
    for allow_missing in [false, true] {
        let Ok(file) = parse_boxes(bytes, origin, allow_missing) else {
            return;
        };
        for p in &file.patients {
            assert!(allow_missing || p.is_complete(), "{p:?}");
            for b in p.levels.iter().flatten().flatten() {
                assert!(b.bbox.x1 < b.bbox.x2 && b.bbox.y1 < b.bbox.y2, "{b:?}");
            }
        }
        for e in &file.errors {
            assert_eq!(e.file, origin);
        }
    }
});
