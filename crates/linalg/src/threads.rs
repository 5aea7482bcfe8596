//! Explicit thread counts for both backends.

use std::sync::atomic::{AtomicUsize, Ordering};

static BLAS_THREADS: AtomicUsize = AtomicUsize::new(0);

#[cfg(feature = "blas")]
extern "C" {
    fn openblas_set_num_threads(n: std::ffi::c_int);
}

/// Sets the number of threads the GEMM backends use.
///
/// The pure backend runs on the *current rayon pool*: call this from inside the pool you built
/// (or after building the global pool with `n` threads). For BLAS it calls
/// `openblas_set_num_threads(n)`. `n = 0` is treated as 1.
pub fn set_threads(n: usize) {
    let n = n.max(1);
    BLAS_THREADS.store(n, Ordering::Relaxed);
    #[cfg(feature = "blas")]
    // SAFETY: plain FFI call into OpenBLAS with a positive thread count.
    unsafe {
        openblas_set_num_threads(n as std::ffi::c_int)
    };
}

/// The BLAS thread count last set by [`set_threads`] (0 when never set).
pub fn blas_threads() -> usize {
    BLAS_THREADS.load(Ordering::Relaxed)
}
