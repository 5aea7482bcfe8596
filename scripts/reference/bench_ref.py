#!/usr/bin/env python3
"""Reference implementations of the six `bench-runner bench` configurations, timed the same way:
seconds per training epoch over the Fashion-MNIST training set held in memory as uint8,
reshuffled every epoch, converted to float per batch, plain SGD, evaluation excluded.

Implementations (--impl):
  torch      idiomatic PyTorch CPU: nn.Sequential of nn.Linear, torch.optim.SGD, F.cross_entropy
             or a squared-error expression, float32.
  numpy-vec  vectorised NumPy float32: the whole batch as one matrix per layer (X @ W.T).
  numpy-tb   the textbook code: Rashid's `train()` (batch 1) and Nielsen's `network.py`
             `update_mini_batch`/`backprop` (one column vector per sample, gradients summed over the
             mini-batch), in float64 as in the books.

Prints one line per epoch, `median_epoch_cpu_s=<seconds>` (process CPU time, all threads) and,
last, `median_epoch_s=<seconds>`.

The configurations mirror crates/bench-runner/src/experiments/bench/configs.rs; keep them in sync.
Thread counts must be fixed before NumPy/PyTorch load their BLAS, so this script sets
OMP/OPENBLAS/MKL_NUM_THREADS itself from --threads before importing them.
"""

import argparse
import gzip
import os
import statistics
import struct
import sys
import time

CONFIGS = {
    # name: (sizes, hidden, output, loss, (off, on), batch, lr, bias, rashid_inputs)
    "rashid": ([784, 100, 10], "sigmoid", "sigmoid", "quadratic", (0.01, 0.99), 1, 0.1, False, True),
    "nielsen": ([784, 30, 10], "sigmoid", "sigmoid", "quadratic", (0.0, 1.0), 10, 3.0, True, False),
    "mlp100": ([784, 100, 10], "sigmoid", "identity", "softmax_ce", (0.0, 1.0), 100, 0.5, True, False),
    "mynet": ([784, 32, 32, 10], "sigmoid", "identity", "softmax_ce", (0.0, 1.0), 256, 0.5, True, False),
    "blog": ([784, 300, 10], "sigmoid", "identity", "softmax_ce", (0.0, 1.0), 16, 0.1, True, False),
    "wide": ([784, 1024, 512, 10], "relu", "identity", "softmax_ce", (0.0, 1.0), 64, 0.05, True, False),
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", required=True, choices=["torch", "numpy-vec", "numpy-tb"])
    p.add_argument("--config", required=True, choices=sorted(CONFIGS))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", required=True)
    return p.parse_args()


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    ndims = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndims, raw[4 : 4 + 4 * ndims])
    return raw[4 + 4 * ndims :], dims


def find(data_dir, name):
    for cand in (name, name + ".gz"):
        path = os.path.join(data_dir, cand)
        if os.path.exists(path):
            return path
    sys.exit(f"{data_dir}: no {name}[.gz]")


def load(data_dir, limit):
    import numpy as np

    pix, dims = read_idx(find(data_dir, "train-images-idx3-ubyte"))
    lab, _ = read_idx(find(data_dir, "train-labels-idx1-ubyte"))
    images = np.frombuffer(pix, dtype=np.uint8).reshape(dims[0], dims[1] * dims[2])
    labels = np.frombuffer(lab, dtype=np.uint8).astype(np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images, labels


def scaling(cfg):
    return (0.99 / 255.0, 0.01) if cfg[8] else (1.0 / 255.0, 0.0)


# --------------------------------------------------------------------------------------- torch
def torch_epochs(cfg, images, labels, args):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    sizes, hidden, output, loss, (off, on), bs, lr, bias, _ = cfg
    act = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b, bias=bias))
        name = output if i == len(sizes) - 2 else hidden
        if name != "identity":
            layers.append(act[name]())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    X = torch.from_numpy(images.copy())
    y = torch.from_numpy(labels.copy())
    table = torch.full((10, 10), off)
    table.fill_diagonal_(on)
    scale, offset = scaling(cfg)
    gen = torch.Generator().manual_seed(args.seed)
    n = X.shape[0]

    def epoch():
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            xb = X[idx].float().mul_(scale).add_(offset)
            yb = y[idx]
            out = model(xb)
            if loss == "quadratic":
                l = 0.5 * (out - table[yb]).pow(2).sum(1).mean()
            else:
                l = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            l.backward()
            opt.step()

    return epoch


# ----------------------------------------------------------------------------------- numpy-vec
def numpy_vec_epochs(cfg, images, labels, args):
    import numpy as np

    sizes, hidden, output, loss, (off, on), bs, lr, bias, _ = cfg
    rng = np.random.default_rng(args.seed)
    f32 = np.float32
    W = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(f32) for a, b in zip(sizes, sizes[1:])]
    B = [np.zeros(b, dtype=f32) for b in sizes[1:]] if bias else None
    acts = [hidden] * (len(W) - 1) + [output]
    table = np.full((10, 10), off, dtype=f32)
    np.fill_diagonal(table, on)
    scale, offset = (f32(v) for v in scaling(cfg))
    lr = f32(lr)
    n = images.shape[0]

    def f(name, z):
        if name == "sigmoid":
            return 1.0 / (1.0 + np.exp(-z))
        if name == "relu":
            return np.maximum(z, 0)
        return z

    def fprime(name, a):
        if name == "sigmoid":
            return a * (1 - a)
        if name == "relu":
            return (a > 0).astype(f32)
        return 1

    def epoch():
        perm = rng.permutation(n)
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            x = images[idx].astype(f32) * scale + offset
            yb = labels[idx]
            b = x.shape[0]
            a = [x]
            for l, w in enumerate(W):
                z = a[-1] @ w.T
                if bias:
                    z += B[l]
                a.append(f(acts[l], z))
            out = a[-1]
            if loss == "quadratic":
                d = (out - table[yb]) * fprime(output, out) / f32(b)
            else:
                e = np.exp(out - out.max(axis=1, keepdims=True))
                d = e / e.sum(axis=1, keepdims=True)
                d[np.arange(b), yb] -= 1
                d /= f32(b)
            for l in range(len(W) - 1, -1, -1):
                dw = d.T @ a[l]
                if l > 0:
                    d_prev = (d @ W[l]) * fprime(acts[l - 1], a[l])
                if bias:
                    B[l] -= lr * d.sum(axis=0)
                W[l] -= lr * dw
                if l > 0:
                    d = d_prev

    return epoch


# ------------------------------------------------------------------------------------ numpy-tb
def numpy_tb_epochs(cfg, images, labels, args):
    """Rashid's `neuralNetwork.train` for batch 1 without biases; otherwise Nielsen's network.py."""
    import numpy as np

    sizes, hidden, output, loss, (off, on), bs, lr, bias, _ = cfg
    if loss != "quadratic" or hidden != "sigmoid" or output != "sigmoid":
        sys.exit("numpy-tb implements the textbook sigmoid/quadratic networks (rashid, nielsen) only")
    rng = np.random.default_rng(args.seed)
    scale, offset = scaling(cfg)
    n = images.shape[0]

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    if bs == 1 and not bias and len(sizes) == 3:
        # Make Your Own Neural Network, part 2: the book's train() with its error rule.
        wih = rng.normal(0.0, pow(sizes[0], -0.5), (sizes[1], sizes[0]))
        who = rng.normal(0.0, pow(sizes[1], -0.5), (sizes[2], sizes[1]))

        def epoch():
            nonlocal wih, who
            for i in rng.permutation(n):
                inputs = (np.asarray(images[i], dtype=float) * scale + offset)
                targets = np.zeros(sizes[2]) + off
                targets[labels[i]] = on
                inputs = np.array(inputs, ndmin=2).T
                targets = np.array(targets, ndmin=2).T
                hidden_outputs = sigmoid(np.dot(wih, inputs))
                final_outputs = sigmoid(np.dot(who, hidden_outputs))
                output_errors = targets - final_outputs
                hidden_errors = np.dot(who.T, output_errors)
                who += lr * np.dot((output_errors * final_outputs * (1.0 - final_outputs)), np.transpose(hidden_outputs))
                wih += lr * np.dot((hidden_errors * hidden_outputs * (1.0 - hidden_outputs)), np.transpose(inputs))

        return epoch

    # Nielsen, Neural Networks and Deep Learning, chapter 1: network.py.
    num_layers = len(sizes)
    biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
    weights = [rng.standard_normal((y, x)) / np.sqrt(x) for x, y in zip(sizes[:-1], sizes[1:])]

    def backprop(x, y):
        nabla_b = [np.zeros(b.shape) for b in biases]
        nabla_w = [np.zeros(w.shape) for w in weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(biases, weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y) * sigmoid(zs[-1]) * (1 - sigmoid(zs[-1]))
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, num_layers):
            z = zs[-l]
            sp = sigmoid(z) * (1 - sigmoid(z))
            delta = np.dot(weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return nabla_b, nabla_w

    def epoch():
        nonlocal biases, weights
        perm = rng.permutation(n)
        for k in range(0, n, bs):
            nabla_b = [np.zeros(b.shape) for b in biases]
            nabla_w = [np.zeros(w.shape) for w in weights]
            for i in perm[k : k + bs]:
                x = np.reshape(images[i], (784, 1)) * scale + offset
                y = np.zeros((10, 1)) + off
                y[labels[i]] = on
                delta_nabla_b, delta_nabla_w = backprop(x, y)
                nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
                nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
            m = len(perm[k : k + bs])
            weights = [w - (lr / m) * nw for w, nw in zip(weights, nabla_w)]
            biases = [b - (lr / m) * nb for b, nb in zip(biases, nabla_b)]

    return epoch


def main():
    args = parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    cfg = CONFIGS[args.config]
    images, labels = load(args.data_dir, args.limit)
    make = {"torch": torch_epochs, "numpy-vec": numpy_vec_epochs, "numpy-tb": numpy_tb_epochs}[args.impl]
    epoch = make(cfg, images, labels, args)
    version = ""
    if args.impl == "torch":
        import torch

        version = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    else:
        import numpy

        version = f"numpy {numpy.__version__}"
    print(f"{args.impl} {args.config}: {version}, {images.shape[0]} samples, threads {args.threads}", flush=True)
    times, cpu = [], []
    for e in range(args.warmup + args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        epoch()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        warm = e < args.warmup
        if not warm:
            times.append(dt)
            cpu.append(dc)
        print(f"{'warm-up' if warm else 'epoch'} {e + 1}: {dt:.4f} s (CPU {dc:.3f} s)", flush=True)
    print(f"median_epoch_cpu_s={statistics.median(cpu):.3f}")
    print(f"median_epoch_s={statistics.median(times):.6f}")


if __name__ == "__main__":
    main()
