//! Reduce-on-plateau: lower the rate when a monitored metric stops improving.

use super::validate::{check, check_rate};
use super::{EpochMetrics, Monitor, Schedule, ScheduleConfig, ScheduleState};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

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
