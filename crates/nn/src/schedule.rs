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

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Display;

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

/// The moving parts of a [`ReduceOnPlateau`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlateauState {
    /// Current rate.
    pub lr: f64,
    /// Best finite [`Monitor::score`] so far.
    pub best: Option<f64>,
    /// Counted epochs since the last improvement.
    pub bad_epochs: usize,
    /// Epochs of cooldown left.
    pub cooldown_left: usize,
    /// Reductions made so far.
    pub reductions: usize,
}

fn check(ok: bool, what: &str, value: impl Display) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!("{what}, got {value}")))
    }
}

fn check_rate(name: &str, lr: f64) -> Result<()> {
    check(
        lr.is_finite() && lr > 0.0,
        &format!("{name} must be finite and > 0"),
        lr,
    )
}

fn check_factor(name: &str, f: f64) -> Result<()> {
    check(f > 0.0 && f <= 1.0, &format!("{name} must be in (0, 1]"), f)
}

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

/// How much a monitored score must beat the best so far to count as an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "value")]
pub enum Threshold {
    /// `score > best + r·|best|` (PyTorch's `rel` mode): for a loss `L < L_best·(1 − r)`, for an
    /// accuracy `a > a_best·(1 + r)`.
    Relative(f64),
    /// `score > best + d` (Keras's `min_delta`): the quantity must move by more than `d`.
    Absolute(f64),
}

impl Threshold {
    /// Whether `score` improves on `best`; a non-finite score never does, and any finite score
    /// improves on no best at all.
    pub fn improves(self, score: f64, best: Option<f64>) -> bool {
        score.is_finite()
            && match (self, best) {
                (_, None) => true,
                (Threshold::Relative(r), Some(b)) => score > b + r * b.abs(),
                (Threshold::Absolute(d), Some(b)) => score > b + d,
            }
    }
}

/// "Start high, lower it when progress stalls": multiplies the rate by `factor` (not below
/// `min_lr`) once the monitored value has gone `patience` counted epochs in a row without
/// improving beyond `threshold`, then ignores `cooldown` epochs before counting again.
///
/// Per finished epoch, with score `s` = [`Monitor::score`]:
/// 1. `s` is `None` (not measured this epoch): the epoch is ignored entirely; best, count and
///    cooldown stay as they are (so patience and cooldown count measured epochs only).
/// 2. `s` improves on the best ([`Threshold::improves`]): best ← `s`, count ← 0; otherwise
///    (including NaN and ±∞) count ← count + 1.
/// 3. In cooldown: cooldown ← cooldown − 1, count ← 0 (improvements still update the best).
/// 4. count = patience: `η ← max(η·factor, min_lr)`, count ← 0, cooldown ← `cooldown`.
///
/// The first measured finite score sets the best and is an improvement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReduceOnPlateau {
    config: PlateauConfig,
    state: PlateauState,
    next_epoch: usize,
}

/// The parameters of a [`ReduceOnPlateau`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlateauConfig {
    /// `η_0`.
    pub initial: f64,
    /// The watched quantity.
    pub monitor: Monitor,
    /// Multiplier per reduction, in (0, 1).
    pub factor: f64,
    /// Counted epochs without improvement that trigger a reduction, ≥ 1.
    pub patience: usize,
    /// Floor of the rate, in [0, initial].
    pub min_lr: f64,
    /// What counts as an improvement.
    pub threshold: Threshold,
    /// Epochs ignored after a reduction.
    pub cooldown: usize,
}

impl PlateauConfig {
    /// PyTorch's defaults around `initial` and `monitor`: factor 0.1, patience 10, min_lr 0,
    /// relative threshold 1e-4, no cooldown.
    pub fn new(initial: f64, monitor: Monitor) -> Self {
        Self {
            initial,
            monitor,
            factor: 0.1,
            patience: 10,
            min_lr: 0.0,
            threshold: Threshold::Relative(1e-4),
            cooldown: 0,
        }
    }
}

impl ReduceOnPlateau {
    /// Starts at `config.initial`; see the type's documentation for the rule.
    ///
    /// # Errors
    /// [`Error::Config`] unless `initial` is finite and > 0, `factor` ∈ (0, 1), `patience` ≥ 1,
    /// `0 ≤ min_lr ≤ initial` and the threshold value is finite and ≥ 0.
    pub fn new(config: PlateauConfig) -> Result<Self> {
        let c = config;
        check_rate("initial", c.initial)?;
        check(
            c.factor > 0.0 && c.factor < 1.0,
            "factor must be in (0, 1)",
            c.factor,
        )?;
        check(c.patience >= 1, "patience must be at least 1", c.patience)?;
        let min_ok = (0.0..=c.initial).contains(&c.min_lr);
        check(min_ok, "min_lr must be in [0, initial]", c.min_lr)?;
        let (Threshold::Relative(t) | Threshold::Absolute(t)) = c.threshold;
        check(
            t.is_finite() && t >= 0.0,
            "threshold must be finite and >= 0",
            t,
        )?;
        Ok(Self {
            config,
            state: PlateauState {
                lr: c.initial,
                best: None,
                bad_epochs: 0,
                cooldown_left: 0,
                reductions: 0,
            },
            next_epoch: 0,
        })
    }

    /// Current rate, best score and counters.
    pub fn progress(&self) -> &PlateauState {
        &self.state
    }

    /// The description of this schedule.
    pub fn config(&self) -> ScheduleConfig {
        ScheduleConfig::ReduceOnPlateau(self.config)
    }
}

impl Schedule for ReduceOnPlateau {
    fn lr(&self) -> f32 {
        self.state.lr as f32
    }

    fn end_epoch(&mut self, epoch: usize, metrics: &EpochMetrics) {
        self.next_epoch = epoch + 1;
        let (c, s) = (&self.config, &mut self.state);
        let Some(score) = c.monitor.score(metrics) else {
            return;
        };
        if c.threshold.improves(score, s.best) {
            s.best = Some(score);
            s.bad_epochs = 0;
        } else {
            s.bad_epochs += 1;
        }
        if s.cooldown_left > 0 {
            s.cooldown_left -= 1;
            s.bad_epochs = 0;
        }
        if s.bad_epochs >= c.patience {
            s.lr = (s.lr * c.factor).max(c.min_lr);
            s.bad_epochs = 0;
            s.cooldown_left = c.cooldown;
            s.reductions += 1;
        }
    }

    fn describe(&self) -> String {
        self.config().describe()
    }

    fn state(&self) -> Option<ScheduleState> {
        Some(ScheduleState {
            next_epoch: self.next_epoch,
            plateau: Some(self.state),
        })
    }

    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        let Some(p) = state.plateau else {
            return Err(Error::Config(
                "reduce-on-plateau needs its plateau state to resume".into(),
            ));
        };
        check_rate("saved lr", p.lr)?;
        self.state = p;
        self.next_epoch = state.next_epoch;
        Ok(())
    }
}

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
