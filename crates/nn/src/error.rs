//! The crate's error type.

use std::path::PathBuf;

/// Errors from model construction, training and persistence.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Consecutive layers do not fit together, or data does not fit the model.
    #[error("{what}: expected {expected}, got {got}")]
    Shape {
        /// What was checked.
        what: String,
        /// Expected size.
        expected: usize,
        /// Actual size.
        got: usize,
    },
    /// A configuration value is out of its domain.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A loss was paired with an output activation it cannot work with.
    #[error("loss {loss} needs the last layer's activation to be {needs}, found {found}")]
    LossActivation {
        /// The loss.
        loss: &'static str,
        /// What the loss needs.
        needs: &'static str,
        /// What the model has.
        found: &'static str,
    },
    /// Reading or writing a model file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model file is not valid.
    #[error("{path}: invalid model file: {reason}")]
    ModelFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Error from the linear algebra layer.
    #[error(transparent)]
    Linalg(#[from] linalg::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
