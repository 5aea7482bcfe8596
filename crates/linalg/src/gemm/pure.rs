//! The pure-Rust backend: `matrixmultiply::sgemm` with strides for the transposes, rows of `C`
//! split over the current rayon pool for large products.

use super::Transpose;
use crate::{Elem, MatMut, MatRef};
use rayon::prelude::*;

/// Products below this many multiply-adds run on the calling thread.
const PARALLEL_MIN_FLOPS: usize = 1 << 18;
/// Row blocks are multiples of this (matrixmultiply's register tile height is 8 or less).
const ROW_ALIGN: usize = 8;

/// (row stride, column stride) of `op(X)` for a stored row-major view with row stride `s`.
fn op_strides(t: Transpose, s: usize) -> (isize, isize) {
    match t {
        Transpose::No => (s as isize, 1),
        Transpose::Yes => (1, s as isize),
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
    let threads = rayon::current_num_threads();
    let split = threads > 1
        && m * n * k >= PARALLEL_MIN_FLOPS
        && m >= 2 * ROW_ALIGN
        && !crate::threads::is_serial();
    if split && super::small::wide_rows_times_rows(m, k, ta, tb) {
        // The dot-product blocks, on blocks of rows of A and C (each element computed as in one
        // call, so the result does not depend on the thread count).
        let ldc = c.stride();
        for_row_blocks(c, threads, |row0, rows, c_block| {
            let c_rows = MatMut::new(rows, n, ldc, c_block).expect("a block of rows of C");
            let a_rows = a.rows_range(row0, rows);
            super::small::rows_times_rows_avx512(alpha, a_rows, b, beta, c_rows);
        });
        return;
    }
    if super::small::try_small(false, alpha, a, ta, b, tb, beta, c.reborrow()) {
        return;
    }
    let (rsa, csa) = op_strides(ta, a.stride());
    let (rsb, csb) = op_strides(tb, b.stride());
    let ldc = c.stride();
    let a_ptr = a.data().as_ptr() as usize;

    let run = |row0: usize, rows: usize, c_block: &mut [Elem]| {
        // SAFETY: the view constructors guarantee every index (i*rs + j*cs) for i < rows of
        // op(A) / op(B) / C is inside its buffer; row0 + rows <= m so the offset row of op(A)
        // stays inside A; c_block starts at row row0 of C and holds `rows` rows of stride ldc.
        unsafe {
            let a0 = (a_ptr as *const Elem).offset(row0 as isize * rsa);
            matrixmultiply::sgemm(
                rows,
                k,
                n,
                alpha,
                a0,
                rsa,
                csa,
                b.data().as_ptr(),
                rsb,
                csb,
                beta,
                c_block.as_mut_ptr(),
                ldc as isize,
                1,
            );
        }
    };

    if !split {
        run(0, m, c.data_mut());
        return;
    }
    for_row_blocks(c, threads, run);
}

/// Calls `f(row0, rows, block)` for disjoint blocks of rows of `c` (multiples of [`ROW_ALIGN`]
/// rows, the last one shorter) over the current rayon pool, `block` starting at row `row0`
/// with row stride `c.stride()`. Splits without building a list: this runs once per product,
/// inside every training batch.
fn for_row_blocks(mut c: MatMut<'_>, threads: usize, f: impl Fn(usize, usize, &mut [Elem]) + Sync) {
    let (m, n) = c.shape();
    let ldc = c.stride();
    let block = m.div_ceil(threads).div_ceil(ROW_ALIGN) * ROW_ALIGN;
    let used = (m - 1) * ldc + n;
    c.data_mut()[..used]
        .par_chunks_mut(block * ldc)
        .enumerate()
        .for_each(|(b, c_block)| {
            let row0 = b * block;
            f(row0, block.min(m - row0), c_block);
        });
}
