//! Losses on the last layer's output, with their gradient with respect to the last layer's
//! pre-activation `Z` (so pairs such as softmax + cross-entropy cancel analytically).
//!
//! The loss of a batch is the mean over its `B` samples; gradients are divided by `B`.
//! Targets come from labels through a [`TargetEncoding`]: `t_j = on` for the label's class,
//! `off` elsewhere.

use crate::{Activation, Error, Result};
use linalg::{Elem, MatMut, MatRef};
use serde::{Deserialize, Serialize};

/// Smallest probability used inside a logarithm, so extreme logits give a large finite loss
/// instead of ∞ or NaN.
const LOG_FLOOR: Elem = 1e-7;

/// How class labels become target vectors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetEncoding {
    /// Target of the wrong classes.
    pub off: Elem,
    /// Target of the right class.
    pub on: Elem,
}

impl TargetEncoding {
    /// Plain one-hot: 0 and 1.
    pub const ONE_HOT: TargetEncoding = TargetEncoding { off: 0.0, on: 1.0 };
    /// *Make your own neural network*: 0.01 and 0.99, away from the sigmoid's asymptotes.
    pub const RASHID: TargetEncoding = TargetEncoding {
        off: 0.01,
        on: 0.99,
    };

    /// Target value of class `j` for a sample of class `label`.
    #[inline]
    pub fn value(self, j: usize, label: usize) -> Elem {
        if j == label {
            self.on
        } else {
            self.off
        }
    }
}

impl Default for TargetEncoding {
    fn default() -> Self {
        Self::ONE_HOT
    }
}

/// A loss function `L(a, t)` of one sample; the batch loss is the mean over samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `L = ½ Σ_j (a_j − t_j)²`; `∂L/∂z_j = (a_j − t_j)·f'(a_j)`. Any output activation.
    Quadratic,
    /// `L = −Σ_j [t_j ln a_j + (1 − t_j) ln(1 − a_j)]` on sigmoid outputs;
    /// `∂L/∂z_j = a_j − t_j` (Nielsen's `network2`).
    BinaryCrossEntropy,
    /// `p = softmax(z)`, `L = −Σ_j t_j ln p_j`, computed as `logsumexp(z) − …` so it is stable
    /// for any logits; `∂L/∂z_j = p_j·Σ_k t_k − t_j`. The last layer must be `Identity` (logits).
    SoftmaxCrossEntropy,
}

impl Loss {
    /// The name used in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Quadratic => "quadratic",
            Loss::BinaryCrossEntropy => "binary_cross_entropy",
            Loss::SoftmaxCrossEntropy => "softmax_cross_entropy",
        }
    }

    /// Checks that the loss can follow an output activation.
    ///
    /// # Errors
    /// [`Error::LossActivation`] for binary cross-entropy without a sigmoid output, or softmax
    /// cross-entropy without identity (logit) outputs.
    pub fn check_output_activation(self, activation: Activation) -> Result<()> {
        let needs = match self {
            Loss::Quadratic => return Ok(()),
            Loss::BinaryCrossEntropy if activation == Activation::Sigmoid => return Ok(()),
            Loss::SoftmaxCrossEntropy if activation == Activation::Identity => return Ok(()),
            Loss::BinaryCrossEntropy => "sigmoid",
            Loss::SoftmaxCrossEntropy => "identity (logits)",
        };
        Err(Error::LossActivation {
            loss: self.name(),
            needs,
            found: activation.name(),
        })
    }

    /// Loss of one sample with output row `a` and class `label` (in f64 for accumulation).
    pub fn sample_loss(self, a: &[Elem], label: usize, enc: TargetEncoding) -> f64 {
        match self {
            Loss::Quadratic => a
                .iter()
                .enumerate()
                .map(|(j, &aj)| {
                    let d = (aj - enc.value(j, label)) as f64;
                    0.5 * d * d
                })
                .sum(),
            Loss::BinaryCrossEntropy => a
                .iter()
                .enumerate()
                .map(|(j, &aj)| {
                    let t = enc.value(j, label) as f64;
                    let p = aj.clamp(LOG_FLOOR, 1.0 - LOG_FLOOR) as f64;
                    -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
                })
                .sum(),
            Loss::SoftmaxCrossEntropy => {
                let lse = log_sum_exp(a);
                a.iter()
                    .enumerate()
                    .map(|(j, &z)| enc.value(j, label) as f64 * (lse - z as f64))
                    .sum()
            }
        }
    }

    /// Writes `δ = ∂L_batch/∂Z` of the last layer (mean over the batch) and returns the
    /// *summed* loss of the batch's samples.
    ///
    /// # Panics
    /// When shapes of `output`, `labels` and `delta` disagree.
    pub fn output_delta(
        self,
        activation: Activation,
        output: MatRef<'_>,
        labels: &[usize],
        enc: TargetEncoding,
        delta: MatMut<'_>,
    ) -> f64 {
        let batch = labels.len().max(1);
        self.output_delta_of_part(activation, output, labels, enc, batch, delta)
    }

    /// As [`Loss::output_delta`] for `labels.len()` samples that are part of a batch of `batch`
    /// samples: `δ` is the gradient of the mean over the whole batch, so the parts' parameter
    /// gradients add up to the batch's.
    ///
    /// # Panics
    /// When shapes of `output`, `labels` and `delta` disagree.
    pub fn output_delta_of_part(
        self,
        activation: Activation,
        output: MatRef<'_>,
        labels: &[usize],
        enc: TargetEncoding,
        batch: usize,
        mut delta: MatMut<'_>,
    ) -> f64 {
        assert_eq!(output.rows(), labels.len(), "output_delta: rows vs labels");
        assert_eq!(
            output.shape(),
            delta.shape(),
            "output_delta: output vs delta shape"
        );
        let inv_b = 1.0 / batch.max(1) as Elem;
        let mut total = 0.0;
        for (i, &label) in labels.iter().enumerate() {
            let a = output.row(i);
            total += self.sample_loss(a, label, enc);
            let d = delta.row_mut(i);
            match self {
                Loss::Quadratic => {
                    for (j, (dj, &aj)) in d.iter_mut().zip(a).enumerate() {
                        *dj = (aj - enc.value(j, label))
                            * activation.derivative_from_output(aj)
                            * inv_b;
                    }
                }
                Loss::BinaryCrossEntropy => {
                    for (j, (dj, &aj)) in d.iter_mut().zip(a).enumerate() {
                        *dj = (aj - enc.value(j, label)) * inv_b;
                    }
                }
                Loss::SoftmaxCrossEntropy => {
                    let max = a.iter().copied().fold(Elem::NEG_INFINITY, Elem::max);
                    let mut sum = 0.0;
                    for (dj, &z) in d.iter_mut().zip(a) {
                        *dj = (z - max).exp();
                        sum += *dj;
                    }
                    let t_sum = enc.on + enc.off * (a.len() as Elem - 1.0);
                    for (j, dj) in d.iter_mut().enumerate() {
                        *dj = (*dj / sum * t_sum - enc.value(j, label)) * inv_b;
                    }
                }
            }
        }
        total
    }
}

/// `ln Σ_j e^{z_j}`, stable (shifted by the maximum), in f64.
pub fn log_sum_exp(z: &[Elem]) -> f64 {
    let max = z.iter().copied().fold(Elem::NEG_INFINITY, Elem::max) as f64;
    if !max.is_finite() {
        return max;
    }
    max + z.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln()
}
