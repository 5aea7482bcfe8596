//! The machine's single-core f32 FMA throughput, the ceiling for every GEMM figure in
//! `docs/benchmarks.md`: twelve independent chains of fused multiply-adds (enough to cover the
//! FMA latency on two pipes), with 256-bit (AVX2) and 512-bit (AVX-512F) vectors. Throughput is
//! in floating-point operations (2 per lane per FMA), so criterion's `elem/s` reads as FLOP/s.
//!
//! ```text
//! cargo bench -p linalg --bench fma_peak
//! ```

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// FMAs per chain per call.
const STEPS: usize = 10_000;
/// Independent accumulators.
const CHAINS: usize = 12;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{CHAINS, STEPS};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn chains_256(seed: f32) -> f32 {
        let (a, b) = (_mm256_set1_ps(1.000_000_1), _mm256_set1_ps(seed));
        let mut acc = [_mm256_set1_ps(seed); CHAINS];
        for _ in 0..STEPS {
            for v in &mut acc {
                *v = _mm256_fmadd_ps(*v, a, b);
            }
        }
        let mut sum = _mm256_setzero_ps();
        for v in acc {
            sum = _mm256_add_ps(sum, v);
        }
        _mm256_cvtss_f32(sum)
    }

    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn chains_512(seed: f32) -> f32 {
        let (a, b) = (_mm512_set1_ps(1.000_000_1), _mm512_set1_ps(seed));
        let mut acc = [_mm512_set1_ps(seed); CHAINS];
        for _ in 0..STEPS {
            for v in &mut acc {
                *v = _mm512_fmadd_ps(*v, a, b);
            }
        }
        let mut sum = _mm512_setzero_ps();
        for v in acc {
            sum = _mm512_add_ps(sum, v);
        }
        _mm512_reduce_add_ps(sum)
    }
}

fn fma_peak(c: &mut Criterion) {
    let mut group = c.benchmark_group("fma_peak");
    #[cfg(target_arch = "x86_64")]
    {
        use std::hint::black_box;
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            group.throughput(Throughput::Elements((STEPS * CHAINS * 8 * 2) as u64));
            // SAFETY: AVX2 and FMA were detected.
            group.bench_function("avx2", |b| {
                b.iter(|| unsafe { x86::chains_256(black_box(1e-3)) })
            });
        }
        if is_x86_feature_detected!("avx512f") {
            group.throughput(Throughput::Elements((STEPS * CHAINS * 16 * 2) as u64));
            // SAFETY: AVX-512F was detected.
            group.bench_function("avx512", |b| {
                b.iter(|| unsafe { x86::chains_512(black_box(1e-3)) })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, fma_peak);
criterion_main!(benches);
