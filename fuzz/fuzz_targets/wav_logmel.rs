//! The WAV reader and log-mel features: `data::esc50::read_wav_into` (at the file's own length
//! and cropped/padded to 10 ms), then `LogMel::compute_matrix` at the ESC-50 defaults.
//!
//! Invariants: no panic, no allocation beyond what the input can back, errors name the file
//! on one line, integer samples lie in [-1, 1], the output has the configured length, and
//! the feature matrix has `frames × 60` values, all finite for finite input.
#![no_main]

use std::cell::RefCell;

use data::esc50::{read_wav_into, LogMel, LogMelConfig, WavConfig};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

thread_local! {
    static LOGMEL: RefCell<LogMel> =
        RefCell::new(LogMel::new(LogMelConfig::default()).expect("default config is valid"));
    static SAMPLES: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

fuzz_target!(|bytes: &[u8]| {
    let path = common::scratch("wav_logmel");
    common::put(&path, bytes);
    SAMPLES.with_borrow_mut(|samples| {
        let whole = WavConfig {
            sample_rate: 44_100,
            duration_s: None,
        };
        match read_wav_into(&path, &whole, samples) {
            Ok(info) => {
                assert_eq!(samples.len(), info.frames_in_file);
                assert!(info.frames_in_file > 0 && info.channels > 0);
                if !info.float {
                    // Not [-1, 1): full-scale 32-bit PCM (i32::MAX) rounds to exactly 1.0 in f32.
                    assert!(samples.iter().all(|s| (-1.0..=1.0).contains(s)));
                }
                LOGMEL.with_borrow_mut(|lm| {
                    let features = lm.compute_matrix(samples);
                    assert_eq!(features.data.len(), features.frames * 60);
                    if samples.iter().all(|s| s.abs() <= 1e3) {
                        assert!(features.data.iter().all(|v| !v.is_nan()));
                    }
                });
            }
            Err(e) => common::check_error(&e, &path),
        }
        let short = WavConfig {
            sample_rate: 44_100,
            duration_s: Some(0.01),
        };
        match read_wav_into(&path, &short, samples) {
            Ok(_) => assert_eq!(samples.len(), 441),
            Err(e) => common::check_error(&e, &path),
        }
    });
});
