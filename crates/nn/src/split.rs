//! A training batch split over a [`Team`] of threads ([`crate::TrainConfig::split_batch`]).
//!
//! Two steps per batch, each one call of [`Team::run`]:
//! 1. **per sample** — thread `p` gathers the samples `p·b/t .. (p+1)·b/t` of the batch into its
//!    own buffers and runs the forward pass, the output `δ` (of the mean loss over all `b`
//!    samples) and every layer's `δ` back to the first;
//! 2. **per weight row** — thread `p` computes rows `p·n/t .. (p+1)·n/t` of every layer's
//!    `dW = Σ_parts Δᵀ·X` (and of `db`), reading every part — or, for plain SGD, applies
//!    `W ← W − η·Σ_parts Δᵀ·X` to those rows of `W` straight from the products (no `dW` matrix:
//!    the weights are read and written once) and `b ← b − η·db`.
//!
//! Every product inside runs on the thread that issued it (single-threaded BLAS, no rayon split),
//! so the only synchronisation is the two joins. Other optimizers update the parameters
//! afterwards, on the calling thread.

use crate::dense::{param_grads_into, sgd_block_rows, sgd_into};
use crate::shared_rows::SharedRows;
use crate::{Dataset, Grads, Loss, Model, TargetEncoding, Workspace};
use linalg::{kernels, Backend, Elem, MatMut, MatRef, Matrix, Team};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

/// One part of a split batch: its samples, activations and deltas.
#[derive(Debug)]
struct Part {
    ws: Workspace,
    inputs: Matrix,
    labels: Vec<usize>,
    /// Samples in the part for the current batch (0 when the batch has fewer parts).
    rows: usize,
    /// Summed loss of those samples.
    loss: f64,
}

/// Where one layer's gradients and parameters live, so that each thread can write its own rows
/// of them.
#[derive(Debug, Clone, Copy)]
struct LayerRows {
    dw: SharedRows,
    /// `None` for a layer without bias.
    db: Option<SharedRows>,
    w: SharedRows,
    /// `None` for a layer without bias.
    b: Option<SharedRows>,
    /// Rows (outputs) of the layer.
    rows: usize,
    /// Columns (inputs) of the layer.
    cols: usize,
}

impl LayerRows {
    /// Rows `o0..o1` of `dW`, `db`, `W` and `b`.
    ///
    /// # Safety
    /// As [`SharedRows::rows`]: each thread takes its own range, within one [`Team::run`] of
    /// `BatchSplit::forward_backward`, which holds the `&mut Grads` and `&mut Model` borrows.
    #[allow(clippy::type_complexity)]
    unsafe fn window<'a>(
        self,
        o0: usize,
        o1: usize,
    ) -> (
        &'a mut [Elem],
        Option<&'a mut [Elem]>,
        &'a mut [Elem],
        Option<&'a mut [Elem]>,
    ) {
        // SAFETY: by the caller's contract.
        unsafe {
            (
                self.dw.rows(o0, o1),
                self.db.map(|v| v.rows(o0, o1)),
                self.w.rows(o0, o1),
                self.b.map(|v| v.rows(o0, o1)),
            )
        }
    }
}

/// Buffers and threads for split batches (built once per trainer, on the first split batch).
#[derive(Debug)]
pub(crate) struct BatchSplit {
    team: Team,
    parts: Vec<RwLock<Part>>,
    /// One entry per dense layer, refreshed every batch (capacity kept: no allocation).
    layers: Vec<LayerRows>,
}

impl BatchSplit {
    /// `threads` parts of up to `part_rows` samples each, for `model`.
    pub(crate) fn new(model: &Model, threads: usize, part_rows: usize) -> Self {
        let parts = (0..threads)
            .map(|_| {
                RwLock::new(Part {
                    ws: Workspace::new(model, part_rows),
                    inputs: Matrix::zeros(part_rows, model.d_input()),
                    labels: vec![0; part_rows],
                    rows: 0,
                    loss: 0.0,
                })
            })
            .collect();
        Self {
            team: Team::new(threads),
            parts,
            layers: Vec::with_capacity(model.layers().len()),
        }
    }

    /// Threads (and parts).
    pub(crate) fn threads(&self) -> usize {
        self.parts.len()
    }

    /// Forward and backward pass of the samples `indices` of `data` in `parts` parts
    /// (`2 ≤ parts ≤ threads()`, each of at most the `part_rows` given to [`BatchSplit::new`]),
    /// overwriting `grads` with the gradient of the batch's mean loss. With `sgd_rate = Some(η)`
    /// applies plain SGD, `θ ← θ − η·g`, to every parameter instead, and fills only the bias
    /// gradients. Returns the summed loss and,
    /// when it updated, whether every parameter is finite afterwards.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn forward_backward(
        &mut self,
        model: &mut Model,
        backend: Backend,
        (loss, enc): (Loss, TargetEncoding),
        data: &dyn Dataset,
        indices: &[usize],
        parts: usize,
        grads: &mut Grads,
        sgd_rate: Option<f32>,
    ) -> (f64, Option<bool>) {
        let b = indices.len();
        let d = model.d_input();
        let all = &self.parts;
        let finite = AtomicBool::new(true);
        let mut run = || {
            let shared: &Model = model;
            self.team.run(|p| {
                let mut guard = all[p].write().unwrap_or_else(|e| e.into_inner());
                let part = &mut *guard;
                if p >= parts {
                    part.rows = 0;
                    return;
                }
                let (r0, r1) = (p * b / parts, (p + 1) * b / parts);
                let idx = &indices[r0..r1];
                let h = idx.len();
                data.fill_inputs(idx, &mut part.inputs.as_mut_slice()[..h * d]);
                for (l, &i) in part.labels.iter_mut().zip(idx) {
                    *l = data.label(i);
                }
                part.rows = h;
                part.loss = linalg::on_this_thread(|| {
                    shared.part_forward_deltas(
                        backend,
                        &mut part.ws,
                        part.inputs.top_rows(h),
                        &part.labels[..h],
                        loss,
                        enc,
                        b,
                    )
                });
            });
            self.layers.clear();
            let pairs = model.layers_mut().iter_mut().zip(grads.layers.iter_mut());
            self.layers.extend(pairs.map(|(layer, g)| {
                let (rows, cols) = layer.weights.shape();
                LayerRows {
                    dw: SharedRows::new(g.weights.as_mut_slice(), cols),
                    db: g.bias.as_deref_mut().map(|v| SharedRows::new(v, 1)),
                    w: SharedRows::new(layer.weights.as_mut_slice(), cols),
                    b: layer.bias.as_deref_mut().map(|v| SharedRows::new(v, 1)),
                    rows,
                    cols,
                }
            }));
            let layers = &self.layers;
            let threads = all.len();
            self.team.run(|p| {
                linalg::on_this_thread(|| {
                    for (l, rows) in layers.iter().enumerate() {
                        let (o0, o1) = (p * rows.rows / threads, (p + 1) * rows.rows / threads);
                        if o0 == o1 {
                            continue;
                        }
                        // SAFETY: the row ranges of the threads are disjoint and inside the layer.
                        let (dw, mut db, w, bias) = unsafe { rows.window(o0, o1) };
                        // Σ over the parts of `f(X_q, Δ_q[:, c0..c1], first part?)`.
                        let for_parts = |c0: usize, c1: usize, f: &mut dyn FnMut(MatRef<'_>, MatRef<'_>, bool)| {
                            let mut first = true;
                            for part in all {
                                let part = part.read().unwrap_or_else(|e| e.into_inner());
                                let h = part.rows;
                                if h == 0 {
                                    continue;
                                }
                                let x = if l == 0 {
                                    part.inputs.top_rows(h)
                                } else {
                                    part.ws.activation(l - 1, h)
                                };
                                let delta = part.ws.delta(l, h);
                                let window =
                                    MatRef::new(h, c1 - c0, delta.stride(), &delta.data()[c0..])
                                        .expect("a column window of δ");
                                f(x, window, first);
                                first = false;
                            }
                        };
                        let Some(lr) = sgd_rate else {
                            let mut dw_rows = MatMut::from_slice(o1 - o0, rows.cols, dw)
                                .expect("dW rows match the layer's shape");
                            for_parts(o0, o1, &mut |x, window, first| {
                                let beta = if first { 0.0 } else { 1.0 };
                                param_grads_into(backend, x, window, beta, dw_rows.reborrow(), db.as_deref_mut());
                            });
                            continue;
                        };
                        // Plain SGD straight into the weights, W ← W − η·Σ Δᵀ·X, a block of rows
                        // at a time so that the finiteness check reads the block from cache.
                        let block = sgd_block_rows(rows.cols);
                        let mut ok = true;
                        for (c, w_block) in w.chunks_mut(block * rows.cols).enumerate() {
                            let c0 = o0 + c * block;
                            let n = w_block.len() / rows.cols;
                            let mut w_rows = MatMut::from_slice(n, rows.cols, &mut w_block[..])
                                .expect("W rows match the layer's shape");
                            for_parts(c0, c0 + n, &mut |x, window, _| {
                                sgd_into(backend, lr, window, x, w_rows.reborrow());
                            });
                            ok &= kernels::all_finite(w_block);
                        }
                        if let (Some(db), Some(bias)) = (db, bias) {
                            for_parts(o0, o1, &mut |_, window, first| {
                                kernels::column_sums(window, if first { 0.0 } else { 1.0 }, db);
                            });
                            ok &= kernels::axpy_finite(-lr, db, bias);
                        }
                        if !ok {
                            finite.store(false, Ordering::Relaxed);
                        }
                    }
                });
            });
        };
        // Only around BLAS calls: the pure backend leaves OpenBLAS's settings alone.
        if backend != Backend::Pure {
            linalg::with_single_threaded_blas(run);
        } else {
            run();
        }
        let loss_sum = self
            .parts
            .iter()
            .map(|p| p.read().unwrap_or_else(|e| e.into_inner()))
            .filter(|p| p.rows > 0)
            .map(|p| p.loss)
            .sum();
        (loss_sum, sgd_rate.map(|_| finite.into_inner()))
    }
}
