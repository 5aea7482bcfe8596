//! The serialisable description of a schedule and its [`ScheduleConfig::build`].

use super::{Constant, Cosine, Exponential, PlateauConfig, ReduceOnPlateau, Schedule, StepDecay};
#[cfg(doc)]
use crate::Error;
use crate::Result;
use serde::{Deserialize, Serialize};

/// A serialisable description of a schedule, stored in a run's `config.json`
/// (`{"kind": "cosine", "initial": 0.1, "min": 0.001, "epochs": 30}`). Fields and formulas
/// are those of the schedule of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ScheduleConfig {
    /// [`Constant`]: `η_e = lr`.
    Constant {
        /// The rate.
        lr: f64,
    },
    /// [`StepDecay`]: `η_e = initial·factor^⌊e/every⌋`.
    StepDecay {
        /// `η_0`.
        initial: f64,
        /// Multiplier per step, in (0, 1].
        factor: f64,
        /// Epochs per step, ≥ 1.
        every: usize,
    },
    /// [`Exponential`]: `η_e = initial·gamma^e`.
    Exponential {
        /// `η_0`.
        initial: f64,
        /// Multiplier per epoch, in (0, 1].
        gamma: f64,
    },
    /// [`Cosine`]: `η_e = min + ½(initial − min)(1 + cos(π·min(e, epochs)/epochs))`.
    Cosine {
        /// `η_0`.
        initial: f64,
        /// Final rate, in [0, initial].
        min: f64,
        /// Length of the half cosine, ≥ 1.
        epochs: usize,
    },
    /// [`ReduceOnPlateau`]: `η ← max(η·factor, min_lr)` after `patience` epochs without
    /// improvement, then `cooldown` epochs ignored (fields of [`PlateauConfig`]).
    ReduceOnPlateau(PlateauConfig),
}

impl ScheduleConfig {
    /// The compact JSON form, e.g. `{"kind":"step_decay","initial":0.1,"factor":0.5,"every":10}`;
    /// what [`Schedule::describe`] returns.
    pub fn describe(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{self:?} ({e})"))
    }

    /// Checks the parameters and makes the schedule, at epoch 0.
    ///
    /// # Errors
    /// [`Error::Config`] for a parameter out of its domain (see each schedule's `new`).
    pub fn build(&self) -> Result<Box<dyn Schedule + Send>> {
        Ok(match *self {
            ScheduleConfig::Constant { lr } => Box::new(Constant::new(lr)?),
            ScheduleConfig::StepDecay {
                initial,
                factor,
                every,
            } => Box::new(StepDecay::new(initial, factor, every)?),
            ScheduleConfig::Exponential { initial, gamma } => {
                Box::new(Exponential::new(initial, gamma)?)
            }
            ScheduleConfig::Cosine {
                initial,
                min,
                epochs,
            } => Box::new(Cosine::new(initial, min, epochs)?),
            ScheduleConfig::ReduceOnPlateau(c) => Box::new(ReduceOnPlateau::new(c)?),
        })
    }
}
