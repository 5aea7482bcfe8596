//! The training loop: epochs of mini-batches on reusable buffers, reported to an [`Observer`].

use crate::optim::Optimizer;
use crate::per_sample::PerSample;
use crate::rng::{self, Rng};
use crate::row_split::RowSplit;
use crate::split::BatchSplit;
use crate::ROW_SPLIT_MIN;
use crate::{Backprop, Dataset, Error, Grads, Loss, Model, Result, TargetEncoding, Workspace};
use linalg::{kernels, Backend, Matrix};
use rand::seq::SliceRandom;
use std::time::Instant;

/// Settings of a [`Trainer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Samples per update (1 = per-sample SGD; under plain SGD each sample's weight update is
    /// then applied inside the next sample's forward pass, one pass over each weight matrix).
    pub batch_size: usize,
    /// Reshuffle the sample order every epoch (seeded); otherwise file order.
    pub shuffle: bool,
    /// GEMM backend.
    pub backend: Backend,
    /// The loss minimised.
    pub loss: Loss,
    /// How labels become targets.
    pub targets: TargetEncoding,
    /// Batch size for evaluation (only affects speed).
    pub eval_batch_size: usize,
    /// How errors travel backwards (the true gradient unless reproducing Rashid's book).
    pub backprop: Backprop,
    /// Whether training batches are split over the threads of the current rayon pool (one
    /// part of the batch per thread) instead of splitting each product; see [`SplitBatch`].
    pub split_batch: SplitBatch,
}

/// How a training batch uses the threads of the current rayon pool.
///
/// Split, every thread gathers its own part of the batch and runs its forward pass and deltas
/// with single-threaded products; then every thread computes its own rows of each weight
/// gradient `dW = Σ_parts Δᵀ·X` (and, for plain SGD, updates those rows of the weights at once).
/// Two joins per batch on a team of spinning threads ([`linalg::Team`]) replace a thread-pool
/// hand-off per product, which on small batches costs as much as the product. The gradients are
/// those of the whole batch up to float rounding (the order of the sums over samples changes),
/// and results stay deterministic for a given thread count. Only dense models without dropout
/// under [`Backprop::Gradient`] are split, into parts of at least [`MIN_PART_ROWS`] samples.
///
/// Under plain SGD, models whose first layer has more weights than the batch has inputs (and at
/// least [`crate::ROW_SPLIT_MIN`]) are split by the **rows** of their large leading layers
/// instead (`Auto`; `Rows` forces it for every layer but the output): each thread keeps its rows
/// of the weights in its own cache from batch to batch and only activations and deltas move
/// between the cores — splitting the samples moves half of every large weight matrix between
/// the cores on every batch. Every thread gathers the whole batch; the output layers run on the
/// calling thread. Deterministic for a given thread count.
///
/// Batches of one sample under plain SGD are not split by samples: the rows of each layer with
/// at least [`crate::ROW_SPLIT_MIN`] weights are split over the team instead (every row computed
/// as on one thread, so results do not depend on the thread count); `Never` keeps them on the
/// calling thread.
///
/// The trainer starts its team (one thread per thread of the current rayon pool, the caller
/// included) on the first split batch. Its threads spin between batches: to train several
/// models at once, give each trainer a pool of its own cores, or use [`SplitBatch::Never`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitBatch {
    /// Never split: each product is split over the threads instead.
    Never,
    /// Split when a batch has at least [`SPLIT_MIN_WORK`] multiply-adds per layer pass
    /// (`batch × parameters`); below that even two joins cost more than they save.
    #[default]
    Auto,
    /// Split the samples whenever the batch has two parts of [`MIN_PART_ROWS`] samples (for
    /// tests and measurements).
    Always,
    /// Under plain SGD, split the rows of every layer but the output layer (for tests and
    /// measurements); otherwise as `Always`.
    Rows,
}

/// The fewest samples per part when a batch is split ([`SplitBatch`]).
pub const MIN_PART_ROWS: usize = 4;

/// The least `batch size × parameters` for which [`SplitBatch::Auto`] splits a batch.
pub const SPLIT_MIN_WORK: usize = 1 << 20;

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            shuffle: true,
            backend: Backend::Pure,
            loss: Loss::SoftmaxCrossEntropy,
            targets: TargetEncoding::ONE_HOT,
            eval_batch_size: 1000,
            backprop: Backprop::Gradient,
            split_batch: SplitBatch::Auto,
        }
    }
}

/// What an observer sees after every batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchEvent {
    /// Epoch number (as passed to [`Trainer::train_epoch`]).
    pub epoch: usize,
    /// Batch index within the epoch.
    pub batch: usize,
    /// Batches in the epoch.
    pub batches: usize,
    /// Samples processed so far in the epoch.
    pub samples: usize,
    /// Mean loss of this batch (before its update).
    pub loss: f64,
    /// Learning rate used.
    pub lr: f32,
    /// Whether every parameter is finite after this batch's update: false is divergence even
    /// when the loss is still finite (a sigmoid can hide an infinite weight for a while).
    pub params_finite: bool,
}

/// Receives training events; every method has a no-op default.
pub trait Observer {
    /// Called after each batch's update.
    fn on_batch(&mut self, _event: &BatchEvent) {}

    /// Called by [`crate::fit`] after each epoch's evaluation.
    fn on_epoch(&mut self, _record: &crate::EpochRecord) {}

    /// Asked after every batch: `true` stops the epoch there (e.g. on Ctrl-C), resumable.
    fn should_stop(&mut self) -> bool {
        false
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl Observer for NoObserver {}

/// Summary of one training epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// Epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples (measured before each batch's update).
    pub mean_loss: f64,
    /// Samples seen.
    pub samples: usize,
    /// Wall-clock seconds of the epoch (training only).
    pub seconds: f64,
    /// False when the observer stopped the epoch early (see [`Trainer::train_epoch`]).
    pub completed: bool,
    /// False when an update of this call left a parameter NaN or infinite.
    pub params_finite: bool,
}

impl EpochStats {
    /// True when the epoch diverged: a non-finite mean loss or a non-finite parameter.
    pub fn diverged(&self) -> bool {
        !self.mean_loss.is_finite() || !self.params_finite
    }
}

/// Result of evaluating a model on a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Correctly classified samples (argmax of the output equals the label).
    pub correct: usize,
    /// Samples evaluated.
    pub total: usize,
    /// Sum of per-sample losses.
    pub loss_sum: f64,
}

impl Evaluation {
    /// `correct / total` (0 for an empty set).
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }

    /// Mean per-sample loss.
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.total.max(1) as f64
    }
}

/// Runs epochs of mini-batch training. Holds only buffers (workspace, gradients, sample order,
/// the current batch) and the shuffle RNG; the model and the optimizer are passed in.
#[derive(Debug)]
pub struct Trainer {
    config: TrainConfig,
    ws: Workspace,
    grads: Grads,
    /// The current training epoch's sample order.
    order: Vec<usize>,
    /// Where an interrupted epoch stopped, so the next `train_epoch` call for it continues.
    position: Option<EpochPosition>,
    /// Indices for evaluation and `train_batch`, so they never disturb `order`.
    scratch: Vec<usize>,
    inputs: Matrix,
    labels: Vec<usize>,
    /// Threads and buffers of split batches ([`TrainConfig::split_batch`]), built on the first.
    split: Option<BatchSplit>,
    /// Threads and buffers of row-split plain-SGD batches ([`SplitBatch`]), built on the first.
    row_split: Option<RowSplit>,
    /// Buffers (and threads) of fused per-sample SGD steps, built on the first.
    per_sample: Option<PerSample>,
    shuffle_rng: Rng,
    dropout_rng: Rng,
}

/// How far an interrupted epoch got.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochPosition {
    /// The epoch number passed to [`Trainer::train_epoch`].
    pub epoch: usize,
    /// The first batch not yet trained.
    pub next_batch: usize,
    /// Summed loss of the batches already trained.
    pub loss_sum: f64,
    /// Training seconds already spent in the epoch.
    pub seconds: f64,
}

/// Everything a [`Trainer`] needs to continue bit-identically after a restart: the RNG
/// positions and, for an interrupted epoch, its sample order and position.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainerState {
    /// The interrupted epoch's position, if any.
    pub position: Option<EpochPosition>,
    /// The interrupted epoch's sample order (empty when `position` is `None`).
    pub order: Vec<usize>,
    /// The shuffle stream.
    pub shuffle_rng: rng::RngState,
    /// The dropout stream.
    pub dropout_rng: rng::RngState,
}

impl Trainer {
    /// Buffers for `model` under `config`; `seed` feeds the shuffle stream.
    ///
    /// # Errors
    /// [`Error::Config`] for a zero batch size, [`Error::LossActivation`] when the loss does not
    /// fit the model's output activation.
    pub fn new(model: &Model, config: TrainConfig, seed: u64) -> Result<Self> {
        if config.batch_size == 0 || config.eval_batch_size == 0 {
            return Err(Error::Config("batch sizes must be at least 1".into()));
        }
        config
            .loss
            .check_output_activation(model.output_activation())?;
        if config.backprop == Backprop::RawError && config.loss != Loss::Quadratic {
            return Err(Error::Config(
                "the raw-error rule is only defined for the quadratic loss".into(),
            ));
        }
        if config.backprop == Backprop::RawError && !model.front().is_empty() {
            return Err(Error::Config(
                "the raw-error rule is defined for dense models only".into(),
            ));
        }
        // The batch buffers start at one row and grow to their full size on first use: a
        // trainer whose batches are all split never needs them for training.
        Ok(Self {
            config,
            ws: Workspace::new(model, 1),
            grads: model.zero_grads(),
            order: Vec::new(),
            position: None,
            scratch: Vec::new(),
            inputs: Matrix::zeros(1, model.d_input()),
            labels: vec![0; 1],
            split: None,
            row_split: None,
            per_sample: None,
            shuffle_rng: rng::stream(seed, "shuffle"),
            dropout_rng: rng::stream(seed, "dropout"),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Gradients of the last batch. A batch split by samples under plain SGD ([`SplitBatch`])
    /// applies the weight gradients straight to the weights and leaves only the bias gradients
    /// here. A batch split by rows under plain SGD, and a batch of one under plain SGD (each
    /// weight update fused into the next sample's forward pass), form no gradient matrices at
    /// all and leave them untouched.
    pub fn grads(&self) -> &Grads {
        &self.grads
    }

    /// The number of threads batches are split over ([`SplitBatch`]), once one was split; for
    /// per-sample steps, the threads the rows of large layers are split over (when 2 or more).
    pub fn split_threads(&self) -> Option<usize> {
        let per_sample = self.per_sample.as_ref().map(PerSample::threads);
        let rows = self.row_split.as_ref().map(RowSplit::threads);
        self.split
            .as_ref()
            .map(BatchSplit::threads)
            .or(rows)
            .or(per_sample.filter(|&t| t >= 2))
    }

    /// Checks that `model` has the architecture this trainer was built for (every training
    /// and evaluation call checks it too).
    ///
    /// # Errors
    /// [`Error::Shape`] (or [`Error::Config`] for dropout added afterwards) naming what differs.
    pub fn fits(&self, model: &Model) -> Result<()> {
        if self.inputs.cols() != model.d_input() {
            return Err(Error::Shape {
                what: "model inputs (model vs trainer buffers)".into(),
                expected: self.inputs.cols(),
                got: model.d_input(),
            });
        }
        self.ws.fits(model)
    }

    fn check_data(&self, model: &Model, data: &dyn Dataset) -> Result<()> {
        self.fits(model)?;
        if data.input_dim() != model.d_input() {
            return Err(Error::Shape {
                what: "dataset input size".into(),
                expected: model.d_input(),
                got: data.input_dim(),
            });
        }
        if data.num_classes() > model.d_output() {
            return Err(Error::Shape {
                what: "dataset classes vs model outputs".into(),
                expected: model.d_output(),
                got: data.num_classes(),
            });
        }
        Ok(())
    }

    /// Sizes the batch buffers for the largest training or evaluation batch, once.
    fn reserve_batch_buffers(&mut self, model: &Model) {
        let max_batch = self.config.batch_size.max(self.config.eval_batch_size);
        if self.ws.max_batch() < max_batch {
            self.ws = Workspace::new(model, max_batch);
            self.inputs = Matrix::zeros(max_batch, model.d_input());
            self.labels = vec![0; max_batch];
        }
    }

    /// Loads `order[from..from + b]` (or `scratch[..]` when `from_scratch`) into the batch
    /// buffers.
    fn load_batch(&mut self, data: &dyn Dataset, from: usize, b: usize, from_scratch: bool) {
        let d = self.inputs.cols();
        let idx = batch_indices(&self.order, &self.scratch, from, b, from_scratch);
        data.fill_inputs(idx, &mut self.inputs.as_mut_slice()[..b * d]);
        for (l, &i) in self.labels.iter_mut().zip(idx) {
            *l = data.label(i);
        }
    }

    /// The state needed to continue exactly where this trainer is (see [`TrainerState`]).
    pub fn state(&self) -> TrainerState {
        TrainerState {
            position: self.position,
            order: if self.position.is_some() {
                self.order.clone()
            } else {
                Vec::new()
            },
            shuffle_rng: rng::RngState::of(&self.shuffle_rng),
            dropout_rng: rng::RngState::of(&self.dropout_rng),
        }
    }

    /// Restores a state captured by [`Trainer::state`].
    ///
    /// # Errors
    /// [`Error::Config`] for malformed RNG states or an order that is not a permutation.
    pub fn load_state(&mut self, state: &TrainerState) -> Result<()> {
        let shuffle = state.shuffle_rng.restore().map_err(Error::Config)?;
        let dropout = state.dropout_rng.restore().map_err(Error::Config)?;
        if state.position.is_some() {
            let mut seen = vec![false; state.order.len()];
            for &i in &state.order {
                if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
                    return Err(Error::Config(
                        "checkpointed sample order is not a permutation".into(),
                    ));
                }
            }
        }
        self.shuffle_rng = shuffle;
        self.dropout_rng = dropout;
        self.position = state.position;
        self.order.clone_from(&state.order);
        Ok(())
    }

    /// One update on the samples `order[from..from + b]` of the current epoch order (or of
    /// `scratch`); returns the summed loss of those samples (before the update) and whether
    /// every parameter is finite after it.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        model: &mut Model,
        optimizer: &mut dyn Optimizer,
        lr: f32,
        data: &dyn Dataset,
        from: usize,
        b: usize,
        from_scratch: bool,
    ) -> (f64, bool) {
        let (backend, loss, enc, rule) = (
            self.config.backend,
            self.config.loss,
            self.config.targets,
            self.config.backprop,
        );
        if b == 1 && optimizer.plain_sgd() && model.dense_without_dropout() {
            let sample = batch_indices(&self.order, &self.scratch, from, 1, from_scratch)[0];
            let ahead = |k: usize| (!from_scratch).then(|| self.order.get(from + k).copied());
            let (next, then) = (ahead(1).flatten(), ahead(2).flatten());
            let threads = match self.config.split_batch {
                SplitBatch::Never => 1,
                _ => rayon::current_num_threads(),
            };
            // Rebuilt when the pool changed size (the primed pass goes with it: the step after
            // a rebuild runs its forward pass first).
            if self.per_sample.as_ref().map(PerSample::requested_threads) != Some(threads) {
                self.per_sample = Some(PerSample::new(model, threads));
            }
            let per_sample = self.per_sample.as_mut().expect("built above");
            return per_sample.step(
                model,
                backend,
                (loss, enc, rule),
                lr,
                data,
                sample,
                next,
                then,
            );
        }
        if optimizer.plain_sgd() && self.rows_split(model, b) {
            let idx = batch_indices(&self.order, &self.scratch, from, b, from_scratch);
            let rows = self.row_split.as_mut().expect("built by rows_split");
            return rows.sgd_step(model, backend, (loss, enc), data, idx, lr);
        }
        let parts = self.parts_for(model, b);
        if let Some(split) = self.split.as_mut().filter(|_| parts >= 2) {
            let idx = batch_indices(&self.order, &self.scratch, from, b, from_scratch);
            let sgd_rate = optimizer.plain_sgd().then_some(lr);
            let (batch_loss, updated) = split.forward_backward(
                model,
                backend,
                (loss, enc),
                data,
                idx,
                parts,
                &mut self.grads,
                sgd_rate,
            );
            let finite = match updated {
                Some(finite) => finite,
                None => optimizer.step(model, &self.grads, lr),
            };
            return (batch_loss, finite);
        }
        self.reserve_batch_buffers(model);
        self.load_batch(data, from, b, from_scratch);
        let input = self.inputs.top_rows(b);
        if model.has_dropout() {
            model.forward_train(backend, &mut self.ws, input, &mut self.dropout_rng);
        } else {
            model.forward(backend, &mut self.ws, input);
        }
        let batch_loss = model.output_delta_with(&mut self.ws, &self.labels[..b], loss, enc, rule);
        model.backward_with(backend, &mut self.ws, input, &mut self.grads, rule);
        let finite = optimizer.step(model, &self.grads, lr);
        (batch_loss, finite)
    }

    /// Drops a forward pass computed ahead by the last per-sample step: the model may have
    /// changed since.
    fn forget_primed_sample(&mut self) {
        if let Some(p) = self.per_sample.as_mut() {
            p.invalidate();
        }
    }

    /// Whether a plain-SGD batch of `b` samples is split by the rows of the leading layers
    /// ([`SplitBatch`]); builds the split's threads and buffers when it needs them.
    fn rows_split(&mut self, model: &Model, b: usize) -> bool {
        let layers = model.layers();
        let split = match self.config.split_batch {
            SplitBatch::Never | SplitBatch::Always => return false,
            SplitBatch::Rows => layers.len().saturating_sub(1),
            SplitBatch::Auto => {
                let weights = |l: &crate::Dense| l.weights.as_slice().len();
                let split = layers[..layers.len().saturating_sub(1)]
                    .iter()
                    .take_while(|&l| weights(l) >= ROW_SPLIT_MIN)
                    .count();
                // Splitting the rows pays when the first layer's weights (which would move
                // between the cores) outweigh the batch's inputs (which every thread gathers).
                let pays = split > 0 && weights(&layers[0]) >= b * model.d_input();
                if !pays || b * model.num_params() < SPLIT_MIN_WORK {
                    return false;
                }
                split
            }
        };
        let threads = rayon::current_num_threads();
        if split == 0
            || threads < 2
            || self.config.backprop != Backprop::Gradient
            || !model.dense_without_dropout()
        {
            return false;
        }
        let stale =
            |r: &RowSplit| r.threads() != threads || r.split_layers() != split || r.max_batch() < b;
        if self.row_split.as_ref().is_none_or(stale) {
            let rows = self.config.batch_size.max(b);
            self.row_split = Some(RowSplit::new(model, threads, split, rows));
        }
        true
    }

    /// How many parts a batch of `b` samples is split into (1: not split); builds the split's
    /// threads and buffers the first time a split needs them.
    fn parts_for(&mut self, model: &Model, b: usize) -> usize {
        let wanted = match self.config.split_batch {
            SplitBatch::Never => false,
            SplitBatch::Auto => b * model.num_params() >= SPLIT_MIN_WORK,
            SplitBatch::Always | SplitBatch::Rows => true,
        };
        if !wanted || self.config.backprop != Backprop::Gradient || !model.dense_without_dropout() {
            return 1;
        }
        let threads = rayon::current_num_threads();
        let parts = threads.min(b / MIN_PART_ROWS);
        if parts < 2 {
            return 1;
        }
        if self.split.as_ref().is_none_or(|s| s.threads() != threads) {
            let rows = self.config.batch_size.div_ceil(2);
            self.split = Some(BatchSplit::new(model, threads, rows));
        }
        parts
    }

    /// One update on the given samples (at most the configured batch size) at rate `lr`; returns
    /// their mean loss before the update, or NaN when the update left a parameter NaN or
    /// infinite (so a caller that checks the loss also sees diverged weights). For loops that
    /// pick their own samples, such as the learning-rate range test or training for a
    /// wall-clock budget.
    ///
    /// # Errors
    /// [`Error::Shape`] when the data does not fit the model, [`Error::Config`] for an empty or
    /// oversized batch.
    pub fn train_batch(
        &mut self,
        model: &mut Model,
        optimizer: &mut dyn Optimizer,
        lr: f32,
        data: &dyn Dataset,
        indices: &[usize],
    ) -> Result<f64> {
        self.check_data(model, data)?;
        let b = indices.len();
        if b == 0 || b > self.config.batch_size {
            return Err(Error::Config(format!(
                "a batch of {b} samples (batch size {})",
                self.config.batch_size
            )));
        }
        self.forget_primed_sample();
        self.scratch.clear();
        self.scratch.extend_from_slice(indices);
        let (loss, finite) = self.step(model, optimizer, lr, data, 0, b, true);
        Ok(if finite { loss / b as f64 } else { f64::NAN })
    }

    /// One pass over `data` in batches of `batch_size` (the last one may be smaller), updating
    /// `model` with `optimizer` at learning rate `lr`.
    ///
    /// After each batch the observer may ask to stop ([`Observer::should_stop`]): the epoch then
    /// returns early with [`EpochStats::completed`] false, and the trainer remembers the position,
    /// so the next call with the same `epoch` continues with the next batch of the same order
    /// (also after [`Trainer::state`] / [`Trainer::load_state`] across a restart).
    ///
    /// # Errors
    /// [`Error::Shape`] when the data does not fit the model.
    pub fn train_epoch(
        &mut self,
        model: &mut Model,
        optimizer: &mut dyn Optimizer,
        lr: f32,
        data: &dyn Dataset,
        epoch: usize,
        observer: &mut dyn Observer,
    ) -> Result<EpochStats> {
        self.check_data(model, data)?;
        self.forget_primed_sample();
        let start = Instant::now();
        let n = data.len();
        let resume = self
            .position
            .take()
            .filter(|p| p.epoch == epoch && self.order.len() == n);
        let (first, mut loss_sum, seconds_before) = match resume {
            Some(p) => (p.next_batch, p.loss_sum, p.seconds),
            None => {
                self.order.clear();
                self.order.extend(0..n);
                if self.config.shuffle {
                    self.order.shuffle(&mut self.shuffle_rng);
                }
                (0, 0.0, 0.0)
            }
        };
        let bs = self.config.batch_size;
        let batches = n.div_ceil(bs);
        let mut params_finite = true;
        for batch in first..batches {
            let from = batch * bs;
            let b = bs.min(n - from);
            let (batch_loss, finite) = self.step(model, optimizer, lr, data, from, b, false);
            loss_sum += batch_loss;
            params_finite &= finite;
            observer.on_batch(&BatchEvent {
                epoch,
                batch,
                batches,
                samples: from + b,
                loss: batch_loss / b as f64,
                lr,
                params_finite: finite,
            });
            if batch + 1 < batches && observer.should_stop() {
                let seconds = seconds_before + start.elapsed().as_secs_f64();
                self.position = Some(EpochPosition {
                    epoch,
                    next_batch: batch + 1,
                    loss_sum,
                    seconds,
                });
                return Ok(EpochStats {
                    epoch,
                    mean_loss: loss_sum / (from + b) as f64,
                    samples: from + b,
                    seconds,
                    completed: false,
                    params_finite,
                });
            }
        }
        Ok(EpochStats {
            epoch,
            mean_loss: loss_sum / n.max(1) as f64,
            samples: n,
            seconds: seconds_before + start.elapsed().as_secs_f64(),
            completed: true,
            params_finite,
        })
    }

    /// Accuracy and loss of `model` on `data`, in file order.
    ///
    /// # Errors
    /// [`Error::Shape`] when the data does not fit the model.
    pub fn evaluate(&mut self, model: &Model, data: &dyn Dataset) -> Result<Evaluation> {
        self.evaluate_with(model, data, |_, _| {})
    }

    /// As [`Trainer::evaluate`], also calling `on_sample(label, predicted)` for every sample
    /// (for confusion matrices and per-class metrics).
    ///
    /// # Errors
    /// [`Error::Shape`] when the data does not fit the model.
    pub fn evaluate_with(
        &mut self,
        model: &Model,
        data: &dyn Dataset,
        mut on_sample: impl FnMut(usize, usize),
    ) -> Result<Evaluation> {
        self.check_data(model, data)?;
        self.reserve_batch_buffers(model);
        let n = data.len();
        self.scratch.clear();
        self.scratch.extend(0..n);
        let bs = self.config.eval_batch_size;
        let mut eval = Evaluation {
            correct: 0,
            total: n,
            loss_sum: 0.0,
        };
        let mut from = 0;
        while from < n {
            let b = bs.min(n - from);
            self.load_batch(data, from, b, true);
            let out = model.forward(self.config.backend, &mut self.ws, self.inputs.top_rows(b));
            for (i, &label) in self.labels[..b].iter().enumerate() {
                let row = out.row(i);
                let pred = kernels::argmax(row).unwrap_or(0);
                eval.correct += usize::from(pred == label);
                eval.loss_sum += self
                    .config
                    .loss
                    .sample_loss(row, label, self.config.targets);
                on_sample(label, pred);
            }
            from += b;
        }
        Ok(eval)
    }
}

/// The samples of a batch: `order[from..from + b]` (the epoch's order), or
/// `scratch[from..from + b]` when `from_scratch` (evaluation and `train_batch`).
fn batch_indices<'a>(
    order: &'a [usize],
    scratch: &'a [usize],
    from: usize,
    b: usize,
    from_scratch: bool,
) -> &'a [usize] {
    let all = if from_scratch { scratch } else { order };
    &all[from..from + b]
}
