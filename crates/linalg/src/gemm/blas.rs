//! The BLAS backend: Fortran `sgemm` of the system OpenBLAS.
//!
//! BLAS is column-major. A row-major `m × n` matrix with row stride `ld` is, read column-major,
//! its transpose with leading dimension `ld`. So the row-major `C = op(A)·op(B)` is computed as
//! the column-major `Cᵀ = op(B)ᵀ·op(A)ᵀ`: swap the operands and `m`/`n`, keep the flags.
//!
//! OpenBLAS 0.3.21 computes a product of at most 100³ multiply-adds with its small-matrix
//! kernels, which do not pack the operands, and anything larger through its general path, which
//! packs them on every call. At the layer shapes of small batches the small kernels are faster
//! (1 thread, this machine: 95–113 GFLOP/s against 70–97), so when OpenBLAS runs single-threaded
//! a product up to a few times that size is computed as blocks of rows or columns of `C` that
//! each fit the small kernels ([`chunking`]). Each element of `C` is still one call's dot product
//! over all of `k`, and the cut depends on the shapes alone, so results are reproducible.

use super::Transpose;
use crate::{Elem, MatMut, MatRef};

// Link the provider (system libopenblas) into whatever binary uses this backend.
extern crate openblas_src as _;

fn flag(t: Transpose) -> u8 {
    match t {
        Transpose::No => b'N',
        Transpose::Yes => b'T',
    }
}

/// Most multiply-adds OpenBLAS 0.3.21 hands to its small-matrix kernels (`M·N·K ≤ 100³`).
pub(super) const SMALL_KERNEL_MAX: usize = 1_000_000;

/// The operand every block reads again must stay in L2: at most this many floats (512 KB).
const REREAD_MAX: usize = 1 << 17;

/// Blocks are multiples of this many rows or columns (the small kernels' register tiles).
const BLOCK_ALIGN: usize = 8;

/// Column blocks of a stored (not transposed) `B` narrower than this lose more to short rows
/// than packing costs (`512×64·64×784` in blocks of 16 columns: 94 against 97 GFLOP/s whole);
/// blocks of the rows of a transposed `B` may be as narrow as [`BLOCK_ALIGN`].
const MIN_COLUMN_BLOCK: usize = 32;

/// How a product is cut for the small kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunks {
    /// One call.
    Whole,
    /// Blocks of this many rows of `C` (and of `op(A)`); each re-reads `op(B)`.
    Rows(usize),
    /// Blocks of this many columns of `C` (and of `op(B)`); each re-reads `op(A)`.
    Columns(usize),
}

/// The cut of an `m × k` by `k × n` product with OpenBLAS on `blas_threads` threads: whole when
/// the small kernels take it anyway, when OpenBLAS runs it on several threads (the small kernels
/// run on one), or when no block fits. Otherwise blocks of the largest multiple of
/// [`BLOCK_ALIGN`] with at most [`SMALL_KERNEL_MAX`] multiply-adds, along the side whose
/// re-read operand is smaller (at most [`REREAD_MAX`] floats); columns of a stored `B` only in
/// blocks of at least [`MIN_COLUMN_BLOCK`].
fn chunking(m: usize, k: usize, n: usize, tb: Transpose, blas_threads: usize) -> Chunks {
    let mnk = m.saturating_mul(n).saturating_mul(k);
    if blas_threads > 1 || mnk <= SMALL_KERNEL_MAX {
        return Chunks::Whole;
    }
    let block = |other: usize| {
        SMALL_KERNEL_MAX / other.saturating_mul(k).max(1) / BLOCK_ALIGN * BLOCK_ALIGN
    };
    // The operand each block reads again: op(B) (k × n) for row blocks, op(A) (m × k) for columns.
    let (reread_b, reread_a) = (k.saturating_mul(n), m.saturating_mul(k));
    let rows = (reread_b <= REREAD_MAX && block(n) >= BLOCK_ALIGN).then(|| Chunks::Rows(block(n)));
    let min_columns = match tb {
        Transpose::No => MIN_COLUMN_BLOCK,
        Transpose::Yes => BLOCK_ALIGN,
    };
    let columns =
        (reread_a <= REREAD_MAX && block(m) >= min_columns).then(|| Chunks::Columns(block(m)));
    let preferred = if reread_b <= reread_a {
        rows.or(columns)
    } else {
        columns.or(rows)
    };
    match preferred {
        Some(Chunks::Rows(h)) if h < m => Chunks::Rows(h),
        Some(Chunks::Columns(w)) if w < n => Chunks::Columns(w),
        _ => Chunks::Whole,
    }
}

pub(super) fn sgemm(
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    tb: Transpose,
    beta: Elem,
    mut c: MatMut<'_>,
) {
    let (m, n) = c.shape();
    let (_, k) = ta.apply(a.shape());
    let ldc = c.stride();
    match chunking(m, k, n, tb, crate::threads::blas_library_threads()) {
        Chunks::Whole => call(alpha, a, ta, b, tb, beta, c),
        Chunks::Rows(h) => {
            for r0 in (0..m).step_by(h) {
                let rows = h.min(m - r0);
                let a_rows = match ta {
                    Transpose::No => a.rows_range(r0, rows),
                    Transpose::Yes => a.cols_range(r0, rows),
                };
                let c_rows = MatMut::new(rows, n, ldc, &mut c.data_mut()[r0 * ldc..])
                    .expect("a block of rows of C");
                call(alpha, a_rows, ta, b, tb, beta, c_rows);
            }
        }
        Chunks::Columns(w) => {
            for c0 in (0..n).step_by(w) {
                let cols = w.min(n - c0);
                let b_cols = match tb {
                    Transpose::No => b.cols_range(c0, cols),
                    Transpose::Yes => b.rows_range(c0, cols),
                };
                let c_cols = MatMut::new(m, cols, ldc, &mut c.data_mut()[c0..])
                    .expect("a block of columns of C");
                call(alpha, a, ta, b_cols, tb, beta, c_cols);
            }
        }
    }
}

/// One OpenBLAS call.
fn call(
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    tb: Transpose,
    beta: Elem,
    mut c: MatMut<'_>,
) {
    let (m, n) = c.shape();
    let (_, k) = ta.apply(a.shape());
    // Leading dimensions must be >= max(1, stored cols).
    let lda = a.stride().max(a.cols()).max(1) as i32;
    let ldb = b.stride().max(b.cols()).max(1) as i32;
    let ldc = c.stride().max(c.cols()).max(1) as i32;
    // SAFETY: shapes were checked by `try_gemm`; the views guarantee the buffers hold every
    // element addressed by (rows, cols, stride).
    unsafe {
        blas::sgemm(
            flag(tb),
            flag(ta),
            n as i32,
            m as i32,
            k as i32,
            alpha,
            b.data(),
            ldb,
            a.data(),
            lda,
            beta,
            c.data_mut(),
            ldc,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transpose::{No, Yes};

    #[test]
    fn products_are_cut_to_fit_the_small_kernels_only_on_one_thread() {
        // The layer shapes: mlp100 forward per row-split lane and whole, its update; mynet.
        assert_eq!(chunking(100, 784, 50, Yes, 1), Chunks::Rows(24));
        assert_eq!(chunking(100, 784, 100, Yes, 1), Chunks::Rows(8));
        assert_eq!(chunking(50, 100, 784, No, 1), Chunks::Columns(200));
        assert_eq!(chunking(128, 784, 32, Yes, 1), Chunks::Rows(32));
        // op(B) too large to re-read: blocks of columns, narrow only for a transposed B.
        assert_eq!(chunking(64, 784, 512, Yes, 1), Chunks::Columns(16));
        assert_eq!(chunking(512, 64, 784, No, 1), Chunks::Rows(16));
        assert_eq!(chunking(64, 512, 1024, No, 1), Chunks::Whole);
        // Small enough already, several BLAS threads, or nothing fits.
        assert_eq!(chunking(10, 784, 30, Yes, 1), Chunks::Whole);
        assert_eq!(chunking(100, 784, 50, Yes, 2), Chunks::Whole);
        assert_eq!(chunking(2000, 2000, 2000, No, 1), Chunks::Whole);
        // Every block within the small kernels' limit.
        for (m, k, n) in [
            (100, 784, 50),
            (50, 100, 784),
            (64, 784, 512),
            (512, 64, 784),
        ] {
            for tb in [No, Yes] {
                match chunking(m, k, n, tb, 1) {
                    Chunks::Rows(h) => {
                        assert!(h * k * n <= SMALL_KERNEL_MAX && h % BLOCK_ALIGN == 0)
                    }
                    Chunks::Columns(w) => {
                        assert!(m * k * w <= SMALL_KERNEL_MAX && w % BLOCK_ALIGN == 0)
                    }
                    Chunks::Whole => {}
                }
            }
        }
    }
}
