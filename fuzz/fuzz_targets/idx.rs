//! The IDX reader (raw or gzip): `data::idx::read_images` and `read_labels` on arbitrary bytes.
//!
//! Invariants: no panic, no allocation beyond what the input can back (libFuzzer's
//! `-rss_limit_mb` and `-malloc_limit_mb` catch that), errors name the file on one line, and a
//! file that reads back is consistent with its header and survives a write/read round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| {
    let path = common::scratch("idx");
    common::put(&path, bytes);
    match data::idx::read_images(&path) {
        Ok(images) => {
            assert!(images.count > 0 && images.rows > 0 && images.cols > 0);
            assert_eq!(
                images.pixels.len(),
                images.count * images.rows * images.cols
            );
            let copy = common::scratch("idx-copy");
            data::idx::write_images(&copy, &images).expect("a read file can be written");
            assert_eq!(data::idx::read_images(&copy).expect("round trip"), images);
        }
        Err(e) => common::check_error(&e, &path),
    }
    match data::idx::read_labels(&path) {
        Ok(labels) => {
            assert!(!labels.is_empty());
            let copy = common::scratch("idx-copy");
            data::idx::write_labels(&copy, &labels).expect("read labels can be written");
            assert_eq!(data::idx::read_labels(&copy).expect("round trip"), labels);
        }
        Err(e) => common::check_error(&e, &path),
    }
});
