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
            let d = delta.row_mut(i);
            match self {
                Loss::Quadratic => {
                    total += self.sample_loss(a, label, enc);
                    for (j, (dj, &aj)) in d.iter_mut().zip(a).enumerate() {
                        *dj = (aj - enc.value(j, label))
                            * activation.derivative_from_output(aj)
                            * inv_b;
                    }
                }
                Loss::BinaryCrossEntropy => {
                    total += self.sample_loss(a, label, enc);
                    for (j, (dj, &aj)) in d.iter_mut().zip(a).enumerate() {
                        *dj = (aj - enc.value(j, label)) * inv_b;
                    }
                }
                Loss::SoftmaxCrossEntropy => {
                    total += softmax_ce_row(a, label, enc, inv_b, d);
                }
            }
        }
        total
    }
}

/// One sample of [`Loss::SoftmaxCrossEntropy`]: writes `δ_j = (p_j·Σ_k t_k − t_j)/B` into `d`
/// and returns `L = Σ_j t_j·(lse − z_j)`, `lse = m + ln Σ_j e^{z_j − m}` with `m = max_j z_j`.
/// One `exp` per logit serves both (the sum in f64); [`Loss::sample_loss`] gives the same loss
/// to within a few f32 ulps of `lse`.
fn softmax_ce_row(
    z: &[Elem],
    label: usize,
    enc: TargetEncoding,
    inv_b: Elem,
    d: &mut [Elem],
) -> f64 {
    let max = z.iter().copied().fold(Elem::NEG_INFINITY, Elem::max);
    for (dj, &zj) in d.iter_mut().zip(z) {
        *dj = zj - max;
    }
    crate::activation::exp_nonpositive_slice(d);
    let sum: f64 = d.iter().map(|&e| f64::from(e)).sum();
    let lse = f64::from(max) + sum.ln();
    let t_sum = enc.on + enc.off * (z.len() as Elem - 1.0);
    let scale = t_sum / sum as Elem;
    let mut loss = 0.0;
    for (j, (dj, &zj)) in d.iter_mut().zip(z).enumerate() {
        let t = enc.value(j, label);
        loss += f64::from(t) * (lse - f64::from(zj));
        *dj = (*dj * scale - t) * inv_b;
    }
    loss
}

/// `ln Σ_j e^{z_j}`, stable (shifted by the maximum), in f64.
pub fn log_sum_exp(z: &[Elem]) -> f64 {
    let max = z.iter().copied().fold(Elem::NEG_INFINITY, Elem::max) as f64;
    if !max.is_finite() {
        return max;
    }
    max + z.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use linalg::Matrix;

    /// `δ` and the summed loss of softmax cross-entropy in f64, straight from the definition.
    fn reference(
        z: &Matrix,
        labels: &[usize],
        enc: TargetEncoding,
        batch: usize,
    ) -> (Vec<f64>, f64) {
        let mut delta = Vec::new();
        let mut total = 0.0;
        for (i, &label) in labels.iter().enumerate() {
            let row: Vec<f64> = z.row(i).iter().map(|&v| f64::from(v)).collect();
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = row.iter().map(|v| (v - m).exp()).sum();
            let t: Vec<f64> = (0..row.len())
                .map(|j| f64::from(enc.value(j, label)))
                .collect();
            let t_sum: f64 = t.iter().sum();
            for j in 0..row.len() {
                let p = (row[j] - m).exp() / sum;
                total -= t[j] * p.ln();
                delta.push((p * t_sum - t[j]) / batch as f64);
            }
        }
        (delta, total)
    }

    #[test]
    fn softmax_cross_entropy_delta_and_loss_follow_the_definition() {
        // Widths with and without a vector tail, logits from small to far apart.
        for (classes, spread) in [(10, 1.0), (10, 40.0), (3, 5.0), (17, 300.0), (8, 0.0)] {
            for enc in [TargetEncoding::ONE_HOT, TargetEncoding::RASHID] {
                let rows = 7;
                let z = Matrix::from_fn(rows, classes, |i, j| {
                    spread * (((i * 31 + j * 17) % 23) as Elem / 11.0 - 1.0)
                });
                let labels: Vec<usize> = (0..rows).map(|i| (i * 5) % classes).collect();
                let mut delta = Matrix::zeros(rows, classes);
                let got = Loss::SoftmaxCrossEntropy.output_delta_of_part(
                    Activation::Identity,
                    z.view(),
                    &labels,
                    enc,
                    2 * rows,
                    delta.view_mut(),
                );
                let (want_delta, want) = reference(&z, &labels, enc, 2 * rows);
                assert!(
                    (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                    "loss {got}, want {want} ({classes} classes, spread {spread})"
                );
                let by_sample: f64 = (0..rows)
                    .map(|i| Loss::SoftmaxCrossEntropy.sample_loss(z.row(i), labels[i], enc))
                    .sum();
                assert!((got - by_sample).abs() <= 1e-6 * by_sample.abs().max(1.0));
                for (k, (&g, &w)) in delta.as_slice().iter().zip(&want_delta).enumerate() {
                    assert!(
                        (f64::from(g) - w).abs() <= 1e-6,
                        "δ[{k}] = {g}, want {w} ({classes} classes, spread {spread})"
                    );
                }
            }
        }
    }

    #[test]
    fn softmax_cross_entropy_of_non_finite_logits_is_nan() {
        let z = Matrix::from_fn(2, 10, |i, j| {
            if i == 1 && j == 3 {
                Elem::NAN
            } else {
                j as Elem
            }
        });
        let mut delta = Matrix::zeros(2, 10);
        let loss = Loss::SoftmaxCrossEntropy.output_delta(
            Activation::Identity,
            z.view(),
            &[0, 0],
            TargetEncoding::ONE_HOT,
            delta.view_mut(),
        );
        assert!(loss.is_nan());
        assert!(delta.row(0).iter().all(|v| v.is_finite()));
        assert!(delta.row(1).iter().any(|v| v.is_nan()));
    }
}
