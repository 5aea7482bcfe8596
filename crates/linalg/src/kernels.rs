//! Elementwise and reduction kernels on views. None of them allocates.
//!
//! Shapes are checked with assertions: a mismatch is a bug in the caller, not a data error.

use crate::{Elem, MatMut, MatRef};

/// Adds the row vector `v` to every row: `X[i, j] += v[j]` (bias broadcast).
///
/// # Panics
/// When `v.len() != X.cols()`.
pub fn add_row_vector(mut x: MatMut<'_>, v: &[Elem]) {
    assert_eq!(
        v.len(),
        x.cols(),
        "add_row_vector: vector length vs columns"
    );
    for i in 0..x.rows() {
        for (xij, &vj) in x.row_mut(i).iter_mut().zip(v) {
            *xij += vj;
        }
    }
}

/// Column sums with accumulation: `out[j] ← β·out[j] + Σᵢ X[i, j]` (the bias gradient).
/// With `β = 0`, `out` is overwritten.
///
/// # Panics
/// When `out.len() != X.cols()`.
pub fn column_sums(x: MatRef<'_>, beta: Elem, out: &mut [Elem]) {
    assert_eq!(out.len(), x.cols(), "column_sums: output length vs columns");
    if beta == 0.0 {
        out.fill(0.0);
    } else if beta != 1.0 {
        out.iter_mut().for_each(|o| *o *= beta);
    }
    for i in 0..x.rows() {
        for (o, &v) in out.iter_mut().zip(x.row(i)) {
            *o += v;
        }
    }
}

/// Applies `f` to every element in place: `X[i, j] ← f(X[i, j])`.
pub fn map_inplace(mut x: MatMut<'_>, f: impl Fn(Elem) -> Elem) {
    for i in 0..x.rows() {
        for v in x.row_mut(i) {
            *v = f(*v);
        }
    }
}

/// Combines two same-shaped matrices in place: `X[i, j] ← f(X[i, j], Y[i, j])`.
///
/// # Panics
/// When the shapes differ.
pub fn zip_map_inplace(mut x: MatMut<'_>, y: MatRef<'_>, f: impl Fn(Elem, Elem) -> Elem) {
    assert_eq!(x.shape(), y.shape(), "zip_map_inplace: shapes differ");
    for i in 0..x.rows() {
        for (a, &b) in x.row_mut(i).iter_mut().zip(y.row(i)) {
            *a = f(*a, b);
        }
    }
}

/// Writes `f(X[i, j], Y[i, j])` into `out[i, j]`.
///
/// # Panics
/// When the shapes differ.
pub fn zip_map_into(
    x: MatRef<'_>,
    y: MatRef<'_>,
    mut out: MatMut<'_>,
    f: impl Fn(Elem, Elem) -> Elem,
) {
    assert_eq!(x.shape(), y.shape(), "zip_map_into: input shapes differ");
    assert_eq!(x.shape(), out.shape(), "zip_map_into: output shape differs");
    for i in 0..x.rows() {
        for ((o, &a), &b) in out.row_mut(i).iter_mut().zip(x.row(i)).zip(y.row(i)) {
            *o = f(a, b);
        }
    }
}

/// `y ← α·x + y` on slices.
///
/// # Panics
/// When the lengths differ.
pub fn axpy(alpha: Elem, x: &[Elem], y: &mut [Elem]) {
    assert_eq!(x.len(), y.len(), "axpy: lengths differ");
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA.
        unsafe { axpy_avx2(alpha, x, y) };
        return;
    }
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// [`axpy`] compiled for AVX2 + FMA (`y ← fma(α, x, y)`, one rounding per element).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn axpy_avx2(alpha: Elem, x: &[Elem], y: &mut [Elem]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = alpha.mul_add(xi, *yi);
    }
}

/// `y ← α·x + y` like [`axpy`], returning whether every updated element of `y` is finite
/// (no NaN, no ±∞), checked in the same pass: an optimizer's update and its divergence check
/// for the price of the update alone.
///
/// # Panics
/// If the lengths differ.
pub fn axpy_finite(alpha: Elem, x: &[Elem], y: &mut [Elem]) -> bool {
    assert_eq!(x.len(), y.len(), "axpy_finite: lengths differ");
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA.
        return unsafe { axpy_finite_avx2(alpha, x, y) };
    }
    let mut finite = true;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
        finite &= yi.is_finite();
    }
    finite
}

/// [`axpy_finite`] compiled for AVX2 + FMA (the same rounding as [`axpy`]'s AVX2 path).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn axpy_finite_avx2(alpha: Elem, x: &[Elem], y: &mut [Elem]) -> bool {
    let mut finite = true;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = alpha.mul_add(xi, *yi);
        finite &= yi.is_finite();
    }
    finite
}

/// `x ← α·x` on a slice.
pub fn scale(alpha: Elem, x: &mut [Elem]) {
    x.iter_mut().for_each(|v| *v *= alpha);
}

/// Index of the largest element (the first one on ties; NaN never wins). `None` when empty.
pub fn argmax(x: &[Elem]) -> Option<usize> {
    if x.is_empty() {
        return None;
    }
    let mut best: Option<(usize, Elem)> = None;
    for (i, &v) in x.iter().enumerate() {
        let better = match best {
            None => !v.is_nan(),
            Some((_, b)) => v > b,
        };
        if better {
            best = Some((i, v));
        }
    }
    Some(best.map_or(0, |(i, _)| i))
}

/// Row-wise argmax: `out[i] = argmax(X[i, ..])` (0 for an all-NaN row).
///
/// # Panics
/// When `out.len() != X.rows()`.
pub fn argmax_rows(x: MatRef<'_>, out: &mut [usize]) {
    assert_eq!(out.len(), x.rows(), "argmax_rows: output length vs rows");
    for (i, o) in out.iter_mut().enumerate() {
        *o = argmax(x.row(i)).unwrap_or(0);
    }
}

/// True when every element is finite (no NaN, no ±∞).
pub fn all_finite(x: &[Elem]) -> bool {
    // `v·0` is 0 for finite `v` and NaN for ±∞ and NaN; sixteen lanes of sums vectorise (an
    // early-exit loop does not), and a NaN in any lane stays.
    let mut lanes = [0.0 as Elem; 16];
    let chunks = x.chunks_exact(16);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l += v * 0.0;
        }
    }
    lanes.iter().chain(tail).all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Matrix;

    #[test]
    fn bias_broadcast_and_column_sums_are_inverse_shapes() {
        let mut x = Matrix::from_vec(2, 3, vec![1., 2., 3., 4., 5., 6.]).unwrap();
        add_row_vector(x.view_mut(), &[10., 20., 30.]);
        assert_eq!(x.as_slice(), &[11., 22., 33., 14., 25., 36.]);
        let mut s = [f32::NAN; 3];
        column_sums(x.view(), 0.0, &mut s);
        assert_eq!(s, [25., 47., 69.]);
        column_sums(x.view(), 1.0, &mut s);
        assert_eq!(s, [50., 94., 138.]);
    }

    #[test]
    fn argmax_takes_first_of_ties_and_skips_nan() {
        assert_eq!(argmax(&[1., 3., 3., 2.]), Some(1));
        assert_eq!(argmax(&[f32::NAN, 0.5, 0.2]), Some(1));
        assert_eq!(argmax(&[]), None);
        let x = Matrix::from_vec(2, 2, vec![0., 1., 5., -1.]).unwrap();
        let mut out = [9; 2];
        argmax_rows(x.view(), &mut out);
        assert_eq!(out, [1, 0]);
    }

    #[test]
    fn zip_and_map_work_on_strided_views() {
        let mut buf = vec![1., 2., 99., 3., 4., 99.];
        let y = Matrix::from_vec(2, 2, vec![10., 20., 30., 40.]).unwrap();
        let x = MatMut::new(2, 2, 3, &mut buf).unwrap();
        zip_map_inplace(x, y.view(), |a, b| a + b);
        assert_eq!(buf, vec![11., 22., 99., 33., 44., 99.]);
        map_inplace(MatMut::new(2, 2, 3, &mut buf).unwrap(), |v| v * 2.0);
        assert_eq!(buf, vec![22., 44., 99., 66., 88., 99.]);
    }
}
