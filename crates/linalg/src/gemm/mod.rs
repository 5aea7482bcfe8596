//! `C ← α·op(A)·op(B) + β·C` on a run-time [`Backend`].
//!
//! The shape rule: with `op(A)` of shape `m × k` and `op(B)` of shape `k × n`, `C` is `m × n`.
//! When `β = 0` the old contents of `C` are never read (they may be NaN).

use crate::{Backend, Elem, Error, MatMut, MatRef, Result};

#[cfg(feature = "blas")]
mod blas;
mod pure;
mod small;

/// Whether an operand enters the product as stored or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transpose {
    /// `op(X) = X`.
    No,
    /// `op(X) = Xᵀ`.
    Yes,
}

impl Transpose {
    /// The shape of `op(X)` for a stored shape `(rows, cols)`.
    fn apply(self, shape: (usize, usize)) -> (usize, usize) {
        match self {
            Transpose::No => shape,
            Transpose::Yes => (shape.1, shape.0),
        }
    }
}

/// Computes `C ← α·op(A)·op(B) + β·C`.
///
/// # Panics
/// When the shapes do not fit; see [`try_gemm`] for the checked form.
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    backend: Backend,
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    tb: Transpose,
    beta: Elem,
    c: MatMut<'_>,
) {
    if let Err(e) = try_gemm(backend, alpha, a, ta, b, tb, beta, c) {
        panic!("{e}");
    }
}

/// Computes `C ← α·op(A)·op(B) + β·C`, checking shapes.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `op(A)` is `m × k`, `op(B)` is not `k × n` or `C` is not `m × n`.
#[allow(clippy::too_many_arguments)]
pub fn try_gemm(
    backend: Backend,
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    tb: Transpose,
    beta: Elem,
    mut c: MatMut<'_>,
) -> Result<()> {
    let (m, k) = ta.apply(a.shape());
    let (kb, n) = tb.apply(b.shape());
    if kb != k {
        return Err(Error::ShapeMismatch {
            op: "gemm op(B)",
            expected: (k, n),
            got: (kb, n),
        });
    }
    if c.shape() != (m, n) {
        return Err(Error::ShapeMismatch {
            op: "gemm C",
            expected: (m, n),
            got: c.shape(),
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        // The product is empty: C ← β·C (β = 0 must overwrite, not multiply, a NaN).
        for i in 0..m {
            for x in c.row_mut(i) {
                *x = if beta == 0.0 { 0.0 } else { beta * *x };
            }
        }
        return Ok(());
    }
    match backend {
        Backend::Pure => pure::sgemm(alpha, a, ta, b, tb, beta, c),
        #[cfg(feature = "blas")]
        Backend::Blas => {
            // Matrix-vector and rank-1 shapes (batch 1), and `A·Bᵀ` with few rows beyond
            // OpenBLAS's small-matrix kernel, skip BLAS: see `small`.
            if small::beats_blas(m, n, k, ta, tb) {
                pure::sgemm(alpha, a, ta, b, tb, beta, c)
            } else if !small::try_small(true, alpha, a, ta, b, tb, beta, c.reborrow()) {
                blas::sgemm(alpha, a, ta, b, tb, beta, c)
            }
        }
    }
    Ok(())
}
