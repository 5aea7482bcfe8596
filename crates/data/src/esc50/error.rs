//! The error type of the ESC-50 module: every variant about a file names it.

use std::path::PathBuf;

/// Result alias for the ESC-50 module.
pub type Result<T, E = Esc50Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading ESC-50 metadata and audio, computing features or
/// caching them.
///
/// Variants about a file carry its path and their `Display` text starts with it. Wrapped errors
/// ([`Esc50Error::Io`], [`Esc50Error::Csv`]) are returned by [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Esc50Error {
    /// An I/O operation on `path` failed.
    #[error("{}: I/O error", path.display())]
    Io {
        /// The file or directory being accessed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The CSV reader failed (bad UTF-8, unequal row lengths, I/O).
    #[error("{}: CSV error{}", path.display(), line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Csv {
        /// The metadata file.
        path: PathBuf,
        /// 1-based line of the failing record, when known.
        line: Option<u64>,
        /// The CSV reader's error.
        #[source]
        source: csv::Error,
    },

    /// The metadata header lacks a required column.
    #[error(
        "{}: missing column `{column}` in the header (found: {})",
        path.display(),
        // Escaped: a quoted header name may hold newlines or control characters.
        found.iter().map(|h| h.escape_debug().to_string()).collect::<Vec<_>>().join(",")
    )]
    MissingColumn {
        /// The metadata file.
        path: PathBuf,
        /// The required column.
        column: &'static str,
        /// The columns the header has.
        found: Vec<String>,
    },

    /// A metadata field has a value outside its domain.
    #[error("{}: line {line}, column `{column}`: bad value {value:?}: {reason}", path.display())]
    BadField {
        /// The metadata file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// The column.
        column: &'static str,
        /// The value found.
        value: String,
        /// What it should be.
        reason: &'static str,
    },

    /// The metadata file has a header but no rows.
    #[error("{}: no clips in the metadata", path.display())]
    EmptyMetadata {
        /// The metadata file.
        path: PathBuf,
    },

    /// A selection names a fold outside 1..=5.
    #[error("fold {fold} is not one of the ESC-50 folds 1..=5")]
    BadFold {
        /// The fold asked for.
        fold: u8,
    },

    /// Clips selected from the metadata have no audio file.
    #[error(
        "{}: {count} of {selected} selected clips have no audio file (first: {}{}); \
         select the ESC-10 subset (esc10_only) or set allow_missing to skip them",
        dir.display(),
        first.join(", "),
        if *count > first.len() { ", ..." } else { "" }
    )]
    MissingAudio {
        /// The audio directory searched.
        dir: PathBuf,
        /// How many selected clips are absent.
        count: usize,
        /// How many clips the selection holds.
        selected: usize,
        /// The first few absent file names.
        first: Vec<String>,
    },

    /// The WAV file is malformed (hound's format error).
    #[error("{}: malformed WAV file: {reason}", path.display())]
    WavMalformed {
        /// The WAV file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// The WAV file is valid but its encoding is not supported.
    #[error("{}: unsupported WAV encoding: {reason}", path.display())]
    WavUnsupported {
        /// The WAV file.
        path: PathBuf,
        /// What is unsupported.
        reason: String,
    },

    /// The WAV file holds no samples.
    #[error("{}: empty WAV file: no samples", path.display())]
    WavEmpty {
        /// The WAV file.
        path: PathBuf,
    },

    /// The WAV data chunk claims more bytes than the file holds.
    #[error(
        "{}: truncated WAV data: the header claims {claimed_bytes} data bytes from byte \
         {data_offset} but the file holds only {available_bytes}",
        path.display()
    )]
    WavTruncated {
        /// The WAV file.
        path: PathBuf,
        /// Byte offset of the first sample.
        data_offset: u64,
        /// Data bytes the header claims.
        claimed_bytes: u64,
        /// Bytes after `data_offset`.
        available_bytes: u64,
    },

    /// The WAV sample rate differs from the configured one (this reader does not resample).
    #[error(
        "{}: sample rate is {found} Hz but {expected} Hz is configured; resample the file \
         (e.g. `sox in.wav -r {expected} out.wav`) or configure {found} Hz",
        path.display()
    )]
    SampleRateMismatch {
        /// The WAV file.
        path: PathBuf,
        /// The file's rate.
        found: u32,
        /// The configured rate.
        expected: u32,
    },

    /// A configuration value is unusable.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },

    /// An error of the crate's shared helpers (atomic writes of cache files).
    #[error(transparent)]
    Data(#[from] crate::Error),
}
