//! Run-time choice of the GEMM implementation.

use crate::Error;

/// Which GEMM implementation [`crate::gemm()`] uses.
///
/// Both backends compute the same function; results agree within float rounding
/// (the tests hold them to 1e-5 relative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Backend {
    /// Pure Rust: the `matrixmultiply` crate, rows of `C` split over the rayon pool.
    #[default]
    Pure,
    /// The system OpenBLAS `sgemm` (feature `blas`).
    #[cfg(feature = "blas")]
    Blas,
}

impl Backend {
    /// Every backend compiled into this build.
    pub fn available() -> &'static [Backend] {
        #[cfg(feature = "blas")]
        {
            &[Backend::Pure, Backend::Blas]
        }
        #[cfg(not(feature = "blas"))]
        {
            &[Backend::Pure]
        }
    }

    /// The backend's name as used on command lines: `pure` or `blas`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Pure => "pure",
            #[cfg(feature = "blas")]
            Backend::Blas => "blas",
        }
    }

    /// Parses `pure` or `blas`.
    ///
    /// # Errors
    /// [`Error::BackendUnavailable`] for `blas` in a build without the `blas` feature,
    /// [`Error::UnknownBackend`] for any other name.
    pub fn parse(name: &str) -> Result<Backend, Error> {
        match name.to_ascii_lowercase().as_str() {
            "pure" => Ok(Backend::Pure),
            #[cfg(feature = "blas")]
            "blas" => Ok(Backend::Blas),
            #[cfg(not(feature = "blas"))]
            "blas" => Err(Error::BackendUnavailable { name: "blas" }),
            _ => Err(Error::UnknownBackend {
                name: name.to_string(),
                expected: Backend::available()
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Backend {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::parse(s)
    }
}
