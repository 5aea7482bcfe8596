//! The crate's error type.

/// Errors from matrix construction, shape checks and backend selection.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A buffer's length does not match the claimed shape.
    #[error("{op}: buffer of length {len} does not hold a {rows}x{cols} matrix")]
    BufferLength {
        /// The operation that checked.
        op: &'static str,
        /// Rows claimed.
        rows: usize,
        /// Columns claimed.
        cols: usize,
        /// Actual buffer length.
        len: usize,
    },
    /// Operand shapes do not fit together.
    #[error("{op}: shape mismatch: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// The operation that checked.
        op: &'static str,
        /// The shape the operation needed (rows, cols).
        expected: (usize, usize),
        /// The shape it was given.
        got: (usize, usize),
    },
    /// The backend exists but this build does not include it.
    #[error("backend '{name}' is not compiled in: rebuild with `--features blas` (needs libopenblas-dev)")]
    BackendUnavailable {
        /// The backend's name.
        name: &'static str,
    },
    /// The name is not a backend.
    #[error("unknown backend '{name}': expected one of {expected}")]
    UnknownBackend {
        /// What was asked for.
        name: String,
        /// The names that exist in this build.
        expected: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
