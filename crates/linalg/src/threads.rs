//! Explicit thread counts for both backends, and a way to keep one thread's GEMMs on it.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

static BLAS_THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set inside [`on_this_thread`]: the pure backend does not split this thread's products.
    static SERIAL: Cell<bool> = const { Cell::new(false) };
}

#[cfg(feature = "blas")]
extern "C" {
    fn openblas_set_num_threads(n: std::ffi::c_int);
    fn openblas_get_num_threads() -> std::ffi::c_int;
}

/// Sets the number of threads the GEMM backends use.
///
/// The pure backend runs on the *current rayon pool*: call this from inside the pool you built
/// (or after building the global pool with `n` threads). For BLAS it calls
/// `openblas_set_num_threads(n)`. `n = 0` is treated as 1.
pub fn set_threads(n: usize) {
    let n = n.max(1);
    BLAS_THREADS.store(n, Ordering::Relaxed);
    set_blas_library_threads(n);
}

/// The BLAS thread count last set by [`set_threads`] (0 when never set).
pub fn blas_threads() -> usize {
    BLAS_THREADS.load(Ordering::Relaxed)
}

fn set_blas_library_threads(n: usize) {
    #[cfg(feature = "blas")]
    // SAFETY: plain FFI call into OpenBLAS with a positive thread count.
    unsafe {
        openblas_set_num_threads(n.max(1) as std::ffi::c_int)
    };
    #[cfg(not(feature = "blas"))]
    let _ = n;
}

/// Threads OpenBLAS uses per call now (1 without the `blas` feature).
pub(crate) fn blas_library_threads() -> usize {
    #[cfg(feature = "blas")]
    // SAFETY: plain FFI call into OpenBLAS, no arguments.
    let n = unsafe { openblas_get_num_threads() }.max(1) as usize;
    #[cfg(not(feature = "blas"))]
    let n = 1;
    n
}

/// Runs `f` with every product the *calling thread* issues on the pure backend computed on that
/// thread alone (no split over the rayon pool). For work that is already parallel at a coarser
/// grain, e.g. one part of a batch per thread; results are the same as without it.
pub fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SERIAL.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SERIAL.with(|s| s.replace(true)));
    f()
}

/// Whether the calling thread is inside [`on_this_thread`].
pub(crate) fn is_serial() -> bool {
    SERIAL.with(Cell::get)
}

/// Runs `f` with OpenBLAS limited to one thread per call, then restores the library's previous
/// count (a no-op without the `blas` feature). Needed where `f` calls BLAS from several threads
/// at once: OpenBLAS 0.3's own thread pool serves one multi-threaded call at a time, while
/// single-threaded calls run on their callers side by side. The setting is process-wide, so no
/// other thread should rely on multi-threaded BLAS while `f` runs.
pub fn with_single_threaded_blas<R>(f: impl FnOnce() -> R) -> R {
    let before = blas_library_threads();
    if before <= 1 {
        return f();
    }
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            set_blas_library_threads(self.0);
        }
    }
    set_blas_library_threads(1);
    let _restore = Restore(before);
    f()
}
