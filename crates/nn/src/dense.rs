//! The fully connected layer.
//!
//! `Z = X·Wᵀ + 1·bᵀ`, `A = f(Z)`.
//!
//! # Shapes
//! - input `X`: `batch × d_input` (one sample per row)
//! - weights `W`: `d_output × d_input` (the PyTorch `nn.Linear` layout)
//! - bias `b`: `d_output` (optional)
//! - output `A`: `batch × d_output`
//!
//! Backward, given `Δ = ∂L/∂Z` (`batch × d_output`):
//! `∂L/∂W = Δᵀ·X`, `∂L/∂b = Σ_rows Δ`, `∂L/∂X = Δ·W`.

use crate::{Activation, Init};
use linalg::{gemm, kernels, Backend, Elem, MatMut, MatRef, Matrix, Transpose};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Configuration of a [`Dense`] layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DenseConfig {
    /// Inputs per sample.
    pub d_input: usize,
    /// Outputs per sample.
    pub d_output: usize,
    /// Whether the layer has a bias vector.
    pub bias: bool,
    /// The activation applied to `Z`.
    pub activation: Activation,
    /// Initialiser of the weights.
    pub weight_init: Init,
    /// Initialiser of the bias.
    pub bias_init: Init,
}

impl DenseConfig {
    /// A layer with bias, sigmoid activation, `N(0, 1/n_in)` weights and zero bias.
    pub fn new(d_input: usize, d_output: usize) -> Self {
        Self {
            d_input,
            d_output,
            bias: true,
            activation: Activation::Sigmoid,
            weight_init: Init::NormalFanIn,
            bias_init: Init::Zeros,
        }
    }

    /// Sets the activation.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Sets whether the layer has a bias.
    pub fn with_bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// Sets the weight initialiser.
    pub fn with_weight_init(mut self, init: Init) -> Self {
        self.weight_init = init;
        self
    }

    /// Sets the bias initialiser.
    pub fn with_bias_init(mut self, init: Init) -> Self {
        self.bias_init = init;
        self
    }

    /// Builds the layer, drawing the initial parameters from `rng`.
    pub fn init<R: Rng + ?Sized>(&self, rng: &mut R) -> Dense {
        let mut weights = Matrix::zeros(self.d_output, self.d_input);
        self.weight_init
            .fill(weights.as_mut_slice(), self.d_input, self.d_output, rng);
        let bias = self.bias.then(|| {
            let mut b = vec![0.0; self.d_output];
            self.bias_init
                .fill(&mut b, self.d_input, self.d_output, rng);
            b
        });
        Dense {
            weights,
            bias,
            activation: self.activation,
        }
    }
}

/// A fully connected layer with its parameters: `A = f(X·Wᵀ + b)`, `W` of shape
/// `d_output × d_input` (the PyTorch `nn.Linear` layout), samples as rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// `d_output × d_input`.
    pub weights: Matrix,
    /// `d_output` entries, when the layer has a bias.
    pub bias: Option<Vec<f32>>,
    /// Applied after the affine map.
    pub activation: Activation,
}

impl Dense {
    /// Inputs per sample.
    pub fn d_input(&self) -> usize {
        self.weights.cols()
    }

    /// Outputs per sample.
    pub fn d_output(&self) -> usize {
        self.weights.rows()
    }

    /// Number of trainable scalars.
    pub fn num_params(&self) -> usize {
        self.weights.as_slice().len() + self.bias.as_ref().map_or(0, Vec::len)
    }

    /// `out ← f(X·Wᵀ + b)`.
    pub fn forward(&self, backend: Backend, input: MatRef<'_>, mut out: MatMut<'_>) {
        gemm(
            backend,
            1.0,
            input,
            Transpose::No,
            self.weights.view(),
            Transpose::Yes,
            0.0,
            out.reborrow(),
        );
        // Bias and activation in one pass over each row (the row stays in L1 between the two).
        for i in 0..out.rows() {
            self.finish_row(out.row_mut(i));
        }
    }

    /// `a ← f(z + b)` in place for one sample's `z = W·x`.
    pub(crate) fn finish_row(&self, z: &mut [Elem]) {
        self.finish_outputs(self.bias.as_deref(), z);
    }

    /// `a ← f(z + b)` in place for one sample's outputs of some of the layer's rows, `bias`
    /// being those rows' entries of `b`.
    pub(crate) fn finish_outputs(&self, bias: Option<&[Elem]>, z: &mut [Elem]) {
        if let Some(b) = bias {
            for (zj, &bj) in z.iter_mut().zip(b) {
                *zj += bj;
            }
        }
        self.activation.forward_slice(z);
    }

    /// Parameter gradients from `Δ = ∂L/∂Z`: `dW ← Δᵀ·X`, `db ← Σ_rows Δ` (overwritten).
    pub fn backward_params(
        &self,
        backend: Backend,
        input: MatRef<'_>,
        delta: MatRef<'_>,
        grad: &mut DenseGrads,
    ) {
        param_grads_into(
            backend,
            input,
            delta,
            0.0,
            grad.weights.view_mut(),
            grad.bias.as_deref_mut(),
        );
    }

    /// Input gradient `∂L/∂X ← Δ·W` (before the previous layer's activation derivative).
    pub fn backward_input(&self, backend: Backend, delta: MatRef<'_>, out: MatMut<'_>) {
        gemm(
            backend,
            1.0,
            delta,
            Transpose::No,
            self.weights.view(),
            Transpose::No,
            0.0,
            out,
        );
    }

    /// Zero-filled gradient buffers shaped like this layer's parameters.
    pub fn zero_grads(&self) -> DenseGrads {
        DenseGrads {
            weights: Matrix::zeros(self.d_output(), self.d_input()),
            bias: self.bias.as_ref().map(|b| vec![0.0; b.len()]),
        }
    }
}

/// `dW ← Δᵀ·X + β·dW` and `db ← Σ_rows Δ + β·db` for the outputs `delta` has columns for
/// (all of a layer's, or a window of them when a batch's gradients are split by rows of `dW`).
pub(crate) fn param_grads_into(
    backend: Backend,
    input: MatRef<'_>,
    delta: MatRef<'_>,
    beta: Elem,
    dw: MatMut<'_>,
    db: Option<&mut [Elem]>,
) {
    gemm(
        backend,
        1.0,
        delta,
        Transpose::Yes,
        input,
        Transpose::No,
        beta,
        dw,
    );
    if let Some(db) = db {
        kernels::column_sums(delta, beta, db);
    }
}

/// Columns of `X` per product in [`sgd_into`] on the pure backend: `matrixmultiply` packs the
/// whole `k × n` operand into a buffer it allocates on every call, and at `n = 784` (401 KB for a
/// 128-sample part) the freed buffers grew a thread's malloc arena by about 3 MB; in blocks of
/// 256 columns a `mynet` run at 2 threads peaks 3.6 MB lower.
const SGD_COLUMN_BLOCK: usize = 256;

/// Elements of a block of weight rows that plain SGD straight into the weights updates at once
/// (256 KB: the block stays in L2 between the product and its finiteness check).
const SGD_BLOCK_ELEMS: usize = 1 << 16;

/// Rows per block of a plain-SGD update of rows of `cols` weights ([`SGD_BLOCK_ELEMS`], at
/// least 8).
pub(crate) fn sgd_block_rows(cols: usize) -> usize {
    (SGD_BLOCK_ELEMS / cols.max(1)).max(8)
}

/// `W ← W − η·Δᵀ·X` straight from the product (plain SGD without a gradient matrix) for the rows
/// of `W` that `delta` has columns for; on the pure backend in blocks of [`SGD_COLUMN_BLOCK`]
/// columns.
pub(crate) fn sgd_into(
    backend: Backend,
    lr: Elem,
    delta: MatRef<'_>,
    input: MatRef<'_>,
    mut w: MatMut<'_>,
) {
    let cols = input.cols();
    let block = if backend == Backend::Pure {
        SGD_COLUMN_BLOCK
    } else {
        cols.max(1)
    };
    let mut c0 = 0;
    while c0 < cols {
        let n = (cols - c0).min(block);
        let x = MatRef::new(input.rows(), n, input.stride(), &input.data()[c0..])
            .expect("a column block of the input");
        let (rows, stride) = (w.rows(), w.stride());
        let w_cols = MatMut::new(rows, n, stride, &mut w.data_mut()[c0..])
            .expect("a column block of the weights");
        gemm(
            backend,
            -lr,
            delta,
            Transpose::Yes,
            x,
            Transpose::No,
            1.0,
            w_cols,
        );
        c0 += n;
    }
}

/// Gradients of one [`Dense`] layer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseGrads {
    /// `∂L/∂W`, `d_output × d_input`.
    pub weights: Matrix,
    /// `∂L/∂b`, when the layer has a bias.
    pub bias: Option<Vec<f32>>,
}
