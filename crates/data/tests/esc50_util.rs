//! Helpers shared by the ESC-50 tests: the real data folder, WAV files built by hand or with
//! hound, and a seeded noise generator.

use std::path::{Path, PathBuf};

use data::DATA_DIR_ENV;

/// `$MYNET_DATA_DIR/esc50`, or `None` (after saying so) when the variable is unset.
pub fn real_esc50() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(root) => Some(PathBuf::from(root).join("esc50")),
        None => {
            println!("skipping: {DATA_DIR_ENV} not set");
            None
        }
    }
}

/// Asserts that the error's message names the file `path`.
pub fn assert_names(err: &data::esc50::Esc50Error, path: &Path) {
    let msg = err.to_string();
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(&*name), "message does not name {name}: {msg}");
}

/// Bytes of a canonical RIFF/WAVE file with a 16-byte `fmt ` chunk and the given data chunk;
/// `data_len` overrides the data chunk's size field (to make it lie).
pub fn wav_bytes(
    format_tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: &[u8],
    data_len: Option<u32>,
) -> Vec<u8> {
    let block_align = channels * bits.div_ceil(8);
    let data_len = data_len.unwrap_or(data.len() as u32);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36u32.wrapping_add(data_len)).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&format_tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Writes integer samples with hound (`bits` 8, 16, 24 or 32) and returns the path.
pub fn write_int_wav(
    dir: &Path,
    name: &str,
    channels: u16,
    rate: u32,
    bits: u16,
    samples: &[i32],
) -> PathBuf {
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for &s in samples {
        if bits == 8 {
            w.write_sample(s as i8).unwrap();
        } else {
            w.write_sample(s).unwrap();
        }
    }
    w.finalize().unwrap();
    path
}

/// Writes 32-bit float samples with hound and returns the path.
pub fn write_float_wav(
    dir: &Path,
    name: &str,
    channels: u16,
    rate: u32,
    samples: &[f32],
) -> PathBuf {
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    path
}

/// `n` values of seeded uniform noise in [-1, 1) (a 64-bit LCG; no rand dependency).
pub fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A sine of `freq` Hz at `sr`, `n` samples, amplitude `amp`.
pub fn sine(freq: f64, sr: u32, n: usize, amp: f64) -> Vec<f32> {
    (0..n)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(sr)).sin()) as f32
        })
        .collect()
}
