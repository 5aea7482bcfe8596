//! The crate's error type: every variant names the file it is about.

use std::fmt;
use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, writing or downloading data files.
///
/// Every variant carries the path of the file (or directory) concerned, and the `Display` text
/// starts with it, so a message printed by a binary always says which file is at fault.
/// Wrapped errors ([`Error::Io`], [`Error::Gzip`]) are not repeated in the `Display` text but
/// returned by [`std::error::Error::source`]; print the whole chain (e.g. anyhow's `{:#}`) to
/// see them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("{}: I/O error", path.display())]
    Io {
        /// The file or directory being accessed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file ended inside the IDX header.
    #[error("{}: file ends at byte {actual} inside the {needed}-byte IDX header", path.display())]
    TruncatedHeader {
        /// The IDX file.
        path: PathBuf,
        /// Header length in bytes.
        needed: u64,
        /// Bytes available (decompressed, for gzip files).
        actual: u64,
    },

    /// The magic number at byte 0 is not the one for this kind of IDX file.
    #[error(
        "{}: bad magic number at byte 0: expected {expected:#010x}, found {found:#010x}",
        path.display()
    )]
    BadMagic {
        /// The IDX file.
        path: PathBuf,
        /// The magic number this reader accepts (2051 for images, 2049 for labels).
        expected: u32,
        /// The magic number in the file.
        found: u32,
    },

    /// The dimensions in the header are unusable.
    #[error("{}: bad dimensions {dims:?} in the header at byte {offset}: {problem}", path.display())]
    BadDimensions {
        /// The IDX file.
        path: PathBuf,
        /// Byte offset of the first dimension field.
        offset: u64,
        /// The dimensions as stored in the header.
        dims: Vec<u32>,
        /// What is wrong with them.
        problem: DimensionProblem,
    },

    /// The file holds fewer data bytes than its header claims.
    #[error(
        "{}: truncated: the header claims {expected_bytes} data bytes but the data ends after \
         {actual_bytes} (at byte {offset}{})",
        path.display(),
        if *.compressed { " of the decompressed stream" } else { "" }
    )]
    Truncated {
        /// The IDX file.
        path: PathBuf,
        /// Where the data ended (offset in the decompressed stream for gzip files).
        offset: u64,
        /// Data bytes the header claims.
        expected_bytes: u64,
        /// Data bytes actually present.
        actual_bytes: u64,
        /// Whether the file is gzip-compressed.
        compressed: bool,
    },

    /// The file holds more data than its header claims.
    #[error(
        "{}: unexpected trailing data at byte {offset}{}: the header claims only {expected_bytes} \
         data bytes",
        path.display(),
        if *.compressed { " of the decompressed stream" } else { "" }
    )]
    TrailingData {
        /// The IDX file.
        path: PathBuf,
        /// Offset of the first byte past the claimed data.
        offset: u64,
        /// Data bytes the header claims.
        expected_bytes: u64,
        /// Whether the file is gzip-compressed.
        compressed: bool,
    },

    /// The gzip stream is corrupt or truncated.
    #[error(
        "{}: corrupt or truncated gzip stream after {offset} decompressed bytes",
        path.display()
    )]
    Gzip {
        /// The gzip file.
        path: PathBuf,
        /// Decompressed bytes read successfully before the failure.
        offset: u64,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },

    /// An image file and its label file disagree on the number of samples.
    #[error(
        "{}: holds {images} images but {} holds {labels} labels",
        images_path.display(),
        labels_path.display()
    )]
    CountMismatch {
        /// The image file.
        images_path: PathBuf,
        /// The label file.
        labels_path: PathBuf,
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },

    /// A label is not below the number of classes.
    #[error(
        "{}: label {label} of sample {index} (byte {offset}) is out of range: expected 0..{classes}",
        path.display()
    )]
    LabelOutOfRange {
        /// The label file.
        path: PathBuf,
        /// Index of the sample.
        index: usize,
        /// Byte offset of the label (in the decompressed stream for gzip files).
        offset: u64,
        /// The label found.
        label: u8,
        /// Number of classes.
        classes: usize,
    },

    /// Some of a dataset's files are not in the directory.
    #[error(
        "{}: missing {}; copy the files into this directory (with or without .gz), \
         pass --data-dir DIR, or set MYNET_DATA_DIR",
        dir.display(),
        files.join(", ")
    )]
    MissingFiles {
        /// The directory searched.
        dir: PathBuf,
        /// The standard names of the absent files.
        files: Vec<String>,
    },

    /// Data given to a writer cannot be stored as an IDX file.
    #[error("{}: cannot write IDX file: {reason}", path.display())]
    Unwritable {
        /// The file that was to be written.
        path: PathBuf,
        /// Why not.
        reason: String,
    },

    /// Every mirror failed to deliver a verified copy of a file.
    #[error(
        "{}: download failed from every mirror:\n{}\nto provide the file by hand, copy the \
         dataset's four files (with or without .gz) into {}, or pass --data-dir DIR, or set \
         MYNET_DATA_DIR to a folder holding mnist/ and fashion-mnist/",
        path.display(),
        attempts.iter().map(|a| format!("  - {a}")).collect::<Vec<_>>().join("\n"),
        path.parent().map(|p| p.display().to_string()).unwrap_or_default()
    )]
    Download {
        /// Where the file would have been stored.
        path: PathBuf,
        /// One entry per mirror tried, in order.
        attempts: Vec<MirrorFailure>,
    },
}

/// What is wrong with the dimensions of an IDX header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DimensionProblem {
    /// The item count is zero: the file holds no images or labels.
    NoItems,
    /// An image has zero rows or zero columns.
    ZeroSize,
    /// The product of the dimensions overflows.
    Overflow,
}

impl fmt::Display for DimensionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DimensionProblem::NoItems => "the count is 0 (no images or labels)",
            DimensionProblem::ZeroSize => "an image has zero rows or columns",
            DimensionProblem::Overflow => "the total size overflows",
        })
    }
}

/// Why one mirror did not deliver a verified file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorFailure {
    /// The URL that was requested.
    pub url: String,
    /// What went wrong.
    pub reason: FailureReason,
}

/// The cause of a [`MirrorFailure`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureReason {
    /// The server answered with a non-success HTTP status.
    Status(u16),
    /// The connection or transfer failed (the transport's message).
    Transfer(String),
    /// The body arrived but its MD5 is not the expected one.
    Checksum {
        /// Expected MD5, lowercase hex.
        expected: String,
        /// MD5 of what arrived, lowercase hex.
        actual: String,
    },
}

impl fmt::Display for MirrorFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            FailureReason::Status(code) => write!(f, "{}: HTTP status {code}", self.url),
            FailureReason::Transfer(msg) => write!(f, "{}: {msg}", self.url),
            FailureReason::Checksum { expected, actual } => write!(
                f,
                "{}: MD5 mismatch: expected {expected}, got {actual}",
                self.url
            ),
        }
    }
}
