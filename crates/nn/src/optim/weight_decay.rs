//! Weight decay, shared by [`Sgd`](super::Sgd) and [`Adam`](super::Adam).

use crate::{Error, ParamRole, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Shrinking of the weights towards zero. Only [`ParamRole::Weight`] slices decay; biases never do.
///
/// The two forms differ in where the decay enters. With plain SGD they give the same update
/// (`L2 { lambda, n }` ≙ `Decoupled { rate: lambda / n }`); with momentum or [`Adam`](super::Adam)
/// they do not, because [`WeightDecay::L2`] goes through the velocity or the moments and
/// [`WeightDecay::Decoupled`] does not.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WeightDecay {
    /// No decay.
    #[default]
    None,
    /// L2 regularisation of the cost, `C = C₀ + λ/(2n)·Σw²`, in Nielsen's form: the weight
    /// gradient becomes `g + (λ/n)·w`. With plain SGD this is computed exactly as Nielsen writes
    /// it, `w ← (1 − η·λ/n)·w` followed by the gradient step `w ← w − η·g`. With momentum the
    /// penalty gradient enters the velocity; with Adam it enters the moments (Adam's original,
    /// coupled "weight decay").
    L2 {
        /// Regularisation strength `λ`.
        lambda: f32,
        /// Training-set size `n`.
        n: usize,
    },
    /// Decoupled weight decay (Loshchilov & Hutter): `w ← w − η·rate·w`, applied to the weights
    /// before and apart from the gradient, velocity or moment step. With Adam this is AdamW.
    Decoupled {
        /// Decay per unit learning rate.
        rate: f32,
    },
}

impl WeightDecay {
    /// Checks the parameters: `λ ≥ 0` and `n ≥ 1` for L2, `rate ≥ 0` for decoupled decay, all
    /// finite.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value.
    pub fn validate(self) -> Result<()> {
        match self {
            WeightDecay::None => Ok(()),
            WeightDecay::L2 { lambda, n } => {
                if !(lambda.is_finite() && lambda >= 0.0) {
                    Err(Error::Config(format!(
                        "L2 weight decay needs a finite lambda >= 0, got {lambda}"
                    )))
                } else if n == 0 {
                    Err(Error::Config(
                        "L2 weight decay needs the training-set size n >= 1".into(),
                    ))
                } else {
                    Ok(())
                }
            }
            WeightDecay::Decoupled { rate } if !(rate.is_finite() && rate >= 0.0) => Err(
                Error::Config(format!("weight decay needs a finite rate >= 0, got {rate}")),
            ),
            WeightDecay::Decoupled { .. } => Ok(()),
        }
    }

    /// The coefficient `λ/n` added to the gradient as `(λ/n)·w`: non-zero only for L2 on weights.
    pub(super) fn l2_coefficient(self, role: ParamRole) -> f32 {
        match (self, role) {
            (WeightDecay::L2 { lambda, n }, ParamRole::Weight) => lambda / n as f32,
            _ => 0.0,
        }
    }

    /// The factor `1 − η·rate` for decoupled decay on weights; `None` otherwise.
    pub(super) fn decoupled_factor(self, role: ParamRole, lr: f32) -> Option<f32> {
        match (self, role) {
            (WeightDecay::Decoupled { rate }, ParamRole::Weight) => Some(1.0 - lr * rate),
            _ => None,
        }
    }
}

impl fmt::Display for WeightDecay {
    /// `none`, `l2 lambda=λ n=n` or `decay=rate`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightDecay::None => write!(f, "none"),
            WeightDecay::L2 { lambda, n } => write!(f, "l2 lambda={lambda} n={n}"),
            WeightDecay::Decoupled { rate } => write!(f, "decay={rate}"),
        }
    }
}
