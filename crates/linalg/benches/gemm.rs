//! GEMM throughput at the layer shapes of the `bench-runner bench` configurations, per backend.
//!
//! Each id is `<config>/<pass> m×k×n/<backend>`; the throughput is in FLOP (2·m·k·n), so
//! criterion's `elem/s` reads as FLOP/s. Threads: `LINALG_BENCH_THREADS` (default 1) for both the
//! rayon pool and BLAS. For OpenBLAS's AVX-512 kernels on CPUs it does not know (Zen 5 with
//! OpenBLAS 0.3.21), run with `OPENBLAS_CORETYPE=SkylakeX`.
//!
//! ```text
//! cargo bench -p linalg --features blas --bench gemm -- mlp100
//! ```

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use linalg::{gemm, Backend, Matrix, Transpose};
use std::hint::black_box;

/// One product as a dense layer issues it: `pass` is `fwd` (`X·Wᵀ`), `dW` (`Δᵀ·X`) or `dX`
/// (`Δ·W`); `b` is the batch, `d_in`/`d_out` the layer's sizes.
struct Shape {
    config: &'static str,
    pass: &'static str,
    b: usize,
    d_in: usize,
    d_out: usize,
}

const fn s(config: &'static str, pass: &'static str, b: usize, d_in: usize, d_out: usize) -> Shape {
    Shape {
        config,
        pass,
        b,
        d_in,
        d_out,
    }
}

/// The products of every configuration that cost anything (the 10-wide output layers are left
/// out except where they are the whole story).
const SHAPES: &[Shape] = &[
    s("rashid", "fwd", 1, 784, 100),
    s("rashid", "dW", 1, 784, 100),
    s("rashid", "dX", 1, 100, 10),
    s("nielsen", "fwd", 10, 784, 30),
    s("nielsen", "dW", 10, 784, 30),
    s("mlp100", "fwd", 100, 784, 100),
    s("mlp100", "dW", 100, 784, 100),
    s("mlp100", "dX", 100, 100, 10),
    s("mynet", "fwd", 256, 784, 32),
    s("mynet", "dW", 256, 784, 32),
    s("mynet", "fwd2", 256, 32, 32),
    s("blog", "fwd", 16, 784, 300),
    s("blog", "dW", 16, 784, 300),
    s("wide", "fwd", 64, 784, 1024),
    s("wide", "dW", 64, 784, 1024),
    s("wide", "fwd2", 64, 1024, 512),
    s("wide", "dW2", 64, 1024, 512),
    s("wide", "dX2", 64, 1024, 512),
];

impl Shape {
    /// `(m, k, n, op(A), op(B))` and the stored shapes of A and B.
    #[allow(clippy::type_complexity)]
    fn product(
        &self,
    ) -> (
        (usize, usize, usize),
        (Transpose, Transpose),
        (usize, usize),
        (usize, usize),
    ) {
        let (b, i, o) = (self.b, self.d_in, self.d_out);
        match self.pass {
            // X (b×i) · Wᵀ (W: o×i) → b×o
            p if p.starts_with("fwd") => {
                ((b, i, o), (Transpose::No, Transpose::Yes), (b, i), (o, i))
            }
            // Δᵀ (Δ: b×o) · X (b×i) → o×i
            p if p.starts_with("dW") => {
                ((o, b, i), (Transpose::Yes, Transpose::No), (b, o), (b, i))
            }
            // Δ (b×o) · W (o×i) → b×i
            _ => ((b, o, i), (Transpose::No, Transpose::No), (b, o), (o, i)),
        }
    }
}

fn bench_gemm(c: &mut Criterion) {
    let threads: usize = std::env::var("LINALG_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    linalg::set_threads(threads);
    for shape in SHAPES {
        let ((m, k, n), (ta, tb), a_shape, b_shape) = shape.product();
        let a = Matrix::from_fn(a_shape.0, a_shape.1, |i, j| {
            ((i * 7 + j * 3) % 17) as f32 * 0.01
        });
        let b = Matrix::from_fn(b_shape.0, b_shape.1, |i, j| {
            ((i * 5 + j) % 13) as f32 * 0.01
        });
        let mut out = Matrix::zeros(m, n);
        let mut group = c.benchmark_group(shape.config);
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        for &backend in Backend::available() {
            let id = BenchmarkId::new(format!("{} {m}x{k}x{n} {threads}T", shape.pass), backend);
            group.bench_function(id, |bench| {
                bench.iter(|| {
                    gemm(
                        backend,
                        1.0,
                        black_box(a.view()),
                        ta,
                        black_box(b.view()),
                        tb,
                        0.0,
                        out.view_mut(),
                    );
                    black_box(out.as_slice()[0])
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench_gemm
}
criterion_main!(benches);
