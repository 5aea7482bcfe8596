//! Direct loops for the two product shapes where packing operands (what a blocked GEMM does
//! first) costs more than the product itself:
//!
//! - a single row of `C` (`m = 1`, `op(A)` a row vector): the forward pass and the input
//!   gradient of a batch of one — matrix-vector products;
//! - a rank-1 update (`k = 1`): the weight gradient of a batch of one, `C ← α·a·bᵀ + β·C`.
//!
//! The loops run on the calling thread (these products are far below the size where splitting
//! pays) and in a fixed order, so results are deterministic. On x86-64 CPUs with AVX2 and FMA the
//! same loops are compiled a second time with those features and chosen at run time; elsewhere
//! the portable build (separate multiply and add) runs.

use super::Transpose;
use crate::{Elem, MatMut, MatRef};

/// Lanes of the accumulator arrays: 4 AVX2 registers, enough independent sums to hide the FMA
/// latency in a loop that loads one operand per FMA.
const LANES: usize = 32;

/// `x·y + acc`, fused when `FMA` (only instantiated inside `fma`-enabled functions, where
/// `mul_add` is one instruction).
#[inline(always)]
fn madd<const FMA: bool>(x: Elem, y: Elem, acc: Elem) -> Elem {
    if FMA {
        x.mul_add(y, acc)
    } else {
        x * y + acc
    }
}

/// `out ← α·v + β·out`, with `β = 0` writing `α·v` without reading `out` (so NaN in an
/// uninitialised `C` does not leak through, as BLAS specifies).
#[inline(always)]
fn store(out: &mut Elem, alpha: Elem, v: Elem, beta: Elem) {
    *out = if beta == 0.0 {
        alpha * v
    } else {
        alpha * v + beta * *out
    };
}

/// Sums the lanes pairwise (a fixed order, so the result does not depend on anything else).
#[inline(always)]
fn reduce(mut acc: [Elem; LANES]) -> Elem {
    let mut w = LANES / 2;
    while w > 0 {
        for i in 0..w {
            acc[i] += acc[i + w];
        }
        w /= 2;
    }
    acc[0]
}

/// Four dot products `rᵢ·x` sharing the loads of `x`.
#[inline(always)]
fn dot4<const FMA: bool>(x: &[Elem], r: [&[Elem]; 4]) -> [Elem; 4] {
    let n = x.len();
    let full = n / LANES * LANES;
    let mut acc = [[0.0; LANES]; 4];
    let (x_main, x_tail) = x.split_at(full);
    let rows = r.map(|r| r[..n].split_at(full));
    for (c, xs) in x_main.chunks_exact(LANES).enumerate() {
        let o = c * LANES;
        for (q, acc) in acc.iter_mut().enumerate() {
            let rs = &rows[q].0[o..o + LANES];
            for l in 0..LANES {
                acc[l] = madd::<FMA>(xs[l], rs[l], acc[l]);
            }
        }
    }
    let mut out = [0.0; 4];
    for q in 0..4 {
        let mut tail = 0.0;
        for (&a, &b) in x_tail.iter().zip(rows[q].1) {
            tail = madd::<FMA>(a, b, tail);
        }
        out[q] = reduce(acc[q]) + tail;
    }
    out
}

/// One dot product `r·x`.
#[inline(always)]
fn dot1<const FMA: bool>(x: &[Elem], r: &[Elem]) -> Elem {
    let n = x.len();
    let full = n / LANES * LANES;
    let mut acc = [0.0; LANES];
    let (x_main, x_tail) = x.split_at(full);
    let (r_main, r_tail) = r[..n].split_at(full);
    for (xs, rs) in x_main.chunks_exact(LANES).zip(r_main.chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] = madd::<FMA>(xs[l], rs[l], acc[l]);
        }
    }
    let mut tail = 0.0;
    for (&a, &b) in x_tail.iter().zip(r_tail) {
        tail = madd::<FMA>(a, b, tail);
    }
    reduce(acc) + tail
}

/// `c[j] ← α·(x·B[j, ..]) + β·c[j]` for the rows `j` of `b` (a `n × k` view, `x` of length `k`).
#[inline(always)]
fn gemv_rows<const FMA: bool>(alpha: Elem, x: &[Elem], b: MatRef<'_>, beta: Elem, c: &mut [Elem]) {
    let n = c.len();
    let put = |c: &mut Elem, v: Elem| store(c, alpha, v, beta);
    let mut j = 0;
    while j + 4 <= n {
        let rows = [b.row(j), b.row(j + 1), b.row(j + 2), b.row(j + 3)];
        let d = if FMA {
            #[cfg(target_arch = "x86_64")]
            {
                // SAFETY: FMA = true is only instantiated inside `run_avx2`, which runs only on
                // CPUs with AVX2 and FMA; every row has at least `x.len()` elements.
                unsafe { x86::dot4(x, rows) }
            }
            #[cfg(not(target_arch = "x86_64"))]
            dot4::<FMA>(x, rows)
        } else {
            dot4::<FMA>(x, rows)
        };
        for q in 0..4 {
            put(&mut c[j + q], d[q]);
        }
        j += 4;
    }
    while j < n {
        put(&mut c[j], dot1::<FMA>(x, b.row(j)));
        j += 1;
    }
}

/// `C ← α·A·Bᵀ + β·C` for a few rows of `A` (`m × k`) and the rows of `B` (`n × k`), by dot
/// products on the stored rows (no packing): blocks of 2 rows of `A` × 4 rows of `B`, each block
/// of `B` rows used for all of `A` while it is in L1.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn rows_times_rows(
    alpha: Elem,
    a: MatRef<'_>,
    b: MatRef<'_>,
    beta: Elem,
    c: &mut MatMut<'_>,
) {
    let (m, n) = c.shape();
    let put = |c: &mut MatMut<'_>, i: usize, j: usize, v: Elem| {
        store(&mut c.row_mut(i)[j], alpha, v, beta);
    };
    let mut j = 0;
    while j + 4 <= n {
        let rows = [b.row(j), b.row(j + 1), b.row(j + 2), b.row(j + 3)];
        let mut i = 0;
        while i + 2 <= m {
            // SAFETY: AVX2 and FMA per this function's contract; rows have k elements.
            let d = unsafe { x86::dot2x4([a.row(i), a.row(i + 1)], rows) };
            for (p, dp) in d.iter().enumerate() {
                for (q, &v) in dp.iter().enumerate() {
                    put(c, i + p, j + q, v);
                }
            }
            i += 2;
        }
        if i < m {
            // SAFETY: as above.
            let d = unsafe { x86::dot4(a.row(i), rows) };
            for (q, &v) in d.iter().enumerate() {
                put(c, i, j + q, v);
            }
        }
        j += 4;
    }
    for j in j..n {
        for i in 0..m {
            let v = dot1::<true>(a.row(i), b.row(j));
            put(c, i, j, v);
        }
    }
}

/// `C ← α·A·Bᵀ + β·C` for a few rows of `A` with AVX-512: blocks of 4 rows of `A` × 4 rows of
/// `B` in 16 accumulators of 16 lanes (8 loads per 16 FMAs, twice the AVX2 blocks' ratio and
/// width). Partial blocks at the edges repeat the last row of `A` or `B` in the spare slots and
/// store only the valid results, so one kernel covers every shape.
#[cfg(target_arch = "x86_64")]
mod x86_512 {
    use crate::{Elem, MatMut, MatRef};
    use std::arch::x86_64::*;

    /// `[[x_p · r_q]_q]_p` over `k` elements for 4 rows `x` and 4 rows `r` (pointers to at least
    /// `k` elements each); sums in a fixed order.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; every pointer must be valid for `k` reads.
    #[target_feature(enable = "avx512f")]
    unsafe fn dot4x4(x: [*const Elem; 4], r: [*const Elem; 4], k: usize) -> [[Elem; 4]; 4] {
        // SAFETY (whole body): loads read indices < k of each row (the tail load is masked).
        unsafe {
            let mut acc = [[_mm512_setzero_ps(); 4]; 4];
            let mut i = 0;
            while i < k {
                let mask: __mmask16 = if k - i >= 16 {
                    0xffff
                } else {
                    (1u16 << (k - i)) - 1
                };
                let rv = [
                    _mm512_maskz_loadu_ps(mask, r[0].add(i)),
                    _mm512_maskz_loadu_ps(mask, r[1].add(i)),
                    _mm512_maskz_loadu_ps(mask, r[2].add(i)),
                    _mm512_maskz_loadu_ps(mask, r[3].add(i)),
                ];
                for p in 0..4 {
                    let xv = _mm512_maskz_loadu_ps(mask, x[p].add(i));
                    for q in 0..4 {
                        acc[p][q] = _mm512_fmadd_ps(xv, rv[q], acc[p][q]);
                    }
                }
                i += 16;
            }
            let mut out = [[0.0; 4]; 4];
            for p in 0..4 {
                for q in 0..4 {
                    out[p][q] = _mm512_reduce_add_ps(acc[p][q]);
                }
            }
            out
        }
    }

    /// `C ← α·A·Bᵀ + β·C` for `A` (`m × k`) and `B` (`n × k`), both stored row-major.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `A`, `B` and `C` must have the shapes above.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn rows_times_rows(
        alpha: Elem,
        a: MatRef<'_>,
        b: MatRef<'_>,
        beta: Elem,
        c: &mut MatMut<'_>,
    ) {
        let (m, n) = c.shape();
        let k = a.cols();
        let mut j = 0;
        while j < n {
            let r: [*const Elem; 4] = [0, 1, 2, 3].map(|q| b.row((j + q).min(n - 1)).as_ptr());
            let mut i = 0;
            while i < m {
                let x: [*const Elem; 4] = [0, 1, 2, 3].map(|p| a.row((i + p).min(m - 1)).as_ptr());
                // SAFETY: AVX-512F per this function's contract; every row holds k elements.
                let d = unsafe { dot4x4(x, r, k) };
                for (p, dp) in d.iter().enumerate().take(m - i) {
                    let row = c.row_mut(i + p);
                    for (q, &v) in dp.iter().enumerate().take(n - j) {
                        super::store(&mut row[j + q], alpha, v, beta);
                    }
                }
                i += 4;
            }
            j += 4;
        }
    }
}

/// The explicit AVX2 + FMA dot products (auto-vectorisation does not keep four row sums in
/// registers).
#[cfg(target_arch = "x86_64")]
mod x86 {
    use crate::simd::hsum256 as hsum;
    use crate::Elem;
    use std::arch::x86_64::*;

    /// `[[x₀·rⱼ]ⱼ, [x₁·rⱼ]ⱼ]` for two rows `x` and four rows `r`: 8 accumulators, 6 loads per
    /// 8 FMAs.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; both `x` and every `r[q]` must hold at least
    /// `x[0].len()` elements.
    #[inline(always)]
    pub(super) unsafe fn dot2x4(x: [&[Elem]; 2], r: [&[Elem]; 4]) -> [[Elem; 4]; 2] {
        let n = x[0].len();
        debug_assert!(x[1].len() >= n && r.iter().all(|r| r.len() >= n));
        let xp = x.map(<[Elem]>::as_ptr);
        let rp = r.map(<[Elem]>::as_ptr);
        // SAFETY (whole body): every load reads indices < n of each row.
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); 4]; 2];
            let mut i = 0;
            while i + 8 <= n {
                let rv = rp.map(|p| _mm256_loadu_ps(p.add(i)));
                for (a, &x) in acc.iter_mut().zip(&xp) {
                    let xv = _mm256_loadu_ps(x.add(i));
                    for q in 0..4 {
                        a[q] = _mm256_fmadd_ps(xv, rv[q], a[q]);
                    }
                }
                i += 8;
            }
            let mut out = [[0.0; 4]; 2];
            for p in 0..2 {
                for q in 0..4 {
                    let mut tail = 0.0;
                    for t in i..n {
                        tail = (*xp[p].add(t)).mul_add(*rp[q].add(t), tail);
                    }
                    out[p][q] = hsum(acc[p][q]) + tail;
                }
            }
            out
        }
    }

    /// `[r₀·x, r₁·x, r₂·x, r₃·x]`, 16 elements per step in 8 accumulators.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; every `r[q]` must hold at least `x.len()` elements.
    #[inline(always)]
    pub(super) unsafe fn dot4(x: &[Elem], r: [&[Elem]; 4]) -> [Elem; 4] {
        let n = x.len();
        debug_assert!(r.iter().all(|r| r.len() >= n));
        let xp = x.as_ptr();
        let rp = r.map(<[Elem]>::as_ptr);
        // SAFETY (whole body): every load reads indices < n of x and of each row.
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); 2]; 4];
            let mut i = 0;
            while i + 16 <= n {
                let x0 = _mm256_loadu_ps(xp.add(i));
                let x1 = _mm256_loadu_ps(xp.add(i + 8));
                for q in 0..4 {
                    acc[q][0] = _mm256_fmadd_ps(_mm256_loadu_ps(rp[q].add(i)), x0, acc[q][0]);
                    acc[q][1] = _mm256_fmadd_ps(_mm256_loadu_ps(rp[q].add(i + 8)), x1, acc[q][1]);
                }
                i += 16;
            }
            if i + 8 <= n {
                let x0 = _mm256_loadu_ps(xp.add(i));
                for q in 0..4 {
                    acc[q][0] = _mm256_fmadd_ps(_mm256_loadu_ps(rp[q].add(i)), x0, acc[q][0]);
                }
                i += 8;
            }
            let mut out = [0.0; 4];
            for q in 0..4 {
                let mut tail = 0.0;
                for t in i..n {
                    tail = (*xp.add(t)).mul_add(*rp[q].add(t), tail);
                }
                out[q] = hsum(_mm256_add_ps(acc[q][0], acc[q][1])) + tail;
            }
            out
        }
    }
}

/// `c ← α·Σ_p x[p]·B[p, ..] + β·c` (`b` a `k × n` view, `x` of length `k`): row combinations,
/// four rows of `b` per pass over `c`.
#[inline(always)]
fn gevm_rows<const FMA: bool>(alpha: Elem, x: &[Elem], b: MatRef<'_>, beta: Elem, c: &mut [Elem]) {
    let n = c.len();
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        c.iter_mut().for_each(|v| *v *= beta);
    }
    let k = x.len();
    let mut p = 0;
    while p + 4 <= k {
        let s = [
            alpha * x[p],
            alpha * x[p + 1],
            alpha * x[p + 2],
            alpha * x[p + 3],
        ];
        let (r0, r1, r2, r3) = (
            &b.row(p)[..n],
            &b.row(p + 1)[..n],
            &b.row(p + 2)[..n],
            &b.row(p + 3)[..n],
        );
        for j in 0..n {
            let v = madd::<FMA>(s[0], r0[j], c[j]);
            let v = madd::<FMA>(s[1], r1[j], v);
            let v = madd::<FMA>(s[2], r2[j], v);
            c[j] = madd::<FMA>(s[3], r3[j], v);
        }
        p += 4;
    }
    while p < k {
        let s = alpha * x[p];
        for (cj, &bj) in c.iter_mut().zip(b.row(p)) {
            *cj = madd::<FMA>(s, bj, *cj);
        }
        p += 1;
    }
}

/// `C[i, ..] ← (α·a_i)·y + β·C[i, ..]` for every row `i` (`a_i = col(i)`).
#[inline(always)]
fn rank1<const FMA: bool>(
    alpha: Elem,
    col: impl Fn(usize) -> Elem,
    y: &[Elem],
    beta: Elem,
    c: &mut MatMut<'_>,
) {
    for i in 0..c.rows() {
        let s = alpha * col(i);
        let row = &mut c.row_mut(i)[..y.len()];
        if beta == 0.0 {
            for (cj, &yj) in row.iter_mut().zip(y) {
                *cj = s * yj;
            }
        } else if beta == 1.0 {
            for (cj, &yj) in row.iter_mut().zip(y) {
                *cj = madd::<FMA>(s, yj, *cj);
            }
        } else {
            for (cj, &yj) in row.iter_mut().zip(y) {
                *cj = madd::<FMA>(s, yj, beta * *cj);
            }
        }
    }
}

/// The shapes handled here, decided from the operands alone.
#[derive(Clone, Copy)]
enum Shape {
    /// `m = 1`, `op(A)` a stored row, `op(B) = Bᵀ`: dot products with the rows of `B`.
    RowTimesRows,
    /// `2 ≤ m ≤ SMALL_ROWS`, `op(A) = A`, `op(B) = Bᵀ` (AVX2 + FMA only): dot products of stored
    /// rows.
    RowsTimesRows,
    /// `m = 1`, `op(A)` a stored row, `op(B) = B`: combination of the rows of `B`.
    RowTimesMatrix,
    /// `k = 1`, `op(B)` a stored row: rank-1 update.
    Rank1,
}

/// Rows of `C` up to which `A·Bᵀ` runs as dot products instead of packing `B` (which reads and
/// writes all of `B` once per call: at batch sizes this small that is as much memory traffic as
/// the product itself).
const SMALL_ROWS: usize = 16;

/// The same limit for the AVX-512 dot-product blocks, which keep four rows of `B` in L1 while
/// they sweep every row of `A` from L2: up to this many rows they beat packing `B`.
const SMALL_ROWS_AVX512: usize = 64;

fn classify(
    m: usize,
    k: usize,
    ta: Transpose,
    tb: Transpose,
    fma: bool,
    avx512: bool,
) -> Option<Shape> {
    let rows_limit = if avx512 {
        SMALL_ROWS_AVX512
    } else {
        SMALL_ROWS
    };
    match (m, k, ta, tb) {
        (1, _, Transpose::No, Transpose::Yes) => Some(Shape::RowTimesRows),
        (2.., _, Transpose::No, Transpose::Yes) if fma && m <= rows_limit => {
            Some(Shape::RowsTimesRows)
        }
        (1, _, Transpose::No, Transpose::No) => Some(Shape::RowTimesMatrix),
        (_, 1, _, Transpose::No) => Some(Shape::Rank1),
        _ => None,
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run<const FMA: bool>(
    shape: Shape,
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    beta: Elem,
    mut c: MatMut<'_>,
) {
    match shape {
        Shape::RowTimesRows => gemv_rows::<FMA>(alpha, a.row(0), b, beta, c.row_mut(0)),
        Shape::RowsTimesRows => {
            #[cfg(target_arch = "x86_64")]
            if FMA {
                // SAFETY: FMA = true only inside `run_avx2` (AVX2 and FMA present).
                unsafe { rows_times_rows(alpha, a, b, beta, &mut c) };
                return;
            }
            unreachable!("classify() picks RowsTimesRows only with AVX2 + FMA")
        }
        Shape::RowTimesMatrix => gevm_rows::<FMA>(alpha, a.row(0), b, beta, c.row_mut(0)),
        Shape::Rank1 => {
            let y = b.row(0);
            match ta {
                // op(A) = A, an m × 1 column: a_i = A[i, 0].
                Transpose::No => rank1::<FMA>(alpha, |i| a.get(i, 0), y, beta, &mut c),
                // op(A) = Aᵀ with A a 1 × m row.
                Transpose::Yes => {
                    let row = a.row(0);
                    rank1::<FMA>(alpha, |i| row[i], y, beta, &mut c)
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_avx2(
    shape: Shape,
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    beta: Elem,
    c: MatMut<'_>,
) {
    run::<true>(shape, alpha, a, ta, b, beta, c);
}

/// Computes the product here when its shape is one of the direct cases; returns `false`
/// (touching nothing) otherwise. With `vector_shapes_only` (the BLAS backend) only the
/// matrix-vector and rank-1 shapes qualify: OpenBLAS 0.3.21 packs those like any GEMM, while
/// its small-batch products are as fast as the dot-product loops here. Shapes were checked by the caller and `m, n, k ≥ 1`.
#[allow(clippy::too_many_arguments)]
pub(super) fn try_small(
    vector_shapes_only: bool,
    alpha: Elem,
    a: MatRef<'_>,
    ta: Transpose,
    b: MatRef<'_>,
    tb: Transpose,
    beta: Elem,
    c: MatMut<'_>,
) -> bool {
    let (_, k) = ta.apply(a.shape());
    let (fma, avx512) = cpu_features();
    let Some(shape) = classify(c.rows(), k, ta, tb, fma && !vector_shapes_only, avx512) else {
        return false;
    };
    #[cfg(target_arch = "x86_64")]
    if fma {
        if matches!(shape, Shape::RowsTimesRows) && avx512 {
            let mut c = c;
            // SAFETY: the CPU supports AVX-512F (checked); RowsTimesRows means A is m × k and
            // B is n × k, both stored, as `rows_times_rows` needs.
            unsafe { x86_512::rows_times_rows(alpha, a, b, beta, &mut c) };
            return true;
        }
        // SAFETY: the CPU supports AVX2 and FMA (checked above).
        unsafe { run_avx2(shape, alpha, a, ta, b, beta, c) };
        return true;
    }
    run::<false>(shape, alpha, a, ta, b, beta, c);
    true
}

/// Whether the pure backend runs `C ← α·A·Bᵀ + β·C` with `m` rows of `C` as the AVX-512
/// dot-product blocks and more than [`SMALL_ROWS`] rows, so that the rows can be split over
/// threads ([`rows_times_rows_avx512`] on each block gives every element exactly as one call).
pub(super) fn wide_rows_times_rows(m: usize, k: usize, ta: Transpose, tb: Transpose) -> bool {
    let (fma, avx512) = cpu_features();
    fma && avx512
        && m > SMALL_ROWS
        && matches!(
            classify(m, k, ta, tb, fma, avx512),
            Some(Shape::RowsTimesRows)
        )
}

/// Rows of `C` up to which the BLAS backend runs `A·Bᵀ` as the AVX-512 dot-product blocks once
/// the product is too large for OpenBLAS's small-matrix kernels (see [`beats_blas`]).
#[cfg(feature = "blas")]
const BLAS_ROWS_MAX: usize = 48;

/// Whether the BLAS backend should compute `C ← α·op(A)·op(B) + β·C` (`m × k` by `k × n`)
/// with the AVX-512 dot-product blocks instead of calling OpenBLAS: `A·Bᵀ` with at most
/// [`BLAS_ROWS_MAX`] rows beyond OpenBLAS's small-matrix kernel. There OpenBLAS packs all of
/// `B` on every call for few rows of `A`; 1 thread, `k = 784`, `n = 64…300`: blocks 77–91 GFLOP/s,
/// OpenBLAS (SkylakeX and Haswell kernels) 36–83 (16 rows: 54–65; `16×1024×256`: 93 against
/// 35). At 64 rows the two are even, and under 100³ OpenBLAS's small kernel wins (95–112).
#[cfg(feature = "blas")]
pub(super) fn beats_blas(m: usize, n: usize, k: usize, ta: Transpose, tb: Transpose) -> bool {
    let (fma, avx512) = cpu_features();
    m <= BLAS_ROWS_MAX
        && m.saturating_mul(n).saturating_mul(k) > super::blas::SMALL_KERNEL_MAX
        && avx512
        && matches!(
            classify(m, k, ta, tb, fma, avx512),
            Some(Shape::RowsTimesRows)
        )
}

/// (AVX2 + FMA, AVX-512F) of this CPU, both false off x86-64.
fn cpu_features() -> (bool, bool) {
    #[cfg(target_arch = "x86_64")]
    return (crate::simd::has_avx2_fma(), crate::simd::has_avx512f());
    #[cfg(not(target_arch = "x86_64"))]
    (false, false)
}

/// The AVX-512 `A·Bᵀ` blocks on any rows of `A` and `C` (also a single row), for a block of a
/// product for which [`wide_rows_times_rows`] holds.
pub(super) fn rows_times_rows_avx512(
    alpha: Elem,
    a: MatRef<'_>,
    b: MatRef<'_>,
    beta: Elem,
    mut c: MatMut<'_>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        assert!(
            crate::simd::has_avx512f(),
            "checked by wide_rows_times_rows"
        );
        // SAFETY: AVX-512F is present (asserted); A is m × k and B is n × k, both stored.
        unsafe { x86_512::rows_times_rows(alpha, a, b, beta, &mut c) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("wide_rows_times_rows is false off x86_64: {alpha} {a:?} {b:?} {beta} {c:?}");
}
