//! Stochastic gradient descent with optional momentum and weight decay.

use super::state::{check_buffers, check_grads, zeroed_buffers};
use super::{Optimizer, OptimizerState, WeightDecay};
use crate::{Error, Grads, Model, Result};
use linalg::kernels;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How past gradients accumulate in SGD, with learning rate `η` and gradient `g` (including any
/// [`WeightDecay::L2`] term).
///
/// Both momentum forms keep the velocity `v` in gradient units and apply `η` when stepping (the
/// form of PyTorch and dfdx). The textbook form `v ← μ·v − η·g`, `θ ← θ + v` gives the same
/// trajectory for a constant `η`, but not when `η` changes between steps: there the velocity
/// remembers the old rates, while here the whole step, momentum included, scales with the
/// current `η`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Momentum {
    /// Plain SGD: `θ ← θ − η·g`. No velocity is kept.
    #[default]
    None,
    /// Classic (heavy-ball) momentum: `v ← μ·v + g`, then `θ ← θ − η·v`.
    Classic {
        /// Momentum coefficient `μ ∈ [0, 1)`.
        mu: f32,
    },
    /// Nesterov momentum in PyTorch's "look-ahead" form: `v ← μ·v + g`, then
    /// `θ ← θ − η·(g + μ·v)` with the *updated* `v`. (Sutskever et al.'s form evaluates the
    /// gradient at `θ + μ·v` instead; this rewrite needs only the gradient at `θ`.)
    Nesterov {
        /// Momentum coefficient `μ ∈ [0, 1)`.
        mu: f32,
    },
}

impl Momentum {
    /// The coefficient `μ`, or `None` for plain SGD.
    pub fn mu(self) -> Option<f32> {
        match self {
            Momentum::None => None,
            Momentum::Classic { mu } | Momentum::Nesterov { mu } => Some(mu),
        }
    }

    /// Checks that `μ` is finite and in `[0, 1)`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value.
    pub fn validate(self) -> Result<()> {
        match self.mu() {
            Some(mu) if !(0.0..1.0).contains(&mu) => Err(Error::Config(format!(
                "momentum needs 0 <= mu < 1, got {mu}"
            ))),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Momentum {
    /// `none`, `momentum=μ` or `nesterov=μ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Momentum::None => write!(f, "none"),
            Momentum::Classic { mu } => write!(f, "momentum={mu}"),
            Momentum::Nesterov { mu } => write!(f, "nesterov={mu}"),
        }
    }
}

/// Settings of [`Sgd`]; the default is plain SGD. Missing fields deserialise to their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SgdConfig {
    /// Momentum form and coefficient.
    pub momentum: Momentum,
    /// Weight decay (weights only).
    pub weight_decay: WeightDecay,
}

impl SgdConfig {
    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value.
    pub fn validate(&self) -> Result<()> {
        self.momentum.validate()?;
        self.weight_decay.validate()
    }
}

/// Stochastic gradient descent, `θ ← θ − η·g` per step, with the [`Momentum`] and
/// [`WeightDecay`] of its [`SgdConfig`]. With momentum it owns a velocity buffer per parameter
/// slice, allocated at the first step (or by [`Sgd::reset`]) and reused afterwards.
///
/// [`Sgd::default`] and [`Sgd::plain`] are plain SGD.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sgd {
    config: SgdConfig,
    /// `v` per parameter slice; empty until allocated, and always empty without momentum.
    velocity: Vec<Vec<f32>>,
}

impl Sgd {
    /// Plain SGD, `θ ← θ − η·g`: no momentum, no decay, no state.
    pub const fn plain() -> Self {
        Self {
            config: SgdConfig {
                momentum: Momentum::None,
                weight_decay: WeightDecay::None,
            },
            velocity: Vec::new(),
        }
    }

    /// SGD with the given settings; state is allocated at the first step.
    ///
    /// # Panics
    /// When the configuration is invalid (see [`SgdConfig::validate`]).
    pub fn new(config: SgdConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("{e}");
        }
        Self {
            config,
            velocity: Vec::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }

    /// Allocates (or re-zeroes) the velocity for `model` now, forgetting all past steps.
    pub fn reset(&mut self, model: &Model) {
        self.velocity = match self.config.momentum {
            Momentum::None => Vec::new(),
            _ => zeroed_buffers(model),
        };
    }

    /// One update, as [`Optimizer::step`], checking shapes before touching any parameter;
    /// returns whether every parameter is finite afterwards.
    ///
    /// # Errors
    /// [`Error::Shape`] when `grads` do not fit `model`, or when the model's parameter sizes
    /// differ from those the velocity was allocated for.
    pub fn try_step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> Result<bool> {
        check_grads(model, grads)?;
        let SgdConfig {
            momentum,
            weight_decay,
        } = self.config;
        let (mu, nesterov) = match momentum {
            Momentum::None => return Ok(plain_step(model, grads, lr, weight_decay)),
            Momentum::Classic { mu } => (mu, false),
            Momentum::Nesterov { mu } => (mu, true),
        };
        if self.velocity.is_empty() {
            self.velocity = zeroed_buffers(model);
        } else {
            check_buffers(model, &self.velocity, "sgd velocity")?;
        }
        let velocity = &mut self.velocity;
        let mut k = 0;
        let mut finite = true;
        model.visit_params_mut(grads, |role, p, g| {
            if let Some(factor) = weight_decay.decoupled_factor(role, lr) {
                kernels::scale(factor, p);
            }
            let l2 = weight_decay.l2_coefficient(role);
            let v = &mut velocity[k];
            k += 1;
            for ((pi, &gi), vi) in p.iter_mut().zip(g).zip(v.iter_mut()) {
                let gi = gi + l2 * *pi;
                *vi = mu * *vi + gi;
                *pi -= lr * if nesterov { gi + mu * *vi } else { *vi };
                finite &= pi.is_finite();
            }
        });
        Ok(finite)
    }
}

/// `θ ← θ − η·g`, after Nielsen's `w ← (1 − η·λ/n)·w` or the decoupled `w ← (1 − η·rate)·w`;
/// whether every parameter is finite afterwards.
fn plain_step(model: &mut Model, grads: &Grads, lr: f32, weight_decay: WeightDecay) -> bool {
    let mut finite = true;
    model.visit_params_mut(grads, |role, p, g| {
        let factor = weight_decay
            .decoupled_factor(role, lr)
            .unwrap_or(1.0 - lr * weight_decay.l2_coefficient(role));
        if factor != 1.0 {
            kernels::scale(factor, p);
        }
        finite &= kernels::axpy_finite(-lr, g, p);
    });
    finite
}

impl Optimizer for Sgd {
    /// # Panics
    /// When `grads` do not fit `model` or the model changed since the velocity was allocated
    /// (see [`Sgd::try_step`]).
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> bool {
        self.try_step(model, grads, lr)
            .unwrap_or_else(|e| panic!("Sgd::step: {e}"))
    }

    /// True without momentum and weight decay.
    fn plain_sgd(&self) -> bool {
        self.config.momentum == Momentum::None && self.config.weight_decay == WeightDecay::None
    }

    /// `sgd` for plain SGD, else e.g. `sgd(nesterov=0.9, l2 lambda=5 n=50000)`.
    fn describe(&self) -> String {
        let SgdConfig {
            momentum,
            weight_decay,
        } = self.config;
        let mut parts = Vec::new();
        if momentum != Momentum::None {
            parts.push(momentum.to_string());
        }
        if weight_decay != WeightDecay::None {
            parts.push(weight_decay.to_string());
        }
        if parts.is_empty() {
            "sgd".into()
        } else {
            format!("sgd({})", parts.join(", "))
        }
    }

    fn state(&self) -> Option<OptimizerState> {
        Some(OptimizerState::Sgd {
            velocity: self.velocity.clone(),
        })
    }

    fn load_state(&mut self, state: &OptimizerState) -> Result<()> {
        let OptimizerState::Sgd { velocity } = state else {
            return Err(Error::Config(format!(
                "sgd cannot load a {} state",
                state.kind()
            )));
        };
        if self.config.momentum == Momentum::None && !velocity.is_empty() {
            return Err(Error::Shape {
                what: "velocity buffers for sgd without momentum".into(),
                expected: 0,
                got: velocity.len(),
            });
        }
        self.velocity.clone_from(velocity);
        Ok(())
    }
}
