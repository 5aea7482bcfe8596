//! Plain stochastic gradient descent.

use super::Optimizer;
use crate::{Grads, Model};
use linalg::kernels;

/// `θ ← θ − η·∂L/∂θ` for every parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sgd;

impl Optimizer for Sgd {
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32) {
        model.visit_params_mut(grads, |_, p, g| kernels::axpy(-lr, g, p));
    }

    fn describe(&self) -> String {
        "sgd".into()
    }
}
