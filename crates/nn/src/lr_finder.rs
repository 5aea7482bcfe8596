//! The learning-rate range test (L. Smith, "Cyclical learning rates for training neural
//! networks", 2017; fastai's `lr_find`): train for a while with a rate that grows every batch
//! and read a good rate off the loss curve.
//!
//! Step `i` of `n = steps` trains one mini-batch at the geometric rate
//! `η_i = start_lr·(end_lr/start_lr)^{i/(n−1)}` and records its loss `L_i` (measured before the
//! update, as [`Trainer::train_batch`] returns it) and the bias-corrected moving average
//! `m_i = β·m_{i−1} + (1−β)·L_i` (`m_{−1} = 0`), `L̂_i = m_i / (1 − β^{i+1})`, with
//! `β = smoothing`. The test stops early when `L̂_i > diverge_factor·min_{j≤i} L̂_j` (recorded)
//! or when `L_i` is NaN or ±∞ (not recorded).
//!
//! Two suggestions are read off the smoothed curve, on the window that leaves out the first
//! `⌊skip_start_frac·steps⌋` and the last `skip_end` recorded points (the whole curve when fewer
//! than two points would remain). The start is left out because there the bias-corrected average
//! is still a mean of few batches and jumps with their noise. Let `η*` be the rate of the lowest
//! `L̂` in the window.
//! - **steepest** ([`LrFinderResult::steepest_lr`]): the left rate `η_i` of the most negative
//!   forward slope `(L̂_{i+1} − L̂_i)/(ln η_{i+1} − ln η_i)` among the points up to `η*`, where
//!   the loss falls fastest per factor of rate. Points after the minimum are left out: a dip
//!   there is the recovery from a blow-up, not learning. `None` if the loss never falls.
//! - **minimum / 10** ([`LrFinderResult::min_loss_lr_div10`]): `η*/10`. At `η*` the loss is
//!   about to rise; a tenth of it is the conservative fastai rule (it may lie below `start_lr`).
//!
//! The model and the optimizer are trained by the test: pass a clone of a fresh model (and a
//! fresh optimizer), then train the original at the chosen rate.

use crate::optim::Optimizer;
use crate::rng;
use crate::{Dataset, Error, Model, Result, Trainer};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Parameters of [`find_lr`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrFinderConfig {
    /// Rate of the first step, finite and > 0.
    pub start_lr: f64,
    /// Rate of the last step, finite and > `start_lr`.
    pub end_lr: f64,
    /// Mini-batches at most (≥ 2).
    pub steps: usize,
    /// `β` of the loss's moving average, in [0, 1) (0 = no smoothing).
    pub smoothing: f64,
    /// Stop once the smoothed loss exceeds this multiple of its minimum (> 1; `f64::INFINITY`
    /// stops only on a non-finite loss).
    pub diverge_factor: f64,
    /// Fraction of `steps` left out at the start when suggesting (the early, noisy average),
    /// in [0, 1).
    pub skip_start_frac: f64,
    /// Recorded points left out at the end when suggesting (the divergence).
    pub skip_end: usize,
}

impl Default for LrFinderConfig {
    /// fastai's settings: 1e-5 to 10 in 100 steps, β = 0.98, stop at 4× the best loss, suggest
    /// from points `steps/10 .. len−5`.
    fn default() -> Self {
        Self {
            start_lr: 1e-5,
            end_lr: 10.0,
            steps: 100,
            smoothing: 0.98,
            diverge_factor: 4.0,
            skip_start_frac: 0.1,
            skip_end: 5,
        }
    }
}

impl LrFinderConfig {
    /// Checks every field's domain.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first field out of its domain.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Config(format!("lr finder: {what}")));
        if !(self.start_lr.is_finite() && self.start_lr > 0.0) {
            return bad(&format!(
                "start_lr must be finite and > 0, got {}",
                self.start_lr
            ));
        }
        if !(self.end_lr.is_finite() && self.end_lr > self.start_lr) {
            return bad(&format!(
                "end_lr must be finite and > start_lr, got {}",
                self.end_lr
            ));
        }
        if self.steps < 2 {
            return bad(&format!("steps must be at least 2, got {}", self.steps));
        }
        if !(0.0..1.0).contains(&self.smoothing) {
            return bad(&format!(
                "smoothing must be in [0, 1), got {}",
                self.smoothing
            ));
        }
        if !(0.0..1.0).contains(&self.skip_start_frac) {
            return bad(&format!(
                "skip_start_frac must be in [0, 1), got {}",
                self.skip_start_frac
            ));
        }
        if self.diverge_factor.is_nan() || self.diverge_factor <= 1.0 {
            return bad(&format!(
                "diverge_factor must be > 1, got {}",
                self.diverge_factor
            ));
        }
        Ok(())
    }

    /// The rate of step `i`: `start_lr·(end_lr/start_lr)^{i/(steps−1)}`, as used (`f32`).
    pub fn lr_at(&self, i: usize) -> f32 {
        let t = i as f64 / self.steps.saturating_sub(1).max(1) as f64;
        (self.start_lr * (self.end_lr / self.start_lr).powf(t)) as f32
    }
}

/// One step of the range test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrPoint {
    /// Rate used for this batch.
    pub lr: f32,
    /// Mean loss of the batch (before its update).
    pub loss: f64,
    /// Bias-corrected moving average of the losses so far, `L̂_i`.
    pub smoothed_loss: f64,
}

/// Why the range test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrFinderStop {
    /// All `steps` batches ran.
    Completed,
    /// The smoothed loss exceeded `diverge_factor` × its minimum (that point is recorded).
    Diverged,
    /// A batch loss was NaN or infinite (that point is not recorded).
    NonFinite,
}

/// The curve of a range test and the rates it suggests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrFinderResult {
    /// One point per trained batch, rates increasing (strictly unless the range is below `f32`
    /// resolution; equal neighbours are skipped when suggesting).
    pub points: Vec<LrPoint>,
    /// Why the test ended.
    pub stop: LrFinderStop,
    /// Suggestion 1: the rate where the smoothed loss falls fastest per `ln η`, before its
    /// minimum.
    pub steepest_lr: Option<f32>,
    /// The rate with the lowest smoothed loss (not itself a suggestion: the loss is about to rise).
    pub min_loss_lr: Option<f32>,
    /// Suggestion 2: `min_loss_lr / 10`.
    pub min_loss_lr_div10: Option<f32>,
}

/// Runs the range test: up to `config.steps` updates of `model` by `optimizer` through
/// `trainer` (its batch size and loss), the rate growing geometrically per batch. Batches are
/// drawn without replacement from a shuffle of `data` seeded by `rng::stream(rng_seed,
/// "lr_finder")`, reshuffled whenever fewer than a batch of samples remain, so small datasets
/// wrap around. See the [module documentation](self) for the formulas.
///
/// `model` and `optimizer` are modified: pass a clone of the model to be trained.
///
/// # Errors
/// [`Error::Config`] for an invalid config or empty data; errors of [`Trainer::train_batch`].
pub fn find_lr(
    model: &mut Model,
    optimizer: &mut dyn Optimizer,
    trainer: &mut Trainer,
    data: &dyn Dataset,
    config: &LrFinderConfig,
    rng_seed: u64,
) -> Result<LrFinderResult> {
    config.validate()?;
    let n = data.len();
    if n == 0 {
        return Err(Error::Config("lr finder: the dataset is empty".into()));
    }
    let b = trainer.config().batch_size.min(n);
    let mut rng = rng::stream(rng_seed, "lr_finder");
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let mut from = 0;

    let beta = config.smoothing;
    let (mut avg, mut best) = (0.0, f64::INFINITY);
    let mut points = Vec::with_capacity(config.steps);
    let mut stop = LrFinderStop::Completed;
    for i in 0..config.steps {
        if from + b > n {
            order.shuffle(&mut rng);
            from = 0;
        }
        let lr = config.lr_at(i);
        let loss = trainer.train_batch(model, optimizer, lr, data, &order[from..from + b])?;
        from += b;
        if !loss.is_finite() {
            stop = LrFinderStop::NonFinite;
            break;
        }
        avg = beta * avg + (1.0 - beta) * loss;
        let smoothed_loss = avg / (1.0 - beta.powi(i32::try_from(i + 1).unwrap_or(i32::MAX)));
        points.push(LrPoint {
            lr,
            loss,
            smoothed_loss,
        });
        best = best.min(smoothed_loss);
        if smoothed_loss > config.diverge_factor * best {
            stop = LrFinderStop::Diverged;
            break;
        }
    }

    let window = suggestion_window(&points, config);
    let lowest = (0..window.len())
        .min_by(|&a, &b| window[a].smoothed_loss.total_cmp(&window[b].smoothed_loss));
    let steepest_lr = lowest.and_then(|i| steepest(&window[..=i]));
    let min_loss_lr = lowest.map(|i| window[i].lr);
    Ok(LrFinderResult {
        points,
        stop,
        steepest_lr,
        min_loss_lr,
        min_loss_lr_div10: min_loss_lr.map(|lr| lr / 10.0),
    })
}

/// `points[⌊skip_start_frac·steps⌋..len − skip_end]`, or all points when that keeps fewer
/// than two.
fn suggestion_window<'a>(points: &'a [LrPoint], config: &LrFinderConfig) -> &'a [LrPoint] {
    let lo = (config.skip_start_frac * config.steps as f64) as usize;
    let hi = points.len().saturating_sub(config.skip_end);
    if hi >= lo + 2 {
        &points[lo..hi]
    } else {
        points
    }
}

/// The left rate of the most negative `ΔL̂ / Δln η` (`None` if no step lowers the loss).
fn steepest(points: &[LrPoint]) -> Option<f32> {
    points
        .windows(2)
        .filter(|w| w[1].lr > w[0].lr)
        .map(|w| {
            let d_log_lr = (f64::from(w[1].lr) / f64::from(w[0].lr)).ln();
            (
                w[0].lr,
                (w[1].smoothed_loss - w[0].smoothed_loss) / d_log_lr,
            )
        })
        .filter(|&(_, slope)| slope < 0.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(lr, _)| lr)
}
