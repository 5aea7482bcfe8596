//! Optimizers: they own their state and update a [`Model`]'s parameters from [`Grads`].
//!
//! The learning rate `η` is passed to every step, so schedules stay outside the optimizer.
//!
//! | optimizer | update of a parameter `θ` with gradient `g` |
//! |---|---|
//! | [`Sgd`] (plain, [`Sgd::plain`]) | `θ ← θ − η·g` |
//! | [`Sgd`] + [`Momentum::Classic`] | `v ← μ·v + g`, `θ ← θ − η·v` |
//! | [`Sgd`] + [`Momentum::Nesterov`] | `v ← μ·v + g`, `θ ← θ − η·(g + μ·v)` |
//! | [`Adam`] | `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − η·m̂/(√v̂ + ε)` |
//!
//! Weight decay ([`WeightDecay`]) touches weights only, never biases: [`WeightDecay::L2`] adds the
//! gradient of `λ/(2n)·‖W‖²` to the weight gradient (Nielsen's `w ← (1 − ηλ/n)·w − η·g` for plain
//! SGD), [`WeightDecay::Decoupled`] shrinks weights by `(1 − η·rate)` beside the gradient step
//! (with [`Adam`] that is AdamW).
//!
//! State buffers (velocity, moments) hold one `Vec<f32>` per parameter slice in
//! [`Model::visit_params_mut`] order. They are allocated once, on the first step or by
//! `reset(&model)`, and never again; a model whose parameter sizes change afterwards is a bug and
//! makes [`Optimizer::step`] panic (the inherent `try_step` methods return [`Error::Shape`]
//! instead). [`Optimizer::state`] / [`Optimizer::load_state`] move that state in and out as a
//! serialisable [`OptimizerState`], and [`OptimizerConfig`] is the serialisable recipe
//! (`{"kind": "adam", "beta1": 0.9, …}`) that builds a boxed optimizer.
//!
//! ```
//! use nn::optim::{Momentum, Optimizer, OptimizerConfig, Sgd, SgdConfig, WeightDecay};
//!
//! let plain = Sgd::plain();
//! assert_eq!(plain.describe(), "sgd");
//! let nielsen = Sgd::new(SgdConfig {
//!     momentum: Momentum::Classic { mu: 0.9 },
//!     weight_decay: WeightDecay::L2 { lambda: 5.0, n: 50_000 },
//! });
//! assert_eq!(nielsen.describe(), "sgd(momentum=0.9, l2 lambda=5 n=50000)");
//! let config: OptimizerConfig = serde_json::from_str(r#"{"kind": "adam"}"#).unwrap();
//! assert_eq!(config, OptimizerConfig::Adam(Default::default()));
//! ```
//!
//! [`Error::Shape`]: crate::Error::Shape

use crate::{Grads, Model, Result};

mod adam;
mod config;
mod sgd;
mod state;
mod weight_decay;

pub use adam::{Adam, AdamConfig};
pub use config::OptimizerConfig;
pub use sgd::{Momentum, Sgd, SgdConfig};
pub use state::OptimizerState;
pub use weight_decay::WeightDecay;

/// A parameter update rule.
pub trait Optimizer {
    /// Updates every parameter of `model` from `grads` with learning rate `lr`; returns whether
    /// every parameter is finite afterwards (checked in the update's own pass, so divergence is
    /// seen at the batch where a weight first becomes NaN or infinite).
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> bool;

    /// A short description for logs and run configs.
    fn describe(&self) -> String;

    /// True when a step is exactly `θ ← θ − η·g` for every parameter, with no state to keep:
    /// a trainer may then apply it to each part of the parameters as soon as that part's
    /// gradient is ready, on any thread, instead of calling [`Optimizer::step`] (the default is
    /// false).
    fn plain_sgd(&self) -> bool {
        false
    }

    /// A copy of the internal state (step count, velocity or moment buffers) for checkpoints;
    /// `None` for optimizers that do not support it (the default).
    fn state(&self) -> Option<OptimizerState> {
        None
    }

    /// Restores a state taken by [`Optimizer::state`] from an optimizer of the same kind and
    /// configuration. Buffer sizes are checked against the model at the next step.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when the state belongs to another kind of optimizer
    /// (or this one keeps no loadable state, the default), [`Error::Shape`](crate::Error::Shape)
    /// when its buffers are inconsistent with each other or with the configuration.
    fn load_state(&mut self, state: &OptimizerState) -> Result<()> {
        Err(crate::Error::Config(format!(
            "{} cannot load a {} state",
            self.describe(),
            state.kind()
        )))
    }
}
