//! Row-major `f32` matrices and the few kernels a neural network needs.
//!
//! # Brief overview
//! - [`Matrix`] owns a contiguous row-major buffer; [`MatRef`] / [`MatMut`] are borrowed views
//!   with a row stride, so a workspace sized for the largest batch can be viewed for a smaller one
//!   without copying.
//! - [`gemm()`] computes `C ← α·op(A)·op(B) + β·C`, where `op` is the identity or the transpose
//!   (chosen by [`Transpose`]), on a [`Backend`] picked at run time. Transposes are expressed
//!   through strides or BLAS flags: no matrix is ever copied to transpose it.
//! - [`kernels`] holds the elementwise and reduction kernels (bias broadcast, column sums,
//!   map/zip, argmax); none allocates.
//! - [`rank1`] fuses a rank-1 weight update with the next matrix-vector product (per-sample SGD).
//!
//! ```
//! use linalg::{gemm, Backend, Matrix, Transpose};
//!
//! let a = Matrix::from_vec(2, 3, vec![1., 2., 3., 4., 5., 6.]).unwrap();
//! let b = Matrix::from_vec(2, 3, vec![1., 0., 1., 0., 1., 0.]).unwrap();
//! let mut c = Matrix::zeros(2, 2);
//! // C = A · Bᵀ
//! gemm(Backend::Pure, 1.0, a.view(), Transpose::No, b.view(), Transpose::Yes, 0.0, c.view_mut());
//! assert_eq!(c.as_slice(), &[4., 2., 10., 5.]);
//! ```
//!
//! # Features
//! - `blas`: adds `Backend::Blas`, which calls `sgemm` of the system OpenBLAS through the
//!   `blas` and `openblas-src` crates (needs `libopenblas-dev`). Without it the crate is pure Rust
//!   and [`Backend::parse`]`("blas")` returns [`Error::BackendUnavailable`].
//!
//! # Small shapes
//! Products with a single row of `C` (matrix-vector) or an inner dimension of 1 (rank-1 update),
//! the shapes of a batch of one, skip both `matrixmultiply` and BLAS (which pack their operands
//! first) and run direct loops, AVX2 + FMA code where the CPU has it. On the pure backend the same
//! holds for `A·Bᵀ` with at most 16 rows of `A` (64 with AVX-512: small-batch forward passes).
//!
//! On the BLAS backend, `A·Bᵀ` with at most 48 rows and more than 10⁶ multiply-adds takes those
//! AVX-512 blocks too (OpenBLAS 0.3.21 would pack all of `B` per call), and, while OpenBLAS runs
//! single-threaded, other products past its small-matrix kernels (10⁶ multiply-adds) are computed
//! as blocks of rows or columns of `C` that fit them — each element still one dot product over
//! the whole inner dimension, the cut fixed by the shapes.
//!
//! # Threads
//! [`set_threads`] fixes the thread count of both backends: the pure backend splits the rows of
//! `C` over the current rayon pool (each element is computed the same way whatever the split, so
//! results do not depend on the thread count), and BLAS gets `openblas_set_num_threads`. Work
//! that is parallel at a coarser grain (one part of a batch per thread) wraps each part in
//! [`on_this_thread`] and the whole in [`with_single_threaded_blas`], so every product stays on
//! the thread that issued it.

mod backend;
mod error;
mod gemm;
pub mod kernels;
mod matrix;
pub mod rank1;
mod simd;
mod team;
mod threads;

pub use backend::Backend;
pub use error::{Error, Result};
pub use gemm::{gemm, try_gemm, Transpose};
pub use matrix::{MatMut, MatRef, Matrix};
pub use team::{Team, SPIN};
pub use threads::{blas_threads, on_this_thread, set_threads, with_single_threaded_blas};

/// The element type of every matrix in this crate.
pub type Elem = f32;
