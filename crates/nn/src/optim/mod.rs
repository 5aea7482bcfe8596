//! Optimizers: they own their state and update a [`Model`]'s parameters from [`Grads`].
//!
//! The learning rate is passed to every step, so schedules stay outside the optimizer.

use crate::{Grads, Model};

mod sgd;

pub use sgd::Sgd;

/// A parameter update rule.
pub trait Optimizer {
    /// Updates every parameter of `model` from `grads` with learning rate `lr`.
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32);

    /// A short description for logs and run configs.
    fn describe(&self) -> String;
}
