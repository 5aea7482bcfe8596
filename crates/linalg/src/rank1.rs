//! Rank-1 weight updates fused with the next matrix-vector product: the inner loop of
//! per-sample SGD.
//!
//! A batch-1 SGD step on a dense layer updates `W ← W − η·δ·uᵀ` (`u` the layer's input for this
//! sample) and the next sample's forward pass computes `z = W·x`. Done apart, `W` crosses the
//! cache three times per sample (read for `z`, read and written for the update) — and five times
//! when a gradient matrix is written and read in between. [`rank1_update_matvec`] does both in
//! one pass over each row: `W_j ← W_j + c_j·u`, then `z_j ← W_j·x` while the row is in registers.
//!
//! Every row is computed the same way whichever rows it is called with, so splitting the rows of
//! `W` over threads gives bit-identical results for any thread count.

use crate::{Elem, MatMut};

/// For every row `j` of `W`: `W_j ← W_j + c_j·u` when `update` is `Some((c, u))` (one rounding per
/// element: `fma(c_j, u_k, W_jk)`), then `z_j ← W_j·x`, summed in a fixed order that does not
/// depend on which other rows are in the call.
///
/// ```
/// use linalg::{rank1::rank1_update_matvec, Matrix};
///
/// let mut w = Matrix::from_vec(2, 2, vec![1., 2., 3., 4.]).unwrap();
/// let mut z = [0.0; 2];
/// // W ← W + [1, −1]·[1, 0]ᵀ = [[2, 2], [2, 4]];  z = W·[1, 1]
/// rank1_update_matvec(w.view_mut(), Some((&[1., -1.], &[1., 0.])), &[1., 1.], &mut z);
/// assert_eq!(w.as_slice(), &[2., 2., 2., 4.]);
/// assert_eq!(z, [4., 6.]);
/// ```
///
/// # Panics
/// When `x`, `u` do not have `W.cols()` elements or `z`, `c` do not have `W.rows()`.
pub fn rank1_update_matvec(
    mut w: MatMut<'_>,
    update: Option<(&[Elem], &[Elem])>,
    x: &[Elem],
    z: &mut [Elem],
) {
    let (m, k) = w.shape();
    assert_eq!(x.len(), k, "rank1_update_matvec: x length vs columns");
    assert_eq!(z.len(), m, "rank1_update_matvec: z length vs rows");
    if let Some((c, u)) = update {
        assert_eq!(c.len(), m, "rank1_update_matvec: c length vs rows");
        assert_eq!(u.len(), k, "rank1_update_matvec: u length vs columns");
    }
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA; the lengths were checked above.
        unsafe { x86::update_matvec(&mut w, update, x, z) };
        return;
    }
    for (j, zj) in z.iter_mut().enumerate() {
        let row = w.row_mut(j);
        if let Some((c, u)) = update {
            for (wk, &uk) in row.iter_mut().zip(u) {
                *wk = c[j].mul_add(uk, *wk);
            }
        }
        *zj = row
            .iter()
            .zip(x)
            .fold(0.0, |s, (&wk, &xk)| wk.mul_add(xk, s));
    }
}

/// `W ← W + c·uᵀ` (`fma(c_j, u_k, W_jk)`, the update of [`rank1_update_matvec`] without the
/// product); returns whether every element of `W` is finite afterwards.
///
/// # Panics
/// When `c` does not have `W.rows()` elements or `u` not `W.cols()`.
pub fn rank1_update(mut w: MatMut<'_>, c: &[Elem], u: &[Elem]) -> bool {
    assert_eq!(c.len(), w.rows(), "rank1_update: c length vs rows");
    assert_eq!(u.len(), w.cols(), "rank1_update: u length vs columns");
    let mut finite = true;
    for (j, &cj) in c.iter().enumerate() {
        finite &= crate::kernels::axpy_finite(cj, u, w.row_mut(j));
    }
    finite
}

/// AVX2 + FMA blocks of 4 rows: per 8 columns, one load each of `u` and `x` shared by the 4
/// rows, then per row one load, one FMA for the update, one store and one FMA into its
/// accumulator; the tail of fewer than 8 columns per element, in the same order for every row.
///
/// 8 lanes, not 16, also where the CPU has AVX-512: on the Zen 5 this was measured on, a row
/// update with 256-bit loads and stores took 0.65 ns per 16 weights against 0.80 ns with
/// 512-bit ones (100×784 and 52×784 matrices, in L2; docs/benchmarks.md).
#[cfg(target_arch = "x86_64")]
mod x86 {
    use crate::{Elem, MatMut};
    use std::arch::x86_64::*;

    /// `R` rows (pointers to `k` elements each), updated with `c_r·u` when `update` is given,
    /// then multiplied by `x`.
    ///
    /// # Safety
    /// AVX2 + FMA; the rows are distinct and valid for `k` reads and writes, `u` and `x` for `k`
    /// reads.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block<const R: usize>(
        rows: [*mut Elem; R],
        update: Option<([Elem; R], *const Elem)>,
        x: *const Elem,
        k: usize,
    ) -> [Elem; R] {
        // SAFETY (whole body): indices stay below k, per the contract.
        unsafe {
            let mut acc = [_mm256_setzero_ps(); R];
            let mut i = 0;
            match update {
                Some((c, u)) => {
                    let cv = c.map(|v| _mm256_set1_ps(v));
                    while i + 8 <= k {
                        let uv = _mm256_loadu_ps(u.add(i));
                        let xv = _mm256_loadu_ps(x.add(i));
                        for r in 0..R {
                            let p = rows[r].add(i);
                            let nw = _mm256_fmadd_ps(cv[r], uv, _mm256_loadu_ps(p));
                            _mm256_storeu_ps(p, nw);
                            acc[r] = _mm256_fmadd_ps(nw, xv, acc[r]);
                        }
                        i += 8;
                    }
                }
                None => {
                    while i + 8 <= k {
                        let xv = _mm256_loadu_ps(x.add(i));
                        for r in 0..R {
                            acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(rows[r].add(i)), xv, acc[r]);
                        }
                        i += 8;
                    }
                }
            }
            let mut z = acc.map(|a| crate::simd::hsum256(a));
            for r in 0..R {
                for t in i..k {
                    let p = rows[r].add(t);
                    if let Some((c, u)) = update {
                        *p = c[r].mul_add(*u.add(t), *p);
                    }
                    z[r] = (*p).mul_add(*x.add(t), z[r]);
                }
            }
            z
        }
    }

    /// [`super::rank1_update_matvec`] on AVX2 + FMA: blocks of 4 rows, then single rows (the
    /// same per-row arithmetic).
    ///
    /// # Safety
    /// AVX2 + FMA; lengths as checked by the caller.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn update_matvec(
        w: &mut MatMut<'_>,
        update: Option<(&[Elem], &[Elem])>,
        x: &[Elem],
        z: &mut [Elem],
    ) {
        let (m, k) = w.shape();
        let stride = w.stride();
        let base = w.data_mut().as_mut_ptr();
        let mut j = 0;
        // SAFETY: rows j..j+R are distinct rows of W (stride ≥ k), in bounds since j + R ≤ m.
        unsafe {
            while j + 4 <= m {
                let rows = [0, 1, 2, 3].map(|r| base.add((j + r) * stride));
                let up = update.map(|(c, u)| ([c[j], c[j + 1], c[j + 2], c[j + 3]], u.as_ptr()));
                z[j..j + 4].copy_from_slice(&block::<4>(rows, up, x.as_ptr(), k));
                j += 4;
            }
            while j < m {
                let up = update.map(|(c, u)| ([c[j]], u.as_ptr()));
                z[j] = block::<1>([base.add(j * stride)], up, x.as_ptr(), k)[0];
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Matrix;

    fn values(n: usize, seed: u32) -> Vec<Elem> {
        (0..n)
            .map(|i| {
                ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 1000) as Elem / 500.0
                    - 1.0
            })
            .collect()
    }

    /// The update and product against a plain f64 reference, for shapes around the block and
    /// lane widths.
    #[test]
    fn matches_reference_for_every_shape() {
        for (m, k) in [
            (1, 1),
            (3, 7),
            (4, 16),
            (5, 17),
            (9, 33),
            (13, 100),
            (100, 784),
        ] {
            let w0 = values(m * k, 1);
            let (c, u, x) = (values(m, 2), values(k, 3), values(k, 4));
            for update in [false, true] {
                {
                    let mut w = Matrix::from_vec(m, k, w0.clone()).unwrap();
                    let mut z = vec![f32::NAN; m];
                    let up = update.then_some((&c[..], &u[..]));
                    rank1_update_matvec(w.view_mut(), up, &x, &mut z);
                    for j in 0..m {
                        let mut dot = 0.0f64;
                        for i in 0..k {
                            let expect = if update {
                                c[j].mul_add(u[i], w0[j * k + i])
                            } else {
                                w0[j * k + i]
                            };
                            assert_eq!(w.get(j, i), expect, "W[{j},{i}] of {m}×{k}");
                            dot += f64::from(expect) * f64::from(x[i]);
                        }
                        let tol = 1e-5 * (k as f64).sqrt() * (1.0 + dot.abs());
                        assert!(
                            (f64::from(z[j]) - dot).abs() < tol,
                            "z[{j}] {} vs {dot}",
                            z[j]
                        );
                    }
                }
            }
        }
    }

    /// Any range of rows gives the same bits as the whole matrix (what splitting rows over
    /// threads relies on).
    #[test]
    fn rows_do_not_depend_on_the_call() {
        let (m, k) = (23, 131);
        let w0 = values(m * k, 5);
        let (c, u, x) = (values(m, 6), values(k, 7), values(k, 8));
        let mut whole = Matrix::from_vec(m, k, w0.clone()).unwrap();
        let mut z_whole = vec![0.0; m];
        rank1_update_matvec(whole.view_mut(), Some((&c, &u)), &x, &mut z_whole);
        for cut in [1, 2, 5, 11, 22] {
            let mut parts = Matrix::from_vec(m, k, w0.clone()).unwrap();
            let mut z = vec![0.0; m];
            let (top, bottom) = parts.as_mut_slice().split_at_mut(cut * k);
            let (z_top, z_bottom) = z.split_at_mut(cut);
            let top = MatMut::from_slice(cut, k, top).unwrap();
            let bottom = MatMut::from_slice(m - cut, k, bottom).unwrap();
            rank1_update_matvec(top, Some((&c[..cut], &u)), &x, z_top);
            rank1_update_matvec(bottom, Some((&c[cut..], &u)), &x, z_bottom);
            assert_eq!(parts, whole, "cut at {cut}");
            assert_eq!(z, z_whole, "cut at {cut}");
        }
    }

    #[test]
    fn update_reports_non_finite_weights() {
        let mut w = Matrix::from_vec(2, 3, vec![1.0; 6]).unwrap();
        assert!(rank1_update(w.view_mut(), &[0.5, -0.5], &[1., 2., 3.]));
        assert_eq!(w.row(1), &[0.5, 0.0, -0.5]);
        assert!(!rank1_update(
            w.view_mut(),
            &[f32::MAX, 0.0],
            &[f32::MAX, 0., 0.]
        ));
    }
}
