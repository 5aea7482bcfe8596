//! `Mnist::load` and `ImageSet::load` on small directories built in a temp dir.

use std::path::Path;

use data::idx::{IMAGES_MAGIC, LABELS_MAGIC};
use data::{Error, ImageSet, Mnist, MNIST_FILES};

use crate::common::{assert_names_file, gzip, idx_bytes, put};

/// Writes a tiny MNIST-like set: `n` 2x2 images whose pixels are their index, labels `i % 10`.
fn write_set(dir: &Path, prefix: &str, n: u8, gz: bool) {
    let pixels: Vec<u8> = (0..n).flat_map(|i| [i; 4]).collect();
    let labels: Vec<u8> = (0..n).map(|i| i % 10).collect();
    let images = idx_bytes(IMAGES_MAGIC, &[n.into(), 2, 2], &pixels);
    let labels = idx_bytes(LABELS_MAGIC, &[n.into()], &labels);
    let (suffix, images, labels) = if gz {
        (".gz", gzip(&images), gzip(&labels))
    } else {
        ("", images, labels)
    };
    let kind = |k: &str, d: u8| format!("{prefix}-{k}-idx{d}-ubyte{suffix}");
    put(dir, &kind("images", 3), &images);
    put(dir, &kind("labels", 1), &labels);
}

#[test]
fn loads_a_directory_mixing_gzip_and_raw_files() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), "train", 12, true);
    write_set(dir.path(), "t10k", 5, false);
    let m = Mnist::load(dir.path()).unwrap();
    assert_eq!((m.train.len(), m.test.len()), (12, 5));
    assert_eq!(
        (m.train.rows(), m.train.cols(), m.train.classes()),
        (2, 2, 10)
    );
    assert_eq!(m.train.image(11), &[11; 4]);
    assert_eq!(m.train.label(11), 1);
    assert_eq!(m.test.labels(), &[0, 1, 2, 3, 4]);
}

#[test]
fn prefers_the_uncompressed_file_when_both_exist() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), "train", 3, false);
    write_set(dir.path(), "t10k", 3, false);
    write_set(dir.path(), "train", 7, true);
    assert_eq!(Mnist::load(dir.path()).unwrap().train.len(), 3);
}

#[test]
fn missing_files_lists_the_absent_ones() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Mnist::missing_files(dir.path()), MNIST_FILES.to_vec());
    write_set(dir.path(), "train", 2, true);
    assert_eq!(
        Mnist::missing_files(dir.path()),
        vec!["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    );
    let err = Mnist::load(dir.path()).unwrap_err();
    assert!(
        matches!(err, Error::MissingFiles { ref files, .. } if files.len() == 2),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("t10k-images-idx3-ubyte") && msg.contains("MYNET_DATA_DIR"),
        "{msg}"
    );
}

#[test]
fn image_and_label_counts_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    let images = put(
        dir.path(),
        "imgs",
        &idx_bytes(IMAGES_MAGIC, &[2, 1, 1], &[0, 0]),
    );
    let labels = put(
        dir.path(),
        "lbls",
        &idx_bytes(LABELS_MAGIC, &[3], &[0, 1, 2]),
    );
    let err = ImageSet::load(&images, &labels, 10).unwrap_err();
    assert!(
        matches!(
            err,
            Error::CountMismatch {
                images: 2,
                labels: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &images);
    assert_names_file(&err, &labels);
}

#[test]
fn label_ten_is_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), "t10k", 3, false);
    put(
        dir.path(),
        "train-images-idx3-ubyte",
        &idx_bytes(IMAGES_MAGIC, &[3, 1, 1], &[0, 0, 0]),
    );
    let labels = put(
        dir.path(),
        "train-labels-idx1-ubyte",
        &idx_bytes(LABELS_MAGIC, &[3], &[9, 10, 0]),
    );
    let err = Mnist::load(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                index: 1,
                offset: 9,
                label: 10,
                classes: 10,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_file(&err, &labels);
}
