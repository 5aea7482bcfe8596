//! Backquery: run a trained network backwards, from a class's target output to an input-space
//! image of what the network "thinks" that class looks like (*Make your own neural network*,
//! Rashid, "Backwards query").
//!
//! Starting from the target vector `a_L` of a label (`off` everywhere, `on` at the label; the
//! book uses [`TargetEncoding::RASHID`], 0.01 and 0.99), each layer `l = L … 1` with weights
//! `W_l` (`d_output × d_input`), optional bias `b_l` and activation `f_l` is undone as
//!
//! 1. `z = f_l⁻¹(a_l) − b_l` (the logit `ln(a / (1 − a))` for sigmoid; with no bias, `b_l = 0`),
//! 2. `x = W_lᵀ·z`, i.e. the row vector `zᵀ·W_l` of length `d_input`,
//! 3. `a_{l−1} = rescale(x)` into the open range where the previous layer's inverse
//!    `f_{l−1}⁻¹` is finite: `x ← (x − min x) / (max x − min x) · (hi − lo) + lo`.
//!
//! The ranges `[lo, hi]` (see [`valid_range`]) are the book's `[0.01, 0.99]` for sigmoid and
//! `[−0.99, 0.99]` for tanh; identity and leaky-ReLU layers accept any value, so their `x` is
//! passed on unscaled. The final input-space vector is always rescaled to `[0.01, 0.99]`, the
//! book's pixel range. A constant `x` (`max = min`) becomes the middle of the range,
//! `(lo + hi) / 2`, rather than NaN.
//!
//! This is not a true inverse: `Wᵀ` is not `W⁻¹` and the rescaling throws the scale away. It is a
//! picture of which inputs push the network towards the label, useful to look at, not to feed
//! back in. ReLU layers have no inverse (their negative half is lost), so models with one are a
//! [`Error::Config`].
//!
//! ```
//! use nn::{backquery::backquery, rng, Activation, Init, Model, TargetEncoding};
//!
//! let model = Model::mlp(&[4, 3, 2], Activation::Sigmoid, Activation::Sigmoid, false,
//!                        Init::NormalFanIn, Init::Zeros, &mut rng::stream(1, "init")).unwrap();
//! let image = backquery(&model, 1, TargetEncoding::RASHID).unwrap();
//! assert_eq!(image.len(), 4);
//! assert!(image.iter().all(|&v| (0.01..=0.99).contains(&v)));
//! ```

use crate::{Activation, Error, Model, Result, TargetEncoding};
use linalg::{kernels, Elem};

/// The range the book rescales into for the input image: `[0.01, 0.99]`.
pub const INPUT_RANGE: (Elem, Elem) = (0.01, 0.99);

/// The range `[lo, hi]` a layer's output is rescaled into before `f⁻¹` is applied to it:
/// sigmoid `[0.01, 0.99]` (the book's choice, inside the open interval (0, 1)), tanh
/// `[−0.99, 0.99]` (inside (−1, 1)). `None` for identity and leaky ReLU, whose inverse is
/// defined everywhere (the value is kept as is), and for ReLU, which has no inverse.
pub fn valid_range(activation: Activation) -> Option<(Elem, Elem)> {
    match activation {
        Activation::Sigmoid => Some((0.01, 0.99)),
        Activation::Tanh => Some((-0.99, 0.99)),
        Activation::Identity | Activation::Relu | Activation::LeakyRelu(_) => None,
    }
}

/// Rescales `x` linearly so its minimum maps to `lo` and its maximum to `hi`:
/// `x ← (x − min) / (max − min) · (hi − lo) + lo`. When `max − min` is 0 or not finite
/// (a constant vector, or overflow), every value becomes `(lo + hi) / 2`.
pub fn rescale(x: &mut [Elem], lo: Elem, hi: Elem) {
    let min = x.iter().copied().fold(Elem::INFINITY, Elem::min);
    let max = x.iter().copied().fold(Elem::NEG_INFINITY, Elem::max);
    let span = max - min;
    if span > 0.0 && span.is_finite() {
        for v in x.iter_mut() {
            *v = ((*v - min) / span * (hi - lo) + lo).clamp(lo, hi);
        }
    } else {
        x.fill(0.5 * (lo + hi));
    }
}

/// The input-space image of `label`: [`backquery_output`] of the target vector
/// `t_j = targets.on` if `j = label`, `targets.off` otherwise.
///
/// # Errors
/// [`Error::Config`] when `label` is not below the model's outputs, and as
/// [`backquery_output`] (ReLU layers, targets outside the output activation's range).
pub fn backquery(model: &Model, label: usize, targets: TargetEncoding) -> Result<Vec<Elem>> {
    let d = model.d_output();
    if label >= d {
        return Err(Error::Config(format!(
            "backquery of label {label} on a model with {d} outputs"
        )));
    }
    let output: Vec<Elem> = (0..d).map(|j| targets.value(j, label)).collect();
    backquery_output(model, &output)
}

/// Runs `model` backwards from the output vector `output` (see the [module docs](self)) and
/// returns the input-space vector (length `d_input`) rescaled to [`INPUT_RANGE`].
///
/// # Errors
/// [`Error::Shape`] when `output.len()` is not the model's output size; [`Error::Config`] when a
/// layer is ReLU, or when an output value has no finite inverse under the last activation (for
/// sigmoid every value must lie strictly between 0 and 1, so use [`TargetEncoding::RASHID`]
/// rather than [`TargetEncoding::ONE_HOT`]; for tanh strictly between −1 and 1).
pub fn backquery_output(model: &Model, output: &[Elem]) -> Result<Vec<Elem>> {
    if !model.front().is_empty() {
        return Err(Error::Config(
            "backquery runs through dense layers only; this model has convolution stages".into(),
        ));
    }
    if output.len() != model.d_output() {
        return Err(Error::Shape {
            what: "backquery output vector".into(),
            expected: model.d_output(),
            got: output.len(),
        });
    }
    if let Some((i, layer)) = model
        .layers()
        .iter()
        .enumerate()
        .find(|(_, l)| l.activation == Activation::Relu)
    {
        return Err(Error::Config(format!(
            "backquery needs invertible activations, layer {i} is {}",
            layer.activation.name()
        )));
    }
    let mut a = output.to_vec();
    for (l, layer) in model.layers().iter().enumerate().rev() {
        // 1. z = f⁻¹(a) − b.
        let mut z = Vec::with_capacity(a.len());
        for (j, &v) in a.iter().enumerate() {
            let inv = layer
                .activation
                .inverse(v)
                .filter(|z| z.is_finite())
                .ok_or_else(|| {
                    Error::Config(format!(
                        "backquery: {v} (output {j} of layer {l}) has no finite {} inverse",
                        layer.activation.name()
                    ))
                })?;
            z.push(inv - layer.bias.as_ref().map_or(0.0, |b| b[j]));
        }
        // 2. x = zᵀ·W, accumulated row by row of W.
        let mut x = vec![0.0; layer.d_input()];
        for (j, &zj) in z.iter().enumerate() {
            kernels::axpy(zj, layer.weights.row(j), &mut x);
        }
        // 3. Rescale into the range the previous layer's inverse accepts.
        let range = if l == 0 {
            Some(INPUT_RANGE)
        } else {
            valid_range(model.layers()[l - 1].activation)
        };
        if let Some((lo, hi)) = range {
            rescale(&mut x, lo, hi);
        }
        a = x;
    }
    Ok(a)
}
