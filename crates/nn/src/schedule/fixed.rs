//! Fixed schedules: the rate is a function of the epoch alone.

use super::validate::{check, check_factor, check_rate};
use super::{EpochMetrics, Schedule, ScheduleConfig, ScheduleState};
#[cfg(doc)]
use crate::Error;
use crate::Result;

/// `k`-th power for an epoch count, saturating instead of wrapping.
fn powi(x: f64, k: usize) -> f64 {
    x.powi(i32::try_from(k).unwrap_or(i32::MAX))
}

/// Implements [`Schedule`] for a fixed schedule with `lr_at`, `config` and a `next_epoch` field.
macro_rules! fixed_schedule {
    ($t:ty) => {
        impl Schedule for $t {
            fn lr(&self) -> f32 {
                self.lr_at(self.next_epoch) as f32
            }

            fn end_epoch(&mut self, epoch: usize, _metrics: &EpochMetrics) {
                self.next_epoch = epoch + 1;
            }

            fn describe(&self) -> String {
                self.config().describe()
            }

            fn state(&self) -> Option<ScheduleState> {
                Some(ScheduleState {
                    next_epoch: self.next_epoch,
                    plateau: None,
                })
            }

            fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
                check(
                    state.plateau.is_none(),
                    "a fixed schedule cannot take reduce-on-plateau state",
                    self.describe(),
                )?;
                self.next_epoch = state.next_epoch;
                Ok(())
            }
        }
    };
}

/// The same rate every epoch: `η_e = lr`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    lr: f64,
    next_epoch: usize,
}

impl Constant {
    /// `η_e = lr`.
    ///
    /// # Errors
    /// [`Error::Config`] unless `lr` is finite and > 0.
    pub fn new(lr: f64) -> Result<Self> {
        check_rate("lr", lr)?;
        Ok(Self { lr, next_epoch: 0 })
    }

    /// The rate of epoch `e`: `lr`.
    pub fn lr_at(&self, _e: usize) -> f64 {
        self.lr
    }

    /// The description of this schedule.
    pub fn config(&self) -> ScheduleConfig {
        ScheduleConfig::Constant { lr: self.lr }
    }
}

fixed_schedule!(Constant);

/// Multiplies the rate by `factor` every `every` epochs: `η_e = η_0·factor^⌊e/every⌋`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepDecay {
    initial: f64,
    factor: f64,
    every: usize,
    next_epoch: usize,
}

impl StepDecay {
    /// `η_e = initial·factor^⌊e/every⌋`.
    ///
    /// # Errors
    /// [`Error::Config`] unless `initial` is finite and > 0, `factor` ∈ (0, 1] and `every` ≥ 1.
    pub fn new(initial: f64, factor: f64, every: usize) -> Result<Self> {
        check_rate("initial", initial)?;
        check_factor("factor", factor)?;
        check(every >= 1, "every must be at least 1", every)?;
        Ok(Self {
            initial,
            factor,
            every,
            next_epoch: 0,
        })
    }

    /// The rate of epoch `e`: `initial·factor^⌊e/every⌋`.
    pub fn lr_at(&self, e: usize) -> f64 {
        self.initial * powi(self.factor, e / self.every)
    }

    /// The description of this schedule.
    pub fn config(&self) -> ScheduleConfig {
        ScheduleConfig::StepDecay {
            initial: self.initial,
            factor: self.factor,
            every: self.every,
        }
    }
}

fixed_schedule!(StepDecay);

/// Multiplies the rate by `gamma` every epoch: `η_e = η_0·γ^e`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    initial: f64,
    gamma: f64,
    next_epoch: usize,
}

impl Exponential {
    /// `η_e = initial·gamma^e`.
    ///
    /// # Errors
    /// [`Error::Config`] unless `initial` is finite and > 0 and `gamma` ∈ (0, 1].
    pub fn new(initial: f64, gamma: f64) -> Result<Self> {
        check_rate("initial", initial)?;
        check_factor("gamma", gamma)?;
        Ok(Self {
            initial,
            gamma,
            next_epoch: 0,
        })
    }

    /// The rate of epoch `e`: `initial·gamma^e`.
    pub fn lr_at(&self, e: usize) -> f64 {
        self.initial * powi(self.gamma, e)
    }

    /// The description of this schedule.
    pub fn config(&self) -> ScheduleConfig {
        ScheduleConfig::Exponential {
            initial: self.initial,
            gamma: self.gamma,
        }
    }
}

fixed_schedule!(Exponential);

/// Cosine annealing from `η_0` down to `min` over `epochs` epochs, then `min`:
/// `η_e = min + ½(η_0 − min)(1 + cos(π·min(e, epochs)/epochs))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cosine {
    initial: f64,
    min: f64,
    epochs: usize,
    next_epoch: usize,
}

impl Cosine {
    /// `η_e = min + ½(initial − min)(1 + cos(π·min(e, epochs)/epochs))`.
    ///
    /// # Errors
    /// [`Error::Config`] unless `initial` is finite and > 0, `0 ≤ min ≤ initial` and
    /// `epochs` ≥ 1.
    pub fn new(initial: f64, min: f64, epochs: usize) -> Result<Self> {
        check_rate("initial", initial)?;
        check(
            (0.0..=initial).contains(&min),
            "min must be in [0, initial]",
            min,
        )?;
        check(epochs >= 1, "epochs must be at least 1", epochs)?;
        Ok(Self {
            initial,
            min,
            epochs,
            next_epoch: 0,
        })
    }

    /// The rate of epoch `e`: `min + ½(initial − min)(1 + cos(π·min(e, epochs)/epochs))`.
    pub fn lr_at(&self, e: usize) -> f64 {
        let t = e.min(self.epochs) as f64 / self.epochs as f64;
        self.min + 0.5 * (self.initial - self.min) * (1.0 + (std::f64::consts::PI * t).cos())
    }

    /// The description of this schedule.
    pub fn config(&self) -> ScheduleConfig {
        ScheduleConfig::Cosine {
            initial: self.initial,
            min: self.min,
            epochs: self.epochs,
        }
    }
}

fixed_schedule!(Cosine);
