//! `LogMel` against the NumPy reference of `scripts/esc50_logmel_reference.py` (which agrees
//! with librosa 0.11's `power_to_db(melspectrogram(...))` to 3e-7 dB).
//!
//! Tolerance: where the reference power is above 100 × floor (−80 dB), |Δ| < 0.01 dB; below
//! that, where f32 rounding of the FFT matters relative to the frame's loud bins, |Δ| < 0.1 dB.
//! Measured: real clips ≤ 2e-4 dB (the goldens are rounded to 5e-5) and ≤ 0.013 dB; the
//! synthetic signal (93 dB range within a frame) 0.0033 dB and 0.029 dB.

use std::path::{Path, PathBuf};

use data::esc50::{read_wav, LogMel, LogMelConfig, WavConfig};

use crate::esc50_util::real_esc50;

const TOL_DB: f32 = 0.01;
const TOL_NEAR_FLOOR_DB: f32 = 0.1;
const FLOOR_DB_PLUS_20: f32 = -80.0;

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// The kept frames of a golden file: (frame index, values).
fn read_golden(path: &Path) -> Vec<(usize, Vec<f32>)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut fields = l.split(',');
            let t = fields.next().unwrap().parse().unwrap();
            (t, fields.map(|v| v.parse().unwrap()).collect())
        })
        .collect()
}

/// Compares `features` (frames × 60) with the golden rows; returns the largest differences
/// above and below −80 dB.
fn compare(features: &[f32], frames: usize, rows: &[(usize, Vec<f32>)]) -> (f32, f32) {
    let (mut loud, mut quiet) = (0.0f32, 0.0f32);
    let last = rows.last().unwrap().0;
    assert_eq!(last, frames - 1, "the golden file ends with the last frame");
    for (t, expected) in rows {
        let row = &features[t * 60..(t + 1) * 60];
        assert_eq!(expected.len(), 60);
        for (m, (&got, &want)) in row.iter().zip(expected).enumerate() {
            let d = (got - want).abs();
            if want > FLOOR_DB_PLUS_20 {
                loud = loud.max(d);
                assert!(d < TOL_DB, "frame {t} band {m}: {got} vs {want}");
            } else {
                quiet = quiet.max(d);
                assert!(d < TOL_NEAR_FLOOR_DB, "frame {t} band {m}: {got} vs {want}");
            }
        }
    }
    (loud, quiet)
}

/// The signal of `synthetic_signal()` in the script.
fn synthetic_signal() -> Vec<f32> {
    let sr = 44_100usize;
    let mut x: Vec<f64> = (0..sr / 2)
        .map(|n| {
            let t = n as f64 / sr as f64;
            let tau = 2.0 * std::f64::consts::PI;
            (0.5 * (tau * 440.0 * t).sin()
                + 0.25 * (tau * 3000.0 * t + 0.3).sin()
                + 0.1 * (tau * (200.0 * t + 4000.0 * t * t)).sin())
                * (-3.0 * t).exp()
        })
        .collect();
    x[sr / 4] += 0.8;
    x.into_iter().map(|v| v as f32).collect()
}

#[test]
fn synthetic_signal_matches_the_numpy_reference() {
    let rows = read_golden(&golden("logmel_synthetic.csv"));
    let x = synthetic_signal();
    let mut lm = LogMel::new(LogMelConfig::default()).unwrap();
    let m = lm.compute_matrix(&x);
    assert_eq!((m.frames, rows.len()), (44, 44));
    let (loud, quiet) = compare(&m.data, m.frames, &rows);
    println!("synthetic: max |Δ| {loud:.5} dB above -80 dB, {quiet:.5} dB below");
}

#[test]
fn real_clips_match_the_numpy_reference() {
    let Some(root) = real_esc50() else { return };
    let mut lm = LogMel::new(LogMelConfig::default()).unwrap();
    for clip in ["1-100032-A-0", "1-116765-A-41"] {
        let rows = read_golden(&golden(&format!("logmel_{clip}.csv")));
        let x = read_wav(
            &root.join(format!("audio/{clip}.wav")),
            &WavConfig::default(),
        )
        .unwrap();
        let m = lm.compute_matrix(&x);
        assert_eq!(m.frames, 431);
        let (loud, quiet) = compare(&m.data, m.frames, &rows);
        println!("{clip}: max |Δ| {loud:.5} dB above -80 dB, {quiet:.5} dB below");
    }
}
