//! GEMM against a naive Kahan-summed reference over odd sizes, strided views, all four transpose
//! combinations and β ∈ {0, 1, 0.5}; outputs poisoned with NaN before every β = 0 call; with the
//! `blas` feature, the two backends agree within 1e-5 relative.

use linalg::{gemm, try_gemm, Backend, Error, MatMut, MatRef, Matrix, Transpose};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stored shape of an operand so that op(X) has shape (r, c).
fn stored(t: Transpose, r: usize, c: usize) -> (usize, usize) {
    match t {
        Transpose::No => (r, c),
        Transpose::Yes => (c, r),
    }
}

/// A random matrix of the given shape inside a buffer with row stride `cols + pad`
/// (padding filled with NaN, so reading it shows up in the result).
fn strided(rng: &mut ChaCha8Rng, rows: usize, cols: usize, pad: usize) -> (Vec<f32>, usize) {
    let stride = cols + pad;
    let mut buf = vec![f32::NAN; rows * stride];
    for i in 0..rows {
        for j in 0..cols {
            buf[i * stride + j] = rng.random_range(-1.0..1.0);
        }
    }
    (buf, stride)
}

fn op_get(x: &MatRef<'_>, t: Transpose, i: usize, j: usize) -> f64 {
    match t {
        Transpose::No => x.get(i, j) as f64,
        Transpose::Yes => x.get(j, i) as f64,
    }
}

/// Naive reference in f64 with Kahan summation.
#[allow(clippy::too_many_arguments)]
fn reference(
    alpha: f32,
    a: &MatRef<'_>,
    ta: Transpose,
    b: &MatRef<'_>,
    tb: Transpose,
    beta: f32,
    c0: &[f32],
    m: usize,
    n: usize,
    k: usize,
) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let (mut sum, mut comp) = (0.0f64, 0.0f64);
            for p in 0..k {
                let y = op_get(a, ta, i, p) * op_get(b, tb, p, j) - comp;
                let t = sum + y;
                comp = (t - sum) - y;
                sum = t;
            }
            let prior = if beta == 0.0 {
                0.0
            } else {
                beta as f64 * c0[i * n + j] as f64
            };
            out[i * n + j] = alpha as f64 * sum + prior;
        }
    }
    out
}

const SIZES: &[(usize, usize, usize)] = &[
    (1, 1, 1),
    (1, 7, 1),
    (3, 5, 2),
    (7, 13, 9),
    (17, 33, 16),
    (64, 31, 65),
    (129, 100, 10),
    (10, 784, 100),
    (100, 300, 257),
    // A few rows of C against many (A·Bᵀ as dot products, AVX2 or AVX-512): the blog's batch
    // of 16, partial 4×4 blocks in both directions, k with a masked tail.
    (16, 784, 300),
    (5, 17, 6),
    // 17–64 rows: the AVX-512 blocks (the `wide` batch of 64 against 512 outputs).
    (64, 1024, 130),
    (41, 300, 70),
    (13, 47, 11),
    // Just past OpenBLAS's small-matrix kernel (10⁶ multiply-adds) with 48 rows: the BLAS
    // backend runs these on the AVX-512 blocks too.
    (48, 784, 30),
    // The direct paths: one row of C (batch-1 forward / input gradient), rank-1 updates
    // (batch-1 weight gradient), with lengths past the unrolled blocks and odd tails.
    (1, 784, 100),
    (1, 101, 37),
    (1, 30, 7),
    (100, 1, 784),
    (33, 1, 7),
];
const TRANSPOSES: [Transpose; 2] = [Transpose::No, Transpose::Yes];

fn check_backend(backend: Backend) {
    let fast = std::env::var_os("LINALG_FAST_TEST").is_some();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for &(m, k, n) in SIZES {
        if fast && m * n * k > 100_000 {
            continue;
        }
        for ta in TRANSPOSES {
            for tb in TRANSPOSES {
                for &(alpha, beta) in &[(1.0f32, 0.0f32), (1.0, 1.0), (-0.5, 0.5)] {
                    let (ar, ac) = stored(ta, m, k);
                    let (br, bc) = stored(tb, k, n);
                    let (abuf, astr) = strided(&mut rng, ar, ac, 3);
                    let (bbuf, bstr) = strided(&mut rng, br, bc, 1);
                    let a = MatRef::new(ar, ac, astr, &abuf).unwrap();
                    let b = MatRef::new(br, bc, bstr, &bbuf).unwrap();
                    // C lives in a strided buffer too; its padding must be left untouched.
                    let cstr = n + 2;
                    let mut cbuf = vec![-7.0f32; m * cstr];
                    let mut c0 = vec![0.0f32; m * n];
                    for i in 0..m {
                        for j in 0..n {
                            let v = if beta == 0.0 {
                                f32::NAN
                            } else {
                                rng.random_range(-1.0..1.0)
                            };
                            cbuf[i * cstr + j] = v;
                            c0[i * n + j] = v;
                        }
                    }
                    let c = MatMut::new(m, n, cstr, &mut cbuf).unwrap();
                    gemm(backend, alpha, a, ta, b, tb, beta, c);
                    let want = reference(alpha, &a, ta, &b, tb, beta, &c0, m, n, k);
                    for i in 0..m {
                        for j in 0..n {
                            let got = cbuf[i * cstr + j] as f64;
                            let w = want[i * n + j];
                            let tol = 1e-5 * (k as f64).sqrt() * (1.0 + w.abs());
                            assert!(
                                (got - w).abs() <= tol,
                                "{backend} m={m} k={k} n={n} {ta:?}/{tb:?} α={alpha} β={beta} \
                                 at ({i},{j}): got {got}, want {w}"
                            );
                        }
                        for j in n..cstr {
                            assert_eq!(cbuf[i * cstr + j], -7.0, "{backend}: wrote into padding");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn pure_gemm_matches_naive_reference() {
    check_backend(Backend::Pure);
}

#[test]
fn pure_gemm_is_thread_count_independent() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    // A·B through matrixmultiply, and A·Bᵀ with 17–64 rows through the AVX-512 dot-product
    // blocks (where the CPU has them), split into row blocks of 8 — 17 rows leave a block of one.
    for (m, k, n, tb) in [
        (301, 257, 129, Transpose::No),
        (17, 784, 300, Transpose::Yes),
        (41, 300, 70, Transpose::Yes),
        (64, 1024, 130, Transpose::Yes),
    ] {
        let a = Matrix::from_fn(m, k, |_, _| rng.random_range(-1.0..1.0));
        let (br, bc) = stored(tb, k, n);
        let b = Matrix::from_fn(br, bc, |_, _| rng.random_range(-1.0..1.0));
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut c = Matrix::filled(m, n, f32::NAN);
            pool.install(|| {
                gemm(
                    Backend::Pure,
                    1.0,
                    a.view(),
                    Transpose::No,
                    b.view(),
                    tb,
                    0.0,
                    c.view_mut(),
                )
            });
            c
        };
        let one = run(1);
        assert!(one.as_slice().iter().all(|v| v.is_finite()));
        assert_eq!(one, run(2), "{m}x{k}x{n}: 1 vs 2 threads");
        assert_eq!(one, run(3), "{m}x{k}x{n}: 1 vs 3 threads");
    }
}

#[test]
fn empty_inner_dimension_scales_c_by_beta() {
    let a = Matrix::zeros(3, 0);
    let b = Matrix::zeros(0, 2);
    let mut c = Matrix::filled(3, 2, f32::NAN);
    gemm(
        Backend::Pure,
        1.0,
        a.view(),
        Transpose::No,
        b.view(),
        Transpose::No,
        0.0,
        c.view_mut(),
    );
    assert!(c.as_slice().iter().all(|&v| v == 0.0));
    let mut c = Matrix::filled(3, 2, 2.0);
    gemm(
        Backend::Pure,
        1.0,
        a.view(),
        Transpose::No,
        b.view(),
        Transpose::No,
        0.5,
        c.view_mut(),
    );
    assert!(c.as_slice().iter().all(|&v| v == 1.0));
}

#[test]
fn shape_mismatch_is_a_typed_error() {
    let a = Matrix::zeros(2, 3);
    let b = Matrix::zeros(4, 2);
    let mut c = Matrix::zeros(2, 2);
    let err = try_gemm(
        Backend::Pure,
        1.0,
        a.view(),
        Transpose::No,
        b.view(),
        Transpose::No,
        0.0,
        c.view_mut(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let mut c = Matrix::zeros(3, 3);
    let b = Matrix::zeros(3, 2);
    let err = try_gemm(
        Backend::Pure,
        1.0,
        a.view(),
        Transpose::No,
        b.view(),
        Transpose::No,
        0.0,
        c.view_mut(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::ShapeMismatch {
            op: "gemm C",
            expected: (2, 2),
            got: (3, 3)
        }
    );
}

#[test]
fn views_reject_short_buffers() {
    let buf = [0.0f32; 5];
    assert!(MatRef::new(2, 3, 3, &buf).is_err());
    assert!(MatRef::new(2, 3, 2, &buf).is_err(), "stride < cols");
    assert!(MatRef::new(2, 2, 3, &buf).is_ok());
    assert!(Matrix::from_vec(2, 2, vec![0.0; 3]).is_err());
}

#[test]
fn backend_names_parse() {
    assert_eq!(Backend::parse("pure").unwrap(), Backend::Pure);
    assert!(matches!(
        Backend::parse("cuda"),
        Err(Error::UnknownBackend { .. })
    ));
    #[cfg(not(feature = "blas"))]
    assert_eq!(
        Backend::parse("blas").unwrap_err(),
        Error::BackendUnavailable { name: "blas" }
    );
    #[cfg(feature = "blas")]
    assert_eq!(Backend::parse("BLAS").unwrap(), Backend::Blas);
}

#[cfg(feature = "blas")]
mod blas {
    use super::*;

    #[test]
    fn blas_gemm_matches_naive_reference() {
        check_backend(Backend::Blas);
    }

    /// With OpenBLAS on one thread, products past its small-matrix kernel are cut into blocks
    /// of rows or columns of `C` (strided views of every operand, all transposes).
    #[test]
    fn single_threaded_blas_gemm_matches_naive_reference() {
        linalg::with_single_threaded_blas(|| check_backend(Backend::Blas));
    }

    /// `A·Bᵀ` with few rows and more than 10⁶ multiply-adds runs on the dot-product blocks on
    /// both backends where the CPU has AVX-512 (OpenBLAS would pack all of `B` per call): the
    /// same bits. Smaller products and other transposes stay with OpenBLAS.
    #[test]
    fn few_row_products_past_openblas_small_kernel_take_the_dot_product_blocks() {
        #[cfg(target_arch = "x86_64")]
        let avx512 = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let avx512 = false;
        if !avx512 {
            eprintln!("skipped: no AVX-512 on this CPU");
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (m, k, n) in [(16, 784, 300), (48, 784, 30), (2, 1024, 600)] {
            let a = Matrix::from_fn(m, k, |_, _| rng.random_range(-1.0..1.0));
            let b = Matrix::from_fn(n, k, |_, _| rng.random_range(-1.0..1.0));
            let c0 = Matrix::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0));
            let run = |backend| {
                let mut c = c0.clone();
                gemm(
                    backend,
                    0.7,
                    a.view(),
                    Transpose::No,
                    b.view(),
                    Transpose::Yes,
                    0.5,
                    c.view_mut(),
                );
                c
            };
            let (pure, blas) = (run(Backend::Pure), run(Backend::Blas));
            assert!(
                pure.as_slice()
                    .iter()
                    .zip(blas.as_slice())
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{m}×{k}×{n}: the BLAS backend did not take the dot-product blocks"
            );
        }
    }

    #[test]
    fn blas_and_pure_agree_within_1e_5_relative() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for &(m, k, n) in SIZES {
            for ta in TRANSPOSES {
                for tb in TRANSPOSES {
                    let (ar, ac) = stored(ta, m, k);
                    let (br, bc) = stored(tb, k, n);
                    let a = Matrix::from_fn(ar, ac, |_, _| rng.random_range(-1.0..1.0));
                    let b = Matrix::from_fn(br, bc, |_, _| rng.random_range(-1.0..1.0));
                    let c0 = Matrix::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0));
                    let mut results = Vec::new();
                    for backend in [Backend::Pure, Backend::Blas] {
                        let mut c = c0.clone();
                        gemm(backend, 0.7, a.view(), ta, b.view(), tb, 1.0, c.view_mut());
                        results.push(c);
                    }
                    // Relative to the magnitude of the terms summed (sum of |a|·|b| ≤ k).
                    let scale = 1.0 + (k as f32);
                    for (x, y) in results[0].as_slice().iter().zip(results[1].as_slice()) {
                        assert!(
                            (x - y).abs() <= 1e-5 * scale.max(x.abs()),
                            "m={m} k={k} n={n} {ta:?}/{tb:?}: pure {x} vs blas {y}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn axpy_finite_updates_like_axpy_and_reports_overflow_and_nan() {
    use linalg::kernels::{axpy, axpy_finite};
    // Odd length so vector bodies and scalar tails both run.
    let x: Vec<f32> = (0..37).map(|i| (i as f32 - 18.0) * 0.37).collect();
    let y0: Vec<f32> = (0..37).map(|i| (i as f32 * 0.11).sin()).collect();
    let (mut a, mut b) = (y0.clone(), y0.clone());
    axpy(-0.5, &x, &mut a);
    assert!(axpy_finite(-0.5, &x, &mut b));
    assert_eq!(a, b, "same values as axpy");
    // Overflow to infinity in one element (the last: a tail element).
    let mut c = y0.clone();
    let mut big = vec![0.0f32; 37];
    big[36] = 3.0e38;
    assert!(!axpy_finite(10.0, &big, &mut c));
    assert!(c[36].is_infinite() && c[..36] == y0[..36]);
    // A NaN in the first element.
    let mut d = y0.clone();
    d[0] = f32::NAN;
    assert!(!axpy_finite(1.0, &x, &mut d));
}
