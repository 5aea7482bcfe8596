//! MNIST and Fashion-MNIST: the four standard IDX files in one directory.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::image_set::ImageSet;

/// Number of classes in MNIST and Fashion-MNIST.
pub const MNIST_CLASSES: usize = 10;

/// Standard name of the training images file (without `.gz`).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// Standard name of the training labels file (without `.gz`).
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// Standard name of the test images file (without `.gz`).
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// Standard name of the test labels file (without `.gz`).
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// The four standard file names, without `.gz`, in the order train images, train labels,
/// test images, test labels.
pub const MNIST_FILES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];

/// The MNIST (or Fashion-MNIST) training and test sets.
///
/// Fashion-MNIST uses the same file names and format, so [`Mnist::load`] reads both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mnist {
    /// The training set (60,000 images in the official release).
    pub train: ImageSet,
    /// The test set (10,000 images).
    pub test: ImageSet,
}

impl Mnist {
    /// Loads the four standard files from `dir`. Each may be raw or gzip-compressed and named
    /// with or without a `.gz` suffix; when both names exist, the one without `.gz` is read.
    ///
    /// # Errors
    /// [`Error::MissingFiles`] listing every absent file, then any error of
    /// [`ImageSet::load`] (image/label count mismatch, labels not below 10, broken files).
    pub fn load(dir: &Path) -> Result<Mnist> {
        let missing = Mnist::missing_files(dir);
        if !missing.is_empty() {
            return Err(Error::MissingFiles {
                dir: dir.to_path_buf(),
                files: missing,
            });
        }
        let path = |name| find_file(dir, name).unwrap_or_else(|| dir.join(name));
        let train = ImageSet::load(&path(TRAIN_IMAGES), &path(TRAIN_LABELS), MNIST_CLASSES)?;
        let test = ImageSet::load(&path(TEST_IMAGES), &path(TEST_LABELS), MNIST_CLASSES)?;
        Ok(Mnist { train, test })
    }

    /// The standard names (without `.gz`) of the files that are absent from `dir` under
    /// either name; empty when all four are there.
    pub fn missing_files(dir: &Path) -> Vec<String> {
        MNIST_FILES
            .iter()
            .filter(|name| find_file(dir, name).is_none())
            .map(|name| (*name).to_string())
            .collect()
    }
}

/// The path of `dir/name` if it is a file, else of `dir/name.gz` if that is, else `None`.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [name.to_string(), format!("{name}.gz")]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}
