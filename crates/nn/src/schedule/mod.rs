//! Learning-rate schedules, driven by per-epoch metrics.
//!
//! A [`Schedule`] gives the rate for the coming epoch and hears every finished epoch's
//! [`EpochMetrics`], so rules such as reduce-on-plateau need no human watching curves.
//! Epochs are 0-based: before any [`Schedule::end_epoch`], [`Schedule::lr`] is the rate `η_0` of
//! the first epoch; after `end_epoch(e, …)` it is `η_{e+1}`.
//!
//! [`Constant`], [`StepDecay`], [`Exponential`] and [`Cosine`] are fixed functions of the epoch
//! (`lr_at(e)`); [`ReduceOnPlateau`] reacts to a [`Monitor`]ed metric. [`ScheduleConfig`] is the
//! serialisable description a run stores in its `config.json`; [`ScheduleConfig::build`] checks
//! the parameters and makes the schedule. Parameters are `f64` and cast to `f32` once, in `lr()`.
//!
//! ```
//! use nn::schedule::{EpochMetrics, Schedule, ScheduleConfig};
//!
//! let json = r#"{"kind":"step_decay","initial":0.1,"factor":0.5,"every":2}"#;
//! let config: ScheduleConfig = serde_json::from_str(json).unwrap();
//! let mut schedule = config.build().unwrap();
//! let mut rates = Vec::new();
//! for epoch in 0..5 {
//!     rates.push(schedule.lr());
//!     schedule.end_epoch(epoch, &EpochMetrics::default());
//! }
//! assert_eq!(rates, [0.1, 0.1, 0.05, 0.05, 0.025]);
//! ```

mod config;
mod fixed;
mod plateau;
mod validate;

pub use config::ScheduleConfig;
pub use fixed::{Constant, Cosine, Exponential, StepDecay};
pub use plateau::{PlateauConfig, PlateauState, ReduceOnPlateau, Threshold};

use crate::{Error, Result};
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

    /// Turns a [`Monitor::score`] back into the watched quantity (a loss or an accuracy).
    pub fn value_of_score(self, score: f64) -> f64 {
        match self {
            Monitor::ValAccuracy => score,
            Monitor::ValLoss | Monitor::TrainLoss => -score,
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

    /// The progress to save with a checkpoint, or `None` when the schedule cannot resume.
    fn state(&self) -> Option<ScheduleState> {
        None
    }

    /// Continues from a saved [`Schedule::state`].
    ///
    /// # Errors
    /// [`Error::Config`] when the state does not belong to this kind of schedule (the default
    /// body always fails).
    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        let _ = state;
        Err(Error::Config(format!(
            "schedule {} cannot restore saved state",
            self.describe()
        )))
    }
}

/// A schedule's progress, saved beside a checkpoint so a resumed run continues the same rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// The epoch whose rate [`Schedule::lr`] gives next.
    pub next_epoch: usize,
    /// The reduce-on-plateau progress (`None` for fixed schedules).
    pub plateau: Option<PlateauState>,
}
