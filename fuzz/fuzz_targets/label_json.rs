//! Fuzzes the label/submission reader: it must never panic, every record it
//! keeps has grades in range, and what it keeps writes back and reads back
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::data::json::to_pretty;
use pipeline::data::labels::parse_labels;
use std::path::Path;

fuzz_target!(|bytes: &[u8]| {
    let origin = Path::new("fuzz/labels.json");
    let Ok(file) = parse_labels(bytes, origin) else {
        return;
    };
    for p in &file.patients {
        assert!(p.qd < 3 && p.sl < 2, "{p:?}");
        assert!(p.zjppt.iter().chain(&p.zyzg).all(|&g| g < 4), "{p:?}");
        assert!(!p.id.is_empty() && p.id.trim() == p.id);
    }
    for e in &file.errors {
        assert_eq!(e.file, origin);
    }
    let again = parse_labels(&to_pretty(&file.patients), origin).unwrap();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(again.patients, file.patients);
});
