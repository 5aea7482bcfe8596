//! Per-sample plain SGD (batches of one) with each layer's weight update fused into the next
//! sample's forward pass.
//!
//! A step on sample `i`, whose forward pass is already in the current workspace:
//! 1. the output `δ` and loss, then every layer's `δ` under the configured rule — all with the
//!    weights before this step's update, as in the unfused step;
//! 2. `b_l ← b_l − η·δ_l`;
//! 3. when the epoch has a next sample, layer by layer and in one pass over each `W_l`
//!    ([`rank1_update_matvec`]): `W_l ← W_l − η·δ_l·a_{l−1}(i)ᵀ` and
//!    `z_l(i+1) = W_l·a_{l−1}(i+1)`, which leaves sample `i + 1`'s forward pass in the other
//!    workspace; after the last sample of an epoch (or a lone [`crate::Trainer::train_batch`]
//!    sample) only the update.
//!
//! `W` then crosses the cache once per sample instead of three times (five with a gradient matrix
//! in between), and no gradient is stored. The result is per-sample SGD exactly, up to rounding:
//! `W_jk ← fma(−η·δ_j, a_k, W_jk)` instead of `W_jk ← fma(−η, δ_j·a_k, W_jk)`.
//!
//! Layers with at least [`ROW_SPLIT_MIN`] weights have their rows split over a [`Team`] when the
//! trainer has one (two or more threads, [`crate::SplitBatch`] not `Never`). Each row is computed
//! the same way whoever computes it, so results do not depend on the thread count.

use crate::shared_rows::SharedRows;
use crate::{Backprop, Dataset, Dense, Loss, Model, TargetEncoding, Workspace};
use linalg::rank1::{rank1_update, rank1_update_matvec};
use linalg::{kernels, Backend, Elem, MatMut, Team};
use std::ops::Range;
use std::sync::Mutex;

/// The fewest weights for which a layer's pass is split over the team's threads: below it the
/// fork–join costs more than half the pass.
pub const ROW_SPLIT_MIN: usize = 1 << 15;

/// Buffers of the fused per-sample steps: two workspaces (the current sample and the next),
/// each thread's copies of their inputs, the update coefficients and the optional team.
#[derive(Debug)]
pub(crate) struct PerSample {
    ws: [Workspace; 2],
    /// Per thread of the team (the caller first): its own copies of the current and the next
    /// input. Every thread converts the samples it multiplies itself, so no thread writes cache
    /// lines another thread has just read (which stalls the writer for a round trip per line).
    inputs: Vec<ThreadInputs>,
    /// `−η·δ_l` of the layer being updated (as long as the widest layer).
    coef: Vec<Elem>,
    /// Index into `ws` and each thread's inputs of the current sample.
    cur: usize,
    /// The sample whose forward pass is in `ws[cur]` under the current weights.
    primed: Option<usize>,
    team: Option<Team>,
    /// The thread count these buffers were made for (before the cap by layer size).
    requested: usize,
}

/// One thread's two input buffers, on cache lines of their own.
#[derive(Debug)]
#[repr(align(128))]
struct ThreadInputs(Mutex<[Vec<Elem>; 2]>);

/// The loss, its target encoding and the backward rule of a step.
pub(crate) type Objective = (Loss, TargetEncoding, Backprop);

impl PerSample {
    /// Buffers for `model`; rows of large layers are split over up to `threads` threads, as
    /// many as give each thread at least `ROW_SPLIT_MIN / 2` weights of the largest layer (a
    /// per-sample pass takes microseconds: more threads would mostly wait at the join).
    pub(crate) fn new(model: &Model, threads: usize) -> Self {
        let widest = model
            .layers()
            .iter()
            .map(Dense::d_output)
            .max()
            .unwrap_or(0);
        let largest = model
            .layers()
            .iter()
            .map(|l| l.weights.as_slice().len())
            .max()
            .unwrap_or(0);
        let requested = threads;
        let threads = threads.min(largest / (ROW_SPLIT_MIN / 2));
        let team = (threads >= 2 && largest >= ROW_SPLIT_MIN).then(|| Team::new(threads));
        let d = model.d_input();
        Self {
            ws: [Workspace::new(model, 1), Workspace::new(model, 1)],
            inputs: (0..team.as_ref().map_or(1, Team::threads))
                .map(|_| ThreadInputs(Mutex::new([vec![0.0; d], vec![0.0; d]])))
                .collect(),
            coef: vec![0.0; widest],
            cur: 0,
            primed: None,
            team,
            requested,
        }
    }

    /// The thread count [`PerSample::new`] was given.
    pub(crate) fn requested_threads(&self) -> usize {
        self.requested
    }

    /// Threads the rows of large layers are split over (1: none).
    pub(crate) fn threads(&self) -> usize {
        self.team.as_ref().map_or(1, Team::threads)
    }

    /// Forgets the primed forward pass (the model may change before the next step).
    pub(crate) fn invalidate(&mut self) {
        self.primed = None;
    }

    /// One SGD step at rate `lr` on sample `sample`, priming `next`'s forward pass when given
    /// (and asking the dataset to prefetch `then`, the sample after it). Returns the sample's
    /// loss (before the update) and whether every parameter is finite after it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn step(
        &mut self,
        model: &mut Model,
        backend: Backend,
        (loss, enc, rule): Objective,
        lr: f32,
        data: &dyn Dataset,
        sample: usize,
        next: Option<usize>,
        then: Option<usize>,
    ) -> (f64, bool) {
        let cur = self.cur;
        if self.primed != Some(sample) {
            self.forward(model, data, sample, cur, lr, false, &|| {});
        }
        let ws = &mut self.ws[cur];
        let sample_loss = model.output_delta_with(ws, &[data.label(sample)], loss, enc, rule);
        model.deltas_with(backend, ws, 1, rule);
        let mut finite = true;
        for (l, layer) in model.layers_mut().iter_mut().enumerate() {
            if let Some(b) = layer.bias.as_mut() {
                finite &= kernels::axpy_finite(-lr, ws.delta(l, 1).row(0), b);
            }
        }
        match next {
            Some(next) => {
                let other = 1 - cur;
                // The sample after next is fetched from memory (a cache and TLB miss on a
                // shuffled set) while the threads would wait for each other anyway — by every
                // thread of a split into its own cache, as each converts the sample itself.
                let fetch_then = || {
                    if let Some(then) = then {
                        data.prefetch(then);
                    }
                };
                finite &= self.forward(model, data, next, other, lr, true, &fetch_then);
                self.cur = other;
                self.primed = Some(next);
            }
            None => {
                let inputs = lock(&self.inputs[0]);
                for (l, layer) in model.layers_mut().iter_mut().enumerate() {
                    let c = coefficients(&mut self.coef, &self.ws[cur], l, lr);
                    let u = match l {
                        0 => &inputs[cur][..],
                        _ => self.ws[cur].activation(l - 1, 1).row(0),
                    };
                    finite &= rank1_update(layer.weights.view_mut(), c, u);
                }
                self.primed = None;
            }
        }
        (sample_loss, finite)
    }

    /// The forward pass of `sample` into slot `to` (workspace and inputs), first applying the
    /// weight update of the step in the other slot when `update`. Returns whether every weight
    /// is finite (checked through the pre-activations: a NaN or ∞ weight makes its row's `z`
    /// non-finite; only then are the weights themselves scanned). `idle` runs on every thread of
    /// the team after its rows of the first layer split over it (when it would wait for the
    /// others), else once on the calling thread after the pass.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        model: &mut Model,
        data: &dyn Dataset,
        sample: usize,
        to: usize,
        lr: f32,
        update: bool,
        idle: &(dyn Fn() + Sync),
    ) -> bool {
        let Self {
            ws,
            inputs,
            coef,
            team,
            ..
        } = self;
        let (ws_to, ws_from) = pair(ws, to);
        let mut idle = Some(idle);
        let mut finite = true;
        for (l, layer) in model.layers_mut().iter_mut().enumerate() {
            let c = update.then(|| coefficients(coef, ws_from, l, lr));
            let w = layer.weights.view_mut();
            let z = if l == 0 {
                let z = ws_to.output_mut(0);
                // Each thread converts the sample into its own buffer and updates with its own
                // copy of the previous one.
                let pass = |p: usize, w: MatMut<'_>, z: &mut [Elem], rows: Range<usize>| {
                    let mut bufs = lock(&inputs[p]);
                    data.fill_inputs(&[sample], &mut bufs[to]);
                    let (x, u) = pair(&mut bufs, to);
                    rank1_update_matvec(w, c.map(|c| (&c[rows], &u[..])), x, z);
                };
                if split_rows(team.as_ref(), w, z, pass, idle) {
                    idle = None;
                }
                ws_to.output_mut(0)
            } else {
                let u = ws_from.activation(l - 1, 1).row(0);
                let (x, z) = ws_to.layer_io(l);
                let pass = |_: usize, w: MatMut<'_>, z: &mut [Elem], rows: Range<usize>| {
                    rank1_update_matvec(w, c.map(|c| (&c[rows], u)), x, z);
                };
                if split_rows(team.as_ref(), w, z, pass, idle) {
                    idle = None;
                }
                ws_to.output_mut(l)
            };
            if !kernels::all_finite(z) {
                finite &= kernels::all_finite(layer.weights.as_slice());
            }
            layer.finish_row(z);
        }
        if let Some(idle) = idle {
            idle();
        }
        finite
    }
}

/// A thread's input buffers (a poisoned lock only means another step panicked; the buffers are
/// rewritten before use).
fn lock(inputs: &ThreadInputs) -> std::sync::MutexGuard<'_, [Vec<Elem>; 2]> {
    inputs.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// `−η·δ_l` of the sample in `ws`: the row factors of layer `l`'s update.
fn coefficients<'a>(coef: &'a mut [Elem], ws: &Workspace, l: usize, lr: f32) -> &'a [Elem] {
    let delta = ws.delta(l, 1).row(0);
    let c = &mut coef[..delta.len()];
    for (cj, &dj) in c.iter_mut().zip(delta) {
        *cj = -lr * dj;
    }
    c
}

/// `(&mut pair[to], &mut pair[1 − to])`.
fn pair<T>(pair: &mut [T; 2], to: usize) -> (&mut T, &mut T) {
    let [a, b] = pair;
    if to == 0 {
        (a, b)
    } else {
        (b, a)
    }
}

/// Runs `pass(thread, rows of W, rows of z, row range)` over the rows of `W` — split over `team`
/// when the layer is large, else all on the calling thread — then, on a split, every part runs
/// `idle` (when given) after its own rows. Returns whether it did.
fn split_rows<F>(
    team: Option<&Team>,
    w: MatMut<'_>,
    z: &mut [Elem],
    pass: F,
    idle: Option<&(dyn Fn() + Sync)>,
) -> bool
where
    F: Fn(usize, MatMut<'_>, &mut [Elem], Range<usize>) + Sync,
{
    let (m, k) = w.shape();
    let Some(team) = team.filter(|t| m * k >= ROW_SPLIT_MIN && m >= 2 * t.threads()) else {
        pass(0, w, z, 0..m);
        return false;
    };
    debug_assert_eq!(w.stride(), k);
    // Whole blocks of 4 rows per thread (the kernel's fast path); the calling thread, which
    // also runs the steps' serial part, gets the smaller share.
    let (blocks, t) = (m.div_ceil(4), team.threads());
    let (w_rows, z_rows) = (SharedRows::new(w.into_data(), k), SharedRows::new(z, 1));
    team.run(|p| {
        let (r0, r1) = (
            (4 * (p * blocks / t)).min(m),
            (4 * ((p + 1) * blocks / t)).min(m),
        );
        if r0 < r1 {
            // SAFETY: each thread takes its own rows r0..r1 of `W` (k elements each, stride k)
            // and of `z`, both borrowed mutably for this call.
            let (w, z) = unsafe { (w_rows.rows(r0, r1), z_rows.rows(r0, r1)) };
            let w = MatMut::from_slice(r1 - r0, k, w).expect("rows of the layer's matrix");
            pass(p, w, z, r0..r1);
        }
        if let Some(idle) = idle {
            idle();
        }
    });
    idle.is_some()
}
