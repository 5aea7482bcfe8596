//! The fused per-sample SGD pass (`rank1_update_matvec`: `W_j ← W_j + c_j·u`, then
//! `z_j = W_j·x`) at the shapes of the `rashid` configuration: the whole 100×784 first layer
//! (one thread) and the 52 rows one of two threads takes. Throughput is in weights, so
//! criterion's `elem/s` reads as weights updated and multiplied per second (for `matvec-…`,
//! multiplied).
//!
//! Beside each fused pass, `matvec-…` times the product alone (`update = None`: the weights are
//! read but not written) — the floor of any per-sample step, which must at least read `W` once
//! per sample, whatever it does with the update.
//!
//! ```text
//! cargo bench -p linalg --bench rank1
//! ```

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use linalg::{rank1::rank1_update_matvec, Matrix};
use std::hint::black_box;

fn fused_pass(c: &mut Criterion) {
    let k = 784;
    let mut group = c.benchmark_group("rank1_update_matvec");
    for m in [100, 52] {
        let mut w = Matrix::from_fn(m, k, |i, j| ((i * 7 + j) % 13) as f32 * 1e-3);
        // Tiny coefficients keep the weights bounded over millions of passes.
        let coef = vec![1e-7f32; m];
        let u: Vec<f32> = (0..k).map(|i| (i % 5) as f32 * 0.2).collect();
        let x: Vec<f32> = (0..k).map(|i| (i % 3) as f32 * 0.3).collect();
        let mut z = vec![0.0f32; m];
        group.throughput(Throughput::Elements((m * k) as u64));
        group.bench_function(BenchmarkId::from_parameter(format!("{m}x{k}")), |b| {
            b.iter(|| {
                rank1_update_matvec(w.view_mut(), Some((&coef, &u)), &x, &mut z);
                black_box(&mut z);
            })
        });
        group.bench_function(
            BenchmarkId::from_parameter(format!("matvec-{m}x{k}")),
            |b| {
                b.iter(|| {
                    rank1_update_matvec(w.view_mut(), None, &x, &mut z);
                    black_box(&mut z);
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, fused_pass);
criterion_main!(benches);
