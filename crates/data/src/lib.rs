//! Dataset readers for mynet-rs: IDX files (MNIST, Fashion-MNIST), data-directory resolution and
//! verified downloads.
//!
//! # Brief overview
//!
//! - [`idx`] reads and writes IDX files, raw or gzip-compressed (detected from the content),
//!   checking magic numbers, dimensions and exact data length. A lying header cannot make the
//!   reader allocate more than the file can back.
//! - [`ImageSet`] holds labelled `u8` images and converts a batch of them into a caller's
//!   reused `f32` buffer without allocating ([`ImageSet::fill_f32`]).
//! - [`Mnist::load`] reads the four standard files of MNIST or Fashion-MNIST from a directory,
//!   each with or without `.gz`.
//! - [`resolve_data_dir`] picks the data directory: `--data-dir`, then `$MYNET_DATA_DIR/<subdir>`,
//!   then `datasets/<subdir>`.
//! - [`download`] fetches the official files from a list of mirrors, verifies their MD5 and
//!   moves them into place only once verified.
//! - [`esc50`] reads the ESC-50 metadata and WAV clips and computes (and caches) log-mel
//!   features; its errors are [`esc50::Esc50Error`].
//!
//! Every error is an [`Error`] whose message names the file concerned. The crate never prints;
//! download progress is reported through the [`DownloadProgress`] trait.
//!
//! # Example
//!
//! ```
//! use data::idx::{write_images, write_labels, IdxImages};
//! use data::ImageSet;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let (images, labels) = (dir.path().join("images"), dir.path().join("labels"));
//! // Two 2x2 images labelled 3 and 1.
//! let pixels = vec![0, 255, 51, 102, 255, 255, 0, 0];
//! write_images(&images, &IdxImages { count: 2, rows: 2, cols: 2, pixels })?;
//! write_labels(&labels, &[3, 1])?;
//!
//! let set = ImageSet::load(&images, &labels, 10)?;
//! assert_eq!((set.len(), set.rows(), set.cols(), set.label(0)), (2, 2, 2, 3));
//!
//! // A batch of image 1 then image 0, scaled to [0, 1], into a reused buffer.
//! let mut batch = vec![0.0f32; 2 * set.pixels_per_image()];
//! set.fill_f32(&[1, 0], 1.0 / 255.0, 0.0, &mut batch);
//! assert_eq!(&batch[..4], &[1.0, 1.0, 0.0, 0.0]);
//! assert_eq!(batch[5], 1.0);
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! The crate has no Cargo features. Downloads use `ureq` with its default TLS.

mod atomic;
mod convert;
pub mod download;
mod error;
pub mod esc50;
pub mod idx;
mod image_set;
mod location;
mod mnist;

pub use download::{DownloadProgress, NoProgress, RemoteDataset, RemoteFile};
pub use error::{DimensionProblem, Error, FailureReason, MirrorFailure, Result};
pub use esc50::{Esc50, Esc50Error};
pub use idx::IdxImages;
pub use image_set::ImageSet;
pub use location::{
    data_dir_from_env, resolve_data_dir, DataDir, DataDirSource, DATA_DIR_ENV, DEFAULT_DATA_ROOT,
};
pub use mnist::{
    find_file, Mnist, MNIST_CLASSES, MNIST_FILES, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
    TRAIN_LABELS,
};
