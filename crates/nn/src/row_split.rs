//! A plain-SGD training batch split over a [`Team`] by the **rows of the lower layers**
//! ([`crate::SplitBatch`]): each thread keeps its own rows of every large layer's weights in its
//! own cache from batch to batch, and only activations and deltas (a few KB per batch) travel
//! between the cores.
//!
//! Splitting the batch's samples instead ([`crate::split`]) makes every thread read all of each
//! weight matrix in the forward pass and write back its own rows, so half of every large `W`
//! moves between the cores on every batch. On a 2-vCPU VM whose vCPUs were at times placed on
//! different core complexes (a cache-line round trip of ≈330 ns instead of ≈65 ns), that doubled
//! the epoch time of 784-300-10 at batch 16 (docs/benchmarks.md).
//!
//! With `t` threads, lane `p` owns rows `p·n/t .. (p+1)·n/t` of each of the first `s` layers
//! (the *split* layers); the rest (the *tail*, at least the output layer) runs on the calling
//! thread. Per batch:
//! 1. **forward, one step per split layer**: every lane gathers the whole batch into its own
//!    buffer (first layer) and computes its block of outputs `A_l^p = f(A_{l−1}·W_l[p]ᵀ + b_l[p])`,
//!    reading every lane's block of `A_{l−1}`;
//! 2. **tail, on the caller**: the tail's forward pass, the loss and its `δ`, the tail's deltas
//!    and updates (each layer's after the `δ` below it, which needs the old weights);
//! 3. **backward, one step per split layer, from the top**: lane `p` forms its block of `δ_l`
//!    — from the tail's `δ_s·W_s[:, p]` for the top split layer, else from the sum of every lane's
//!    partial `δ_{l+1}^q·W_{l+1}[q]` — then its partial `δ_l^p·W_l[p]` for the layer below, then
//!    updates its rows: `W_l[p] ← W_l[p] − η·δ_l^pᵀ·A_{l−1}`, `b_l[p] ← b_l[p] − η·Σ δ_l^p`;
//! 4. the caller updates the first tail layer once every lane has read its old weights.
//!
//! The gradient is the batch's (the order of some sums depends on the thread count, so results
//! are deterministic for a given thread count, not across counts).

use crate::dense::{sgd_block_rows, sgd_into};
use crate::shared_rows::SharedRows;
use crate::{Activation, Dataset, Dense, Loss, Model, TargetEncoding};
use linalg::{gemm, kernels, Backend, Elem, MatMut, MatRef, Matrix, Team, Transpose};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Rows `p·n/t .. (p+1)·n/t` of `n`: lane `p`'s share of `t`.
fn share(n: usize, t: usize, p: usize) -> (usize, usize) {
    (p * n / t, (p + 1) * n / t)
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// One lane's blocks of a split layer.
#[derive(Debug)]
struct LaneLayer {
    /// `A_l^p`: the lane's outputs for the batch (`max_batch × rows`).
    act: RwLock<Matrix>,
    /// `δ_l^p` (`max_batch × rows`).
    delta: RwLock<Matrix>,
    /// `δ_l^p·W_l[p]` (`max_batch × d_input`), the lane's part of the layer below's `δ`
    /// (empty for the first layer).
    partial: RwLock<Matrix>,
}

/// Where a split layer's parameters live, so that each lane can write its own rows.
#[derive(Debug, Clone, Copy)]
struct LayerParams {
    w: SharedRows,
    b: Option<SharedRows>,
    activation: Activation,
    rows: usize,
    cols: usize,
}

/// Threads and buffers of row-split batches (built once per trainer, on the first).
#[derive(Debug)]
pub(crate) struct RowSplit {
    team: Team,
    /// Each lane's copy of the batch's inputs (`max_batch × d_input`).
    inputs: Vec<RwLock<Matrix>>,
    /// `[layer][lane]` for the split layers (the leading ones; the others run on the calling
    /// thread).
    layers: Vec<Vec<LaneLayer>>,
    /// Bias-gradient scratch, one per lane (longest split layer).
    bias_grads: Vec<RwLock<Vec<Elem>>>,
    /// Activations and deltas of the tail layers (`max_batch × d_output` each).
    tail_acts: Vec<Matrix>,
    tail_deltas: Vec<Matrix>,
    /// Bias-gradient scratch of the tail (longest tail layer).
    tail_bias_grad: Vec<Elem>,
    labels: Vec<usize>,
    /// The split layers' parameters, refreshed every batch (capacity kept: no allocation).
    params: Vec<LayerParams>,
}

impl RowSplit {
    /// A team of `threads` for `model`, splitting the rows of its first `split` layers
    /// (`1 ≤ split < layers`), for batches of up to `max_batch` samples.
    pub(crate) fn new(model: &Model, threads: usize, split: usize, max_batch: usize) -> Self {
        let layers = model.layers();
        assert!(
            (1..layers.len()).contains(&split),
            "split {split} of {} layers",
            layers.len()
        );
        let t = threads.max(1);
        let lanes = |f: &dyn Fn(usize) -> LaneLayer| (0..t).map(f).collect::<Vec<_>>();
        let split_layers = layers[..split]
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                lanes(&|p| {
                    let (r0, r1) = share(layer.d_output(), t, p);
                    LaneLayer {
                        act: RwLock::new(Matrix::zeros(max_batch, r1 - r0)),
                        delta: RwLock::new(Matrix::zeros(max_batch, r1 - r0)),
                        partial: RwLock::new(if l == 0 {
                            Matrix::zeros(0, 0)
                        } else {
                            Matrix::zeros(max_batch, layer.d_input())
                        }),
                    }
                })
            })
            .collect();
        let widest_split = layers[..split].iter().map(Dense::d_output).max();
        let tail = &layers[split..];
        let tail_buffers = || {
            tail.iter()
                .map(|l| Matrix::zeros(max_batch, l.d_output()))
                .collect::<Vec<_>>()
        };
        Self {
            team: Team::new(t),
            inputs: (0..t)
                .map(|_| RwLock::new(Matrix::zeros(max_batch, model.d_input())))
                .collect(),
            layers: split_layers,
            bias_grads: (0..t)
                .map(|_| RwLock::new(vec![0.0; widest_split.unwrap_or(0)]))
                .collect(),
            tail_acts: tail_buffers(),
            tail_deltas: tail_buffers(),
            tail_bias_grad: vec![0.0; tail.iter().map(Dense::d_output).max().unwrap_or(0)],
            labels: vec![0; max_batch],
            params: Vec::with_capacity(split),
        }
    }

    /// Threads in the team.
    pub(crate) fn threads(&self) -> usize {
        self.inputs.len()
    }

    /// Leading layers split by rows.
    pub(crate) fn split_layers(&self) -> usize {
        self.layers.len()
    }

    /// The largest batch the buffers hold.
    pub(crate) fn max_batch(&self) -> usize {
        self.labels.len()
    }

    /// One plain-SGD step on the samples `indices` of `data`, `θ ← θ − η·∇L` with `L` their
    /// mean loss, for a dense model without dropout of the architecture given to
    /// [`RowSplit::new`], under the true gradient. Returns the summed loss of the samples (before
    /// the update) and whether every parameter is finite after it.
    pub(crate) fn sgd_step(
        &mut self,
        model: &mut Model,
        backend: Backend,
        (loss, enc): (Loss, TargetEncoding),
        data: &dyn Dataset,
        indices: &[usize],
        lr: f32,
    ) -> (f64, bool) {
        let finite = AtomicBool::new(true);
        let mut loss_sum = 0.0;
        let mut run = || {
            self.forward(model, backend, data, indices);
            loss_sum = self.tail(model, backend, (loss, enc), indices, lr, &finite);
            self.backward(model, backend, indices.len(), lr, &finite);
        };
        // Only around BLAS calls: the pure backend leaves OpenBLAS's settings alone.
        if backend != Backend::Pure {
            linalg::with_single_threaded_blas(run);
        } else {
            run();
        }
        (loss_sum, finite.into_inner())
    }

    /// Step 1: every lane's blocks of the split layers' outputs.
    fn forward(&mut self, model: &Model, backend: Backend, data: &dyn Dataset, indices: &[usize]) {
        let b = indices.len();
        let d = model.d_input();
        let t = self.threads();
        for (label, &i) in self.labels.iter_mut().zip(indices) {
            *label = data.label(i);
        }
        for l in 0..self.split_layers() {
            let layer = &model.layers()[l];
            let (inputs, layers) = (&self.inputs, &self.layers);
            self.team.run(|p| {
                linalg::on_this_thread(|| {
                    let (r0, r1) = share(layer.d_output(), t, p);
                    let mut act = write(&layers[l][p].act);
                    let mut out = act.top_rows_mut(b);
                    if l == 0 {
                        let mut x = write(&inputs[p]);
                        data.fill_inputs(indices, &mut x.as_mut_slice()[..b * d]);
                        drop(x);
                    }
                    if r0 < r1 {
                        let w = layer.weights.view().rows_range(r0, r1 - r0);
                        if l == 0 {
                            let x = read(&inputs[p]);
                            let x = x.top_rows(b);
                            gemm(
                                backend,
                                1.0,
                                x,
                                Transpose::No,
                                w,
                                Transpose::Yes,
                                0.0,
                                out.reborrow(),
                            );
                        } else {
                            blocks_times_t(backend, &layers[l - 1], b, w, out.reborrow());
                        }
                        let bias = layer.bias.as_deref().map(|v| &v[r0..r1]);
                        for i in 0..b {
                            layer.finish_outputs(bias, out.row_mut(i));
                        }
                    }
                });
            });
        }
    }

    /// Step 2: the tail on the calling thread; returns the summed loss.
    fn tail(
        &mut self,
        model: &mut Model,
        backend: Backend,
        (loss, enc): (Loss, TargetEncoding),
        indices: &[usize],
        lr: f32,
        finite: &AtomicBool,
    ) -> f64 {
        let b = indices.len();
        let s = self.split_layers();
        let output_activation = model.output_activation();
        let (_, tail) = model.layers_mut().split_at_mut(s);
        // First tail layer: Z = Σ_q A_{s−1}^q · W_s[:, q]ᵀ.
        {
            let first = &tail[0];
            let mut out = self.tail_acts[0].top_rows_mut(b);
            let lanes = &self.layers[s - 1];
            blocks_times_t(backend, lanes, b, first.weights.view(), out.reborrow());
            for i in 0..b {
                first.finish_row(out.row_mut(i));
            }
        }
        for k in 1..tail.len() {
            let (done, rest) = self.tail_acts.split_at_mut(k);
            tail[k].forward(backend, done[k - 1].top_rows(b), rest[0].top_rows_mut(b));
        }
        let last = tail.len() - 1;
        let loss_sum = loss.output_delta(
            output_activation,
            self.tail_acts[last].top_rows(b),
            &self.labels[..b],
            enc,
            self.tail_deltas[last].top_rows_mut(b),
        );
        let mut ok = true;
        for k in (1..tail.len()).rev() {
            let (below, from_k) = self.tail_deltas.split_at_mut(k);
            let (delta, mut prev) = (from_k[0].top_rows(b), below[k - 1].top_rows_mut(b));
            tail[k].backward_input(backend, delta, prev.reborrow());
            let input = self.tail_acts[k - 1].top_rows(b);
            tail[k - 1].activation.backward_inplace(prev, input);
            ok &= sgd_update(
                backend,
                lr,
                delta,
                input,
                &mut tail[k],
                &mut self.tail_bias_grad,
            );
        }
        if !ok {
            finite.store(false, Ordering::Relaxed);
        }
        loss_sum
    }

    /// Steps 3 and 4: the split layers' deltas and updates, then the first tail layer's update.
    fn backward(
        &mut self,
        model: &mut Model,
        backend: Backend,
        b: usize,
        lr: f32,
        finite: &AtomicBool,
    ) {
        let s = self.split_layers();
        let t = self.threads();
        let (split_layers, tail) = model.layers_mut().split_at_mut(s);
        self.params.clear();
        self.params.extend(split_layers.iter_mut().map(|layer| {
            let (rows, cols) = layer.weights.shape();
            LayerParams {
                w: SharedRows::new(layer.weights.as_mut_slice(), cols),
                b: layer.bias.as_deref_mut().map(|v| SharedRows::new(v, 1)),
                activation: layer.activation,
                rows,
                cols,
            }
        }));
        let tail_first: &Dense = &tail[0];
        let tail_delta = self.tail_deltas[0].top_rows(b);
        let (inputs, layers, params, bias_grads) =
            (&self.inputs, &self.layers, &self.params, &self.bias_grads);
        for l in (0..s).rev() {
            let lp = params[l];
            self.team.run(|p| {
                linalg::on_this_thread(|| {
                    let (r0, r1) = share(lp.rows, t, p);
                    if r0 == r1 {
                        return;
                    }
                    let lane = &layers[l][p];
                    let mut delta_guard = write(&lane.delta);
                    let mut delta = delta_guard.top_rows_mut(b);
                    // δ_l^p before the activation derivative.
                    if l + 1 == s {
                        let w_cols = tail_first.weights.view().cols_range(r0, r1 - r0);
                        gemm(
                            backend,
                            1.0,
                            tail_delta,
                            Transpose::No,
                            w_cols,
                            Transpose::No,
                            0.0,
                            delta.reborrow(),
                        );
                    } else {
                        let mut first = true;
                        for above in &layers[l + 1] {
                            // A lane without rows of the layer above wrote no partial.
                            if read(&above.act).cols() == 0 {
                                continue;
                            }
                            let partial = read(&above.partial);
                            let window = partial.top_rows(b).cols_range(r0, r1 - r0);
                            add_into(first, window, delta.reborrow());
                            first = false;
                        }
                    }
                    lp.activation
                        .backward_inplace(delta.reborrow(), read(&lane.act).top_rows(b));
                    let delta = delta_guard.top_rows(b);
                    // SAFETY: the lanes' row ranges are disjoint and inside the layer; the
                    // `&mut` borrow of the model is held for the whole step.
                    let w_rows = unsafe { lp.w.rows(r0, r1) };
                    if l > 0 {
                        let w = MatRef::from_slice(r1 - r0, lp.cols, w_rows).expect("W rows");
                        let mut partial = write(&lane.partial);
                        gemm(
                            backend,
                            1.0,
                            delta,
                            Transpose::No,
                            w,
                            Transpose::No,
                            0.0,
                            partial.top_rows_mut(b),
                        );
                    }
                    let mut ok = true;
                    let block = sgd_block_rows(lp.cols);
                    for (c, w_block) in w_rows.chunks_mut(block * lp.cols).enumerate() {
                        let n = w_block.len() / lp.cols;
                        let d_block = delta.cols_range(c * block, n);
                        let mut w_block_mat =
                            MatMut::from_slice(n, lp.cols, &mut w_block[..]).expect("W rows");
                        if l == 0 {
                            let x = read(&inputs[p]);
                            sgd_into(backend, lr, d_block, x.top_rows(b), w_block_mat);
                        } else {
                            for_input_blocks(&layers[l - 1], b, |c0, block, _| {
                                let stride = w_block_mat.stride();
                                let window = MatMut::new(
                                    n,
                                    block.cols(),
                                    stride,
                                    &mut w_block_mat.data_mut()[c0..],
                                )
                                .expect("a column window of W rows");
                                sgd_into(backend, lr, d_block, block, window);
                            });
                        }
                        ok &= kernels::all_finite(w_block);
                    }
                    if let Some(bias) = lp.b {
                        // SAFETY: as for the weights.
                        let bias = unsafe { bias.rows(r0, r1) };
                        ok &= bias_sgd(lr, delta, bias, &mut write(&bias_grads[p]));
                    }
                    if !ok {
                        finite.store(false, Ordering::Relaxed);
                    }
                });
            });
        }
        // Every lane has read the first tail layer's old weights: update them.
        let first = &mut tail[0];
        let mut ok = true;
        let d_in = first.d_input();
        let mut w = first.weights.view_mut();
        for_input_blocks(&self.layers[s - 1], b, |c0, block, _| {
            let window = MatMut::new(w.rows(), block.cols(), d_in, &mut w.data_mut()[c0..])
                .expect("a column window of W");
            sgd_into(backend, lr, tail_delta, block, window);
        });
        ok &= kernels::all_finite(first.weights.as_slice());
        if let Some(bias) = first.bias.as_deref_mut() {
            ok &= bias_sgd(lr, tail_delta, bias, &mut self.tail_bias_grad);
        }
        if !ok {
            finite.store(false, Ordering::Relaxed);
        }
    }
}

/// Calls `f(first column, lane's block of A (b rows), first?)` for each lane's non-empty block
/// of a split layer's outputs, in lane order.
fn for_input_blocks(lanes: &[LaneLayer], b: usize, mut f: impl FnMut(usize, MatRef<'_>, bool)) {
    let mut c0 = 0;
    for lane in lanes {
        let act = read(&lane.act);
        let block = act.top_rows(b);
        if block.cols() > 0 {
            f(c0, block, c0 == 0);
        }
        c0 += block.cols();
    }
}

/// `out ← A·Wᵀ = Σ_q A^q·W[:, q]ᵀ` for the lanes' blocks `A^q` of a split layer's outputs (the
/// first `b` samples) and the matching column blocks of `w`.
fn blocks_times_t(
    backend: Backend,
    lanes: &[LaneLayer],
    b: usize,
    w: MatRef<'_>,
    mut out: MatMut<'_>,
) {
    for_input_blocks(lanes, b, |c0, block, first| {
        let w_cols = w.cols_range(c0, block.cols());
        let beta = if first { 0.0 } else { 1.0 };
        gemm(
            backend,
            1.0,
            block,
            Transpose::No,
            w_cols,
            Transpose::Yes,
            beta,
            out.reborrow(),
        );
    });
}

/// `out ← x` (`first`) or `out ← out + x`.
fn add_into(first: bool, x: MatRef<'_>, mut out: MatMut<'_>) {
    for i in 0..x.rows() {
        let (src, dst) = (x.row(i), out.row_mut(i));
        if first {
            dst.copy_from_slice(src);
        } else {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d += s;
            }
        }
    }
}

/// `W ← W − η·Δᵀ·X`, `b ← b − η·Σ_rows Δ` for a whole tail layer; whether both stay finite.
fn sgd_update(
    backend: Backend,
    lr: f32,
    delta: MatRef<'_>,
    input: MatRef<'_>,
    layer: &mut Dense,
    bias_grad: &mut [Elem],
) -> bool {
    sgd_into(backend, lr, delta, input, layer.weights.view_mut());
    let mut ok = kernels::all_finite(layer.weights.as_slice());
    if let Some(bias) = layer.bias.as_deref_mut() {
        ok &= bias_sgd(lr, delta, bias, bias_grad);
    }
    ok
}

/// `b ← b − η·Σ_rows Δ` through the scratch `grad` (at least as long as `b`); whether `b` stays
/// finite.
fn bias_sgd(lr: f32, delta: MatRef<'_>, bias: &mut [Elem], grad: &mut [Elem]) -> bool {
    let db = &mut grad[..bias.len()];
    kernels::column_sums(delta, 0.0, db);
    kernels::axpy_finite(-lr, db, bias)
}
