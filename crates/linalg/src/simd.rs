//! Run-time CPU feature detection for the hand-vectorised loops.
//!
//! The crate is compiled for the baseline target (SSE2 on x86-64); loops that matter are compiled a
//! second time inside `#[target_feature(enable = "avx2,fma")]` functions and chosen here at run
//! time. AVX-512 is left to `matrixmultiply` (its `avx512` feature), which keeps this crate
//! buildable by its minimum supported Rust version.

/// True when the CPU runs AVX2 and FMA code (detected once).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2_fma() -> bool {
    use std::sync::OnceLock;
    static DETECTED: OnceLock<bool> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    })
}
