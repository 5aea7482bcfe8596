//! Elementwise activation functions, applied in place, with derivatives taken from the output.

use linalg::{kernels, Elem, MatMut, MatRef};
use serde::{Deserialize, Serialize};

/// An elementwise activation `a = f(z)`.
///
/// Every derivative here can be written in terms of the output `a`, so the forward pass keeps
/// only outputs and the backward pass needs no pre-activations:
/// - `Identity`: `f(z) = z`, `f' = 1`
/// - `Sigmoid`: `f(z) = 1 / (1 + e^{-z})`, `f' = a·(1 − a)`
/// - `Tanh`: `f(z) = tanh z`, `f' = 1 − a²`
/// - `Relu`: `f(z) = max(0, z)`, `f' = [a > 0]`
/// - `LeakyRelu(α)`: `f(z) = z` if `z > 0` else `α·z` (α > 0), `f' = 1` if `a > 0` else `α`
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "alpha")]
pub enum Activation {
    /// No activation (logits, e.g. before softmax cross-entropy).
    Identity,
    /// The logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
    /// Leaky ReLU with negative slope α.
    LeakyRelu(Elem),
}

/// Numerically stable logistic sigmoid: never evaluates `exp` of a large positive number.
#[inline]
pub fn sigmoid(z: Elem) -> Elem {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Activation {
    /// The name used in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
        }
    }

    /// `f(z)` for one value.
    #[inline]
    pub fn apply(self, z: Elem) -> Elem {
        match self {
            Activation::Identity => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(0.0),
            Activation::LeakyRelu(alpha) => {
                if z > 0.0 {
                    z
                } else {
                    alpha * z
                }
            }
        }
    }

    /// `f'(z)` expressed through the output `a = f(z)`.
    #[inline]
    pub fn derivative_from_output(self, a: Elem) -> Elem {
        match self {
            Activation::Identity => 1.0,
            Activation::Sigmoid => a * (1.0 - a),
            Activation::Tanh => 1.0 - a * a,
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu(alpha) => {
                if a > 0.0 {
                    1.0
                } else {
                    alpha
                }
            }
        }
    }

    /// Applies `f` in place to a batch of pre-activations.
    pub fn forward_inplace(self, z: MatMut<'_>) {
        if self != Activation::Identity {
            kernels::map_inplace(z, |v| self.apply(v));
        }
    }

    /// Multiplies an incoming gradient by `f'`, in place: `δ ← δ ⊙ f'(a)`.
    pub fn backward_inplace(self, delta: MatMut<'_>, output: MatRef<'_>) {
        if self != Activation::Identity {
            kernels::zip_map_inplace(delta, output, |d, a| d * self.derivative_from_output(a));
        }
    }

    /// Inverse `f⁻¹(a)` for the invertible activations (used by backquery).
    /// `None` for ReLU, whose negative half is lost.
    pub fn inverse(self, a: Elem) -> Option<Elem> {
        match self {
            Activation::Identity => Some(a),
            Activation::Sigmoid => Some((a / (1.0 - a)).ln()),
            Activation::Tanh => Some(a.atanh()),
            Activation::Relu => None,
            Activation::LeakyRelu(alpha) => Some(if a > 0.0 { a } else { a / alpha }),
        }
    }
}
