//! The ESC-50 metadata parser, `data::esc50::Metadata::load`, on arbitrary bytes.
//!
//! Invariants: no panic; errors name the file on one line; every clip of a file that parses
//! has a plain unique file name, a fold in 1..=5, a target in 0..50 and an `esc10` flag only on
//! ESC-10 classes.
#![no_main]

use std::collections::HashSet;

use data::esc50::{esc10_label, Metadata, ESC50_CLASSES, ESC50_FOLDS};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| {
    let path = common::scratch("esc50_meta");
    common::put(&path, bytes);
    match Metadata::load(&path) {
        Ok(meta) => {
            assert!(!meta.clips.is_empty());
            let mut seen = HashSet::new();
            for clip in &meta.clips {
                assert!((1..=ESC50_FOLDS).contains(&clip.fold));
                assert!(usize::from(clip.target) < ESC50_CLASSES);
                assert!(!clip.esc10 || esc10_label(clip.target).is_some());
                let name = clip.filename.as_str();
                assert!(!name.is_empty() && name != "." && name != "..");
                assert!(!name.contains(['/', '\\']));
                assert!(seen.insert(name));
            }
        }
        Err(e) => common::check_error(&e, &path),
    }
});
