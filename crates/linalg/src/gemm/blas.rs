//! The BLAS backend: Fortran `sgemm` of the system OpenBLAS.
//!
//! BLAS is column-major. A row-major `m × n` matrix with row stride `ld` is, read column-major,
//! its transpose with leading dimension `ld`. So the row-major `C = op(A)·op(B)` is computed as
//! the column-major `Cᵀ = op(B)ᵀ·op(A)ᵀ`: swap the operands and `m`/`n`, keep the flags.

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
    let k = match ta {
        Transpose::No => a.cols(),
        Transpose::Yes => a.rows(),
    };
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
