//! The IDX reader on good and broken files built in a temp dir.

use std::time::{Duration, Instant};

use data::idx::{read_images, read_labels, write_images, IMAGES_MAGIC, LABELS_MAGIC};
use data::{DimensionProblem, Error, IdxImages};

use crate::common::{assert_names_file, gzip, idx_bytes, put};

fn two_images() -> Vec<u8> {
    idx_bytes(
        IMAGES_MAGIC,
        &[2, 2, 3],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    )
}

#[test]
fn raw_and_gzip_of_the_same_content_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let raw = put(dir.path(), "raw", &two_images());
    // A misleading name: compression is detected from the content.
    let gz = put(dir.path(), "not-gzip-by-name.idx", &gzip(&two_images()));
    let a = read_images(&raw).unwrap();
    assert_eq!(a, read_images(&gz).unwrap());
    assert_eq!((a.count, a.rows, a.cols), (2, 2, 3));
    assert_eq!(a.pixels, (1..=12).collect::<Vec<u8>>());
}

#[test]
fn written_files_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let images = IdxImages {
        count: 3,
        rows: 1,
        cols: 2,
        pixels: vec![9, 8, 7, 6, 5, 4],
    };
    let path = dir.path().join("imgs");
    write_images(&path, &images).unwrap();
    data::idx::write_labels(&dir.path().join("lbls"), &[0, 1, 2]).unwrap();
    assert_eq!(read_images(&path).unwrap(), images);
    assert_eq!(
        read_labels(&dir.path().join("lbls")).unwrap(),
        vec![0, 1, 2]
    );
    // Only the two files: no temp file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn writer_rejects_pixels_that_do_not_match_the_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-write");
    let images = IdxImages {
        count: 2,
        rows: 2,
        cols: 2,
        pixels: vec![0; 7],
    };
    let err = write_images(&path, &images).unwrap_err();
    assert!(matches!(err, Error::Unwritable { .. }), "{err:?}");
    assert_names_file(&err, &path);
    assert!(!path.exists());
}

#[test]
fn wrong_magic_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let labels = put(
        dir.path(),
        "labels-as-images",
        &idx_bytes(LABELS_MAGIC, &[1], &[3]),
    );
    let err = read_images(&labels).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadMagic {
                expected: 0x803,
                found: 0x801,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &labels);
}

#[test]
fn truncated_raw_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = two_images();
    bytes.truncate(bytes.len() - 5);
    let path = put(dir.path(), "short-raw", &bytes);
    let err = read_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Truncated {
                expected_bytes: 12,
                actual_bytes: 7,
                offset: 23,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &path);
}

#[test]
fn truncated_header_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "short-header", &two_images()[..10]);
    let err = read_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TruncatedHeader {
                needed: 16,
                actual: 10,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &path);
}

#[test]
fn trailing_bytes_are_rejected_raw_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = two_images();
    bytes.push(0);
    for (name, content) in [("long-raw", bytes.clone()), ("long.gz", gzip(&bytes))] {
        let path = put(dir.path(), name, &content);
        let err = read_images(&path).unwrap_err();
        assert!(
            matches!(err, Error::TrailingData { offset: 28, .. }),
            "{err:?}"
        );
        assert_names_file(&err, &path);
    }
}

#[test]
fn truncated_gzip_is_rejected_wherever_it_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let full = gzip(&idx_bytes(LABELS_MAGIC, &[3000], &[7; 3000]));
    // Cut inside the deflate data, and just before the end (inside the CRC/size trailer).
    for cut in [full.len() / 2, full.len() - 4, full.len() - 1] {
        let path = put(dir.path(), &format!("cut-{cut}.gz"), &full[..cut]);
        let err = read_labels(&path).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Gzip { .. }
                    | Error::Truncated {
                        compressed: true,
                        ..
                    }
            ),
            "cut at {cut}: {err:?}"
        );
        assert_names_file(&err, &path);
    }
}

#[test]
fn dimensions_whose_product_overflows_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(
        dir.path(),
        "huge-dims",
        &idx_bytes(IMAGES_MAGIC, &[u32::MAX; 3], &[]),
    );
    let err = read_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadDimensions {
                problem: DimensionProblem::Overflow,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &path);
}

#[test]
fn header_claiming_far_more_than_the_file_holds_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    // 60000 * 65535 * 65535 bytes claimed (about 258 TB), a few bytes present.
    let bytes = idx_bytes(IMAGES_MAGIC, &[60_000, 65_535, 65_535], &[1, 2, 3]);
    let raw = put(dir.path(), "liar-raw", &bytes);
    let gz = put(dir.path(), "liar.gz", &gzip(&bytes));
    for path in [raw, gz] {
        let start = Instant::now();
        let err = read_images(&path).unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
        assert!(
            matches!(
                err,
                Error::Truncated {
                    actual_bytes: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names_file(&err, &path);
    }
}

#[test]
fn gzip_bomb_is_bounded_by_the_claimed_size() {
    let dir = tempfile::tempdir().unwrap();
    // Claims 10 bytes of labels but decompresses to 16 MiB of zeros.
    let mut bytes = idx_bytes(LABELS_MAGIC, &[10], &[]);
    bytes.resize(bytes.len() + (16 << 20), 0);
    let path = put(dir.path(), "bomb.gz", &gzip(&bytes));
    let err = read_labels(&path).unwrap_err();
    assert!(
        matches!(err, Error::TrailingData { offset: 18, .. }),
        "{err:?}"
    );
}

#[test]
fn zero_images_zero_rows_and_zero_labels_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let no_images = put(
        dir.path(),
        "no-images",
        &idx_bytes(IMAGES_MAGIC, &[0, 28, 28], &[]),
    );
    let flat = put(
        dir.path(),
        "flat",
        &idx_bytes(IMAGES_MAGIC, &[1, 0, 28], &[]),
    );
    let no_labels = put(dir.path(), "no-labels", &idx_bytes(LABELS_MAGIC, &[0], &[]));
    let cases = [
        (
            read_images(&no_images).map(drop),
            &no_images,
            DimensionProblem::NoItems,
        ),
        (
            read_images(&flat).map(drop),
            &flat,
            DimensionProblem::ZeroSize,
        ),
        (
            read_labels(&no_labels).map(drop),
            &no_labels,
            DimensionProblem::NoItems,
        ),
    ];
    for (result, path, expected) in cases {
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::BadDimensions { problem, .. } if problem == expected),
            "{err:?}"
        );
        assert_names_file(&err, path);
    }
    let msg = read_images(&no_images).unwrap_err().to_string();
    assert!(msg.contains("no images"), "{msg}");
}

#[test]
fn missing_and_empty_files_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent-file");
    let err = read_labels(&absent).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_names_file(&err, &absent);
    let empty = put(dir.path(), "empty-file", &[]);
    let err = read_labels(&empty).unwrap_err();
    assert!(
        matches!(err, Error::TruncatedHeader { actual: 0, .. }),
        "{err:?}"
    );
    assert_names_file(&err, &empty);
}
