//! Regression tests for inputs found by fuzzing (`fuzz/`, see docs/reliability.md) and for the
//! hostile inputs the other test files do not already cover. Each test is named after what it
//! guards; fuzz findings say which target found them.

use std::io::Write;
use std::time::{Duration, Instant};

use data::idx::{read_images, read_labels, IMAGES_MAGIC, LABELS_MAGIC};
use data::Error;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::common::{assert_names_file, idx_bytes, put};

/// One gzip member of `len` zero bytes.
fn gzip_zeros(len: usize) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(&vec![0; len]).unwrap();
    enc.finish().unwrap()
}

/// A 1 MB file that decompresses to more than a gigabyte: `header` in a first gzip member, then
/// 128 members of 8 MiB of zeros each (the reader accepts multi-member gzip, as `gzip -c a b`
/// writes).
fn gigabyte_bomb(header: &[u8]) -> Vec<u8> {
    let mut first = GzEncoder::new(Vec::new(), Compression::best());
    first.write_all(header).unwrap();
    let mut bytes = first.finish().unwrap();
    let zeros = gzip_zeros(8 << 20);
    for _ in 0..128 {
        bytes.extend_from_slice(&zeros);
    }
    bytes
}

#[test]
fn gigabyte_gzip_bomb_stops_at_the_claimed_size() {
    // idx_files.rs has a 16 MiB bomb; this one expands to 1 GiB. Whatever the header claims,
    // the reader stops one byte past it (TrailingData), in milliseconds, never decompressing
    // (or allocating) the whole gigabyte.
    let dir = tempfile::tempdir().unwrap();
    let labels = put(
        dir.path(),
        "labels-bomb.gz",
        &gigabyte_bomb(&idx_bytes(LABELS_MAGIC, &[10], &[])),
    );
    let images = put(
        dir.path(),
        "images-bomb.gz",
        &gigabyte_bomb(&idx_bytes(IMAGES_MAGIC, &[100, 28, 28], &[])),
    );
    assert!(std::fs::metadata(&labels).unwrap().len() < 2 << 20);
    let start = Instant::now();
    let err = read_labels(&labels).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TrailingData {
                offset: 18,
                expected_bytes: 10,
                compressed: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &labels);
    let err = read_images(&images).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TrailingData {
                expected_bytes: 78_400,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &images);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

/// The message a binary prints for `err` (anyhow's `{:#}`): the error and its sources.
fn chain(err: &dyn std::error::Error) -> String {
    let mut msg = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    msg
}

#[test]
fn esc50_header_name_with_a_newline_gives_a_one_line_error() {
    // Found by the esc50_meta fuzz target (crash-651575196cddf61bcec1224f307bf4552f866297):
    // a quoted header field holding a newline (and NULs) was echoed raw in the
    // MissingColumn message, so the binary's "one line on stderr" broke.
    let dir = tempfile::tempdir().unwrap();
    let path = put(
        dir.path(),
        "esc50.csv",
        b"\"file\nname\0\",fold,target,category,esc10,src_file,take\n\
          1-1-A-0.wav,1,0,dog,True,1,A\n",
    );
    let err = data::esc50::Metadata::load(&path).unwrap_err();
    assert!(
        matches!(
            err,
            data::Esc50Error::MissingColumn {
                column: "filename",
                ..
            }
        ),
        "{err:?}"
    );
    let msg = chain(&err);
    assert!(!msg.contains('\n'), "{msg:?}");
    assert!(msg.contains(r"file\nname\0,fold,target"), "{msg}");
    assert!(msg.contains("esc50.csv"), "{msg}");
}

#[test]
fn full_scale_32_bit_pcm_reads_as_plus_minus_one_not_beyond() {
    // Found by the wav_logmel fuzz target (crash-842a7fa15a54b19f67e216959cc9871dd735cc08):
    // its check "integer samples lie in [-1, 1)" failed on a 32-bit PCM sample of i32::MAX,
    // which is 1 - 2^-31 exactly but rounds to 1.0 in f32. Not a reader bug: the range of
    // 32-bit input is [-1, 1] (16-bit stays in [-1, 1)); this pins it, and that nothing
    // overflows past it.
    use crate::esc50_util::wav_bytes;
    use data::esc50::{read_wav, WavConfig};

    let dir = tempfile::tempdir().unwrap();
    let samples = [i32::MAX, i32::MIN, i32::MAX - 1, 0];
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let path = put(
        dir.path(),
        "full-scale-32.wav",
        &wav_bytes(1, 1, 44_100, 32, &data, None),
    );
    let whole = WavConfig {
        sample_rate: 44_100,
        duration_s: None,
    };
    let got = read_wav(&path, &whole).unwrap();
    assert_eq!(got, [1.0, -1.0, 1.0, 0.0]);

    let data: Vec<u8> = [i16::MAX, i16::MIN]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let path = put(
        dir.path(),
        "full-scale-16.wav",
        &wav_bytes(1, 1, 44_100, 16, &data, None),
    );
    let got = read_wav(&path, &whole).unwrap();
    assert_eq!(got, [32_767.0 / 32_768.0, -1.0]);
}
