//! Optimizer state for checkpoints, and the shape checks shared by the optimizers.

use crate::{Error, Grads, Model, Result};
use serde::{Deserialize, Serialize};

/// A snapshot of an optimizer's internal state. Buffers hold one `Vec<f32>` per parameter slice
/// in [`Model::visit_params_mut`] order (the sizes of [`Model::param_sizes`]); they are empty
/// before the first step. The hyperparameters are not part of it: they live in the optimizer's
/// configuration ([`OptimizerConfig`](super::OptimizerConfig)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OptimizerState {
    /// [`Sgd`](super::Sgd): the velocity `v` (empty without momentum).
    Sgd {
        /// `v` per parameter slice.
        velocity: Vec<Vec<f32>>,
    },
    /// [`Adam`](super::Adam): the step count `t` and both moment estimates.
    Adam {
        /// Steps taken so far (`t` of the bias correction `1 − βᵗ`).
        step: u64,
        /// First moment `m` per parameter slice.
        m: Vec<Vec<f32>>,
        /// Second moment `v` per parameter slice.
        v: Vec<Vec<f32>>,
    },
}

impl OptimizerState {
    /// The optimizer the state belongs to, as in its serialised `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerState::Sgd { .. } => "sgd",
            OptimizerState::Adam { .. } => "adam",
        }
    }
}

/// Lengths of the parameter slices in visit order, without allocating.
fn param_lens(model: &Model) -> impl Iterator<Item = usize> + '_ {
    model.layers().iter().flat_map(|l| {
        std::iter::once(l.weights.as_slice().len()).chain(l.bias.as_ref().map(Vec::len))
    })
}

/// Zeroed buffers, one per parameter slice (the only allocation of an optimizer's state).
pub(super) fn zeroed_buffers(model: &Model) -> Vec<Vec<f32>> {
    param_lens(model).map(|n| vec![0.0; n]).collect()
}

/// Checks that `grads` has a gradient of the right size for every parameter of `model`.
pub(super) fn check_grads(model: &Model, grads: &Grads) -> Result<()> {
    let layers = model.layers();
    if grads.layers.len() != layers.len() {
        return Err(Error::Shape {
            what: "gradient layers".into(),
            expected: layers.len(),
            got: grads.layers.len(),
        });
    }
    for (l, (layer, g)) in layers.iter().zip(&grads.layers).enumerate() {
        let (w, gw) = (layer.weights.as_slice().len(), g.weights.as_slice().len());
        if w != gw {
            return Err(Error::Shape {
                what: format!("weight gradient of layer {l}"),
                expected: w,
                got: gw,
            });
        }
        let (b, gb) = (
            layer.bias.as_ref().map(Vec::len),
            g.bias.as_ref().map(Vec::len),
        );
        if b != gb {
            return Err(Error::Shape {
                what: format!("bias gradient of layer {l} (0 = no bias)"),
                expected: b.unwrap_or(0),
                got: gb.unwrap_or(0),
            });
        }
    }
    Ok(())
}

/// Checks that `buffers` (allocated for the model at the first step) still fit `model`.
pub(super) fn check_buffers(model: &Model, buffers: &[Vec<f32>], what: &str) -> Result<()> {
    let count = param_lens(model).count();
    if count != buffers.len() {
        return Err(Error::Shape {
            what: format!(
                "{what}: number of parameter slices (the model changed after the optimizer's \
                 state was allocated)"
            ),
            expected: buffers.len(),
            got: count,
        });
    }
    for (i, (len, buf)) in param_lens(model).zip(buffers).enumerate() {
        if len != buf.len() {
            return Err(Error::Shape {
                what: format!(
                    "{what}: size of parameter slice {i} (the model changed after the \
                     optimizer's state was allocated)"
                ),
                expected: buf.len(),
                got: len,
            });
        }
    }
    Ok(())
}

/// Checks that loaded buffers pair up (same count and sizes), for states with two buffer sets.
pub(super) fn check_pair(a: &[Vec<f32>], b: &[Vec<f32>], what: &str) -> Result<()> {
    if a.len() != b.len() {
        return Err(Error::Shape {
            what: format!("{what}: number of slices"),
            expected: a.len(),
            got: b.len(),
        });
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x.len() != y.len() {
            return Err(Error::Shape {
                what: format!("{what}: size of slice {i}"),
                expected: x.len(),
                got: y.len(),
            });
        }
    }
    Ok(())
}
