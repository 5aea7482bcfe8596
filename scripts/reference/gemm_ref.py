#!/usr/bin/env python3
"""GEMM throughput at the layer shapes of crates/linalg/benches/gemm.rs, in PyTorch (CPU) and
NumPy (its bundled OpenBLAS), for the GEMM-efficiency target of docs/benchmarks.md.

Each shape is one product a dense layer issues: `fwd` X·Wᵀ, `dW` Δᵀ·X, `dX` Δ·W (b = batch,
i = inputs, o = outputs). Prints one CSV line per shape and library: config, pass, m, k, n,
library, median seconds per product, GFLOP/s (2·m·k·n / seconds). Threads: --threads (default 1)
for both libraries. Set OPENBLAS_CORETYPE before starting Python to pick NumPy's kernels.

    .venv/bin/python scripts/reference/gemm_ref.py --threads 1
"""

import argparse
import os
import statistics
import sys
import time

SHAPES = [
    ("rashid", "fwd", 1, 784, 100),
    ("rashid", "dW", 1, 784, 100),
    ("rashid", "dX", 1, 100, 10),
    ("nielsen", "fwd", 10, 784, 30),
    ("nielsen", "dW", 10, 784, 30),
    ("mlp100", "fwd", 100, 784, 100),
    ("mlp100", "dW", 100, 784, 100),
    ("mlp100", "dX", 100, 100, 10),
    ("mynet", "fwd", 256, 784, 32),
    ("mynet", "dW", 256, 784, 32),
    ("mynet", "fwd2", 256, 32, 32),
    ("blog", "fwd", 16, 784, 300),
    ("blog", "dW", 16, 784, 300),
    ("wide", "fwd", 64, 784, 1024),
    ("wide", "dW", 64, 784, 1024),
    ("wide", "fwd2", 64, 1024, 512),
    ("wide", "dW2", 64, 1024, 512),
    ("wide", "dX2", 64, 1024, 512),
]


def operands(xp, pass_, b, i, o):
    """(A, B, (m, k, n)) with op(A)·op(B) as the layer computes it (transposes as views)."""
    rand = xp.rand
    if pass_.startswith("fwd"):
        x, w = rand(b, i), rand(o, i)
        return x, w.T, (b, i, o)
    if pass_.startswith("dW"):
        d, x = rand(b, o), rand(b, i)
        return d.T, x, (o, b, i)
    d, w = rand(b, o), rand(o, i)
    return d, w, (b, o, i)


def time_it(f, min_seconds=0.3):
    """Median seconds per call over batches of calls lasting about `min_seconds` in all."""
    f()
    reps = 1
    while True:
        t = time.perf_counter()
        for _ in range(reps):
            f()
        if time.perf_counter() - t > 0.02:
            break
        reps *= 2
    samples = []
    end = time.perf_counter() + min_seconds
    while time.perf_counter() < end or len(samples) < 5:
        t = time.perf_counter()
        for _ in range(reps):
            f()
        samples.append((time.perf_counter() - t) / reps)
    return statistics.median(samples)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    libs = []
    try:
        import torch

        torch.set_num_threads(args.threads)

        class T:
            rand = staticmethod(lambda r, c: torch.rand(r, c, dtype=torch.float32))

        def torch_mm(a, b, m, n):
            out = torch.empty(m, n)
            return lambda: torch.mm(a, b, out=out)

        libs.append(("torch", T, torch_mm))
    except ImportError:
        print("PyTorch not installed: NumPy only", file=sys.stderr)

    class N:
        rand = staticmethod(lambda r, c: np.random.rand(r, c).astype(np.float32))

    def numpy_mm(a, b, m, n):
        out = np.empty((m, n), dtype=np.float32)
        return lambda: np.matmul(a, b, out=out)

    libs.append(("numpy", N, numpy_mm))
    print("config,pass,m,k,n,library,seconds,gflops")
    for config, pass_, b, i, o in SHAPES:
        for name, xp, mm in libs:
            a, bm, (m, k, n) = operands(xp, pass_, b, i, o)
            s = time_it(mm(a, bm, m, n))
            print(f"{config},{pass_},{m},{k},{n},{name},{s:.9f},{2 * m * k * n / s / 1e9:.2f}")


if __name__ == "__main__":
    main()
