//! Learning-rate schedules and early stopping, driven by per-epoch metrics.
//!
//! A [`Schedule`] gives the rate for the coming epoch and hears every finished epoch's
//! [`EpochMetrics`], so rules such as reduce-on-plateau need no human watching curves.

use serde::{Deserialize, Serialize};

/// What a finished epoch measured; the validation fields are `None` without a validation set.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpochMetrics {
    /// Mean training loss.
    pub train_loss: f64,
    /// Mean validation loss.
    pub val_loss: Option<f64>,
    /// Validation accuracy in [0, 1].
    pub val_accuracy: Option<f64>,
}

/// The quantity a plateau rule or early stopping watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    /// Validation accuracy (higher is better).
    ValAccuracy,
    /// Validation loss (lower is better).
    ValLoss,
    /// Training loss (lower is better), for runs without a validation set.
    TrainLoss,
}

impl Monitor {
    /// The watched value in "higher is better" form (losses negated); `None` when not measured.
    pub fn score(self, m: &EpochMetrics) -> Option<f64> {
        match self {
            Monitor::ValAccuracy => m.val_accuracy,
            Monitor::ValLoss => m.val_loss.map(|l| -l),
            Monitor::TrainLoss => Some(-m.train_loss),
        }
    }
}

/// A learning-rate schedule over epochs.
pub trait Schedule {
    /// The rate to use for the coming epoch.
    fn lr(&self) -> f32;

    /// Hears the metrics of finished epoch `epoch` (0-based) and moves to the next rate.
    fn end_epoch(&mut self, epoch: usize, metrics: &EpochMetrics);

    /// A short description for logs and run configs.
    fn describe(&self) -> String;
}
