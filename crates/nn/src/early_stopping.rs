//! Early stopping: end training once a monitored metric has stopped improving.
//!
//! [`EarlyStopping::update`] hears each finished epoch and answers [`Decision::Continue`] or
//! [`Decision::Stop`]. It remembers the best epoch; keeping that epoch's weights (a checkpoint
//! or a clone taken when `best_epoch() == Some(epoch)`) and restoring them is the caller's job.
//!
//! ```
//! use nn::early_stopping::{Decision, EarlyStopping, EarlyStoppingConfig};
//! use nn::{EpochMetrics, Monitor};
//!
//! let config = EarlyStoppingConfig { monitor: Monitor::ValLoss, patience: 2, min_delta: 0.0 };
//! let mut stopper = EarlyStopping::new(config).unwrap();
//! let losses = [0.9, 0.5, 0.6, 0.7, 0.4];
//! let mut stopped_at = None;
//! for (epoch, &loss) in losses.iter().enumerate() {
//!     let m = EpochMetrics { train_loss: 0.0, val_loss: Some(loss), val_accuracy: None };
//!     if stopper.update(epoch, &m) == Decision::Stop {
//!         stopped_at = Some(epoch);
//!         break;
//!     }
//! }
//! // Epochs 2 and 3 did not beat 0.5 (epoch 1): stop after epoch 3, restore epoch 1.
//! assert_eq!(stopped_at, Some(3));
//! assert_eq!(stopper.best_epoch(), Some(1));
//! assert_eq!(stopper.best_value(), Some(0.5));
//! ```

use crate::schedule::{EpochMetrics, Monitor, Threshold};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// What to do after an epoch.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Keep training.
    Continue,
    /// Stop: the monitored value has not improved for `patience` measured epochs.
    Stop,
}

/// The parameters of [`EarlyStopping`], serialisable into a run's `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStoppingConfig {
    /// The watched quantity.
    pub monitor: Monitor,
    /// Measured epochs in a row without improvement after which to stop, ≥ 1.
    pub patience: usize,
    /// Absolute margin, in the monitored quantity's units, by which the best must be beaten:
    /// a loss must fall below `best − min_delta`, an accuracy rise above `best + min_delta`.
    /// Finite and ≥ 0.
    pub min_delta: f64,
}

/// Stops training after `patience` measured epochs in a row without an improvement of the
/// monitored value by more than `min_delta`.
///
/// Per finished epoch, with score `s` = [`Monitor::score`] (higher is better):
/// - `s` is `None` (not measured this epoch, e.g. validation only every k epochs): the epoch
///   is ignored, so patience counts measured epochs only; the previous decision stands.
/// - `s` finite and `s > best + min_delta` (or no best yet): new best, count ← 0.
/// - otherwise (including NaN and ±∞): count ← count + 1; [`Decision::Stop`] once
///   count ≥ patience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    config: EarlyStoppingConfig,
    best: Option<(usize, f64)>,
    bad_epochs: usize,
}

impl EarlyStopping {
    /// A stopper that has seen no epoch yet.
    ///
    /// # Errors
    /// [`Error::Config`] when `patience` is 0 or `min_delta` is negative or not finite.
    pub fn new(config: EarlyStoppingConfig) -> Result<Self> {
        if config.patience == 0 {
            return Err(Error::Config(
                "early stopping patience must be at least 1".into(),
            ));
        }
        if !(config.min_delta.is_finite() && config.min_delta >= 0.0) {
            return Err(Error::Config(format!(
                "early stopping min_delta must be finite and >= 0, got {}",
                config.min_delta
            )));
        }
        Ok(Self {
            config,
            best: None,
            bad_epochs: 0,
        })
    }

    /// The parameters.
    pub fn config(&self) -> &EarlyStoppingConfig {
        &self.config
    }

    /// Hears finished epoch `epoch` and decides whether to go on.
    pub fn update(&mut self, epoch: usize, metrics: &EpochMetrics) -> Decision {
        if let Some(score) = self.config.monitor.score(metrics) {
            let best = self.best.map(|(_, b)| b);
            if Threshold::Absolute(self.config.min_delta).improves(score, best) {
                self.best = Some((epoch, score));
                self.bad_epochs = 0;
            } else {
                self.bad_epochs += 1;
            }
        }
        self.decision()
    }

    /// The current decision: [`Decision::Stop`] once `patience` measured epochs in a row have not
    /// improved.
    pub fn decision(&self) -> Decision {
        if self.bad_epochs >= self.config.patience {
            Decision::Stop
        } else {
            Decision::Continue
        }
    }

    /// The epoch with the best monitored value so far (`None` before any finite measurement).
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.map(|(e, _)| e)
    }

    /// The best [`Monitor::score`] so far: higher is better, so losses are negated.
    pub fn best_score(&self) -> Option<f64> {
        self.best.map(|(_, s)| s)
    }

    /// The best monitored value in its own units (a loss or an accuracy).
    pub fn best_value(&self) -> Option<f64> {
        self.best_score()
            .map(|s| self.config.monitor.value_of_score(s))
    }

    /// Measured epochs in a row without improvement.
    pub fn bad_epochs(&self) -> usize {
        self.bad_epochs
    }
}
