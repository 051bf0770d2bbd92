//! Fuzzes the image decoder (PNG/JPEG header check, OpenCV decoding, gray
//! and 8-bit conversion): it must never panic or abort, and an image it
//! returns has as many pixels as its size says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::data::image::decode_gray;
use std::path::Path;

fuzz_target!(|bytes: &[u8]| {
    let origin = Path::new("fuzz/tra/2-3.png");
    match decode_gray(bytes, origin, "fuzz") {
        Ok(img) => {
            assert_eq!(img.pixels.len(), img.width * img.height);
            assert!(img.width > 0 && img.height > 0);
        }
        Err(e) => {
            assert_eq!(e.patient.as_deref(), Some("fuzz"));
            assert_eq!(e.file, origin);
        }
    }
});
