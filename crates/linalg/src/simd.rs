//! Run-time CPU feature detection for the hand-vectorised loops.
//!
//! The crate is compiled for the baseline target (SSE2 on x86-64); loops that matter are compiled a
//! second time inside `#[target_feature(enable = "avx2,fma")]` functions and chosen here at run
//! time. The few-rows `A·Bᵀ` loop (small-batch forward passes) also has an AVX-512 version;
//! every other large product gets AVX-512 from `matrixmultiply` (its `avx512` feature) or BLAS.

/// True when the CPU runs AVX2 and FMA code (detected once).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2_fma() -> bool {
    use std::sync::OnceLock;
    static DETECTED: OnceLock<bool> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    })
}

/// Horizontal sum of the 8 lanes of `v` in a fixed order (halves, then pairs, then the last two),
/// so every AVX2 loop that ends in it rounds the same way.
///
/// # Safety
/// The CPU must support AVX.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) unsafe fn hsum256(v: std::arch::x86_64::__m256) -> crate::Elem {
    use std::arch::x86_64::*;
    // SAFETY: the caller runs with AVX enabled.
    unsafe {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)))
    }
}

/// True when the CPU runs AVX-512F code (detected once).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx512f() -> bool {
    use std::sync::OnceLock;
    static DETECTED: OnceLock<bool> = OnceLock::new();
    *DETECTED.get_or_init(|| std::arch::is_x86_feature_detected!("avx512f"))
}
