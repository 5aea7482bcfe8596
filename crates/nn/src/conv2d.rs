//! 2-D convolution by im2col + GEMM, so it runs on every `linalg` backend.
//!
//! Per sample, with input `X` of shape `C × H × W` (channel-major, flattened in a batch row):
//! `col = im2col(X)` is `(C·kh·kw) × (H'·W')`, `Z = W·col + b·1ᵀ` is `C' × (H'·W')`, `A = f(Z)`,
//! where `H' = (H + 2·ph − kh)/sh + 1` and `W' = (W + 2·pw − kw)/sw + 1`.
//!
//! Backward, given `Δ = ∂L/∂Z` per sample: `∂L/∂W = Σ_samples Δ·colᵀ`, `∂L/∂b = Σ Δ` over
//! positions and samples, `∂L/∂X = col2im(Wᵀ·Δ)`.
//!
//! # Shapes
//! - input: `batch × (C·H·W)`; weights: `C' × (C·kh·kw)` (PyTorch's `Conv2d.weight` flattened);
//!   bias: `C'`; output: `batch × (C'·H'·W')`.

use crate::{Activation, Error, Init, Result};
use linalg::{gemm, Backend, MatMut, MatRef, Matrix, Transpose};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A `channels × height × width` feature-map shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shape3 {
    /// Channels.
    pub channels: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

impl Shape3 {
    /// A shape.
    pub const fn new(channels: usize, height: usize, width: usize) -> Self {
        Self {
            channels,
            height,
            width,
        }
    }

    /// `channels · height · width`.
    pub const fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// True when any dimension is 0.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Configuration of a [`Conv2d`] layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Conv2dConfig {
    /// Input feature-map shape.
    pub input: Shape3,
    /// Output channels (filters).
    pub out_channels: usize,
    /// Kernel `(height, width)`.
    pub kernel: (usize, usize),
    /// Stride `(vertical, horizontal)`.
    pub stride: (usize, usize),
    /// Zero padding `(rows, columns)` on each side.
    pub padding: (usize, usize),
    /// Activation after the convolution.
    pub activation: Activation,
    /// Weight initialiser (fan-in `C·kh·kw`, fan-out `C'·kh·kw`).
    pub weight_init: Init,
    /// Whether the layer has one bias per output channel.
    pub bias: bool,
}

impl Conv2dConfig {
    /// A stride-1, unpadded ReLU convolution with He initialisation and bias.
    pub fn new(input: Shape3, out_channels: usize, kernel: (usize, usize)) -> Self {
        Self {
            input,
            out_channels,
            kernel,
            stride: (1, 1),
            padding: (0, 0),
            activation: Activation::Relu,
            weight_init: Init::He,
            bias: true,
        }
    }

    /// The output shape, or why the configuration is impossible.
    ///
    /// # Errors
    /// [`Error::Config`] for zero sizes or strides, or a kernel larger than the padded input.
    pub fn output(&self) -> Result<Shape3> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let (ph, pw) = self.padding;
        let i = self.input;
        if i.is_empty() || self.out_channels == 0 || kh == 0 || kw == 0 || sh == 0 || sw == 0 {
            return Err(Error::Config(format!("conv2d: zero size in {self:?}")));
        }
        if kh > i.height + 2 * ph || kw > i.width + 2 * pw {
            return Err(Error::Config(format!(
                "conv2d: kernel {kh}x{kw} larger than the padded {}x{} input",
                i.height + 2 * ph,
                i.width + 2 * pw
            )));
        }
        Ok(Shape3::new(
            self.out_channels,
            (i.height + 2 * ph - kh) / sh + 1,
            (i.width + 2 * pw - kw) / sw + 1,
        ))
    }

    /// Builds the layer, drawing the weights from `rng`; the bias starts at zero.
    ///
    /// # Errors
    /// As [`Conv2dConfig::output`], or an invalid initialiser.
    pub fn init<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Conv2d> {
        let output = self.output()?;
        self.weight_init.validate().map_err(Error::Config)?;
        let k = self.input.channels * self.kernel.0 * self.kernel.1;
        let mut weights = Matrix::zeros(self.out_channels, k);
        self.weight_init.fill(
            weights.as_mut_slice(),
            k,
            self.out_channels * self.kernel.0 * self.kernel.1,
            rng,
        );
        Ok(Conv2d {
            config: *self,
            output,
            weights,
            bias: self.bias.then(|| vec![0.0; self.out_channels]),
        })
    }
}

/// A 2-D convolution layer with its parameters. See the module docs for the formulas.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d {
    config: Conv2dConfig,
    output: Shape3,
    /// `C' × (C·kh·kw)`.
    pub weights: Matrix,
    /// One per output channel, when the layer has a bias.
    pub bias: Option<Vec<f32>>,
}

/// Gradients of a [`Conv2d`]'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2dGrads {
    /// `∂L/∂W`, shaped like the weights.
    pub weights: Matrix,
    /// `∂L/∂b`, when the layer has a bias.
    pub bias: Option<Vec<f32>>,
}

impl Conv2d {
    /// Rebuilds a layer from saved parameters, checking their sizes.
    ///
    /// # Errors
    /// [`Error::Config`] for an impossible configuration or wrongly sized parameters.
    pub fn from_parts(
        config: Conv2dConfig,
        weights: Vec<f32>,
        bias: Option<Vec<f32>>,
    ) -> Result<Self> {
        let output = config.output()?;
        let k = config.input.channels * config.kernel.0 * config.kernel.1;
        let weights = Matrix::from_vec(config.out_channels, k, weights).map_err(|_| {
            Error::Config(format!(
                "conv2d weights must hold {}x{k} values",
                config.out_channels
            ))
        })?;
        if bias
            .as_ref()
            .is_some_and(|b| b.len() != config.out_channels)
            || bias.is_some() != config.bias
        {
            return Err(Error::Config(format!(
                "conv2d bias must be {} values (bias = {})",
                config.out_channels, config.bias
            )));
        }
        Ok(Self {
            config,
            output,
            weights,
            bias,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Conv2dConfig {
        &self.config
    }

    /// Input shape.
    pub fn input_shape(&self) -> Shape3 {
        self.config.input
    }

    /// Output shape.
    pub fn output_shape(&self) -> Shape3 {
        self.output
    }

    /// The activation.
    pub fn activation(&self) -> Activation {
        self.config.activation
    }

    /// Rows and columns of the im2col matrix: `(C·kh·kw, H'·W')`.
    pub fn col_shape(&self) -> (usize, usize) {
        (self.weights.cols(), self.output.height * self.output.width)
    }

    /// Zero-filled gradient buffers.
    pub fn zero_grads(&self) -> Conv2dGrads {
        Conv2dGrads {
            weights: Matrix::zeros(self.weights.rows(), self.weights.cols()),
            bias: self.bias.as_ref().map(|b| vec![0.0; b.len()]),
        }
    }

    /// Number of trainable scalars.
    pub fn num_params(&self) -> usize {
        self.weights.as_slice().len() + self.bias.as_ref().map_or(0, Vec::len)
    }

    /// Unfolds one sample into `col` (`(C·kh·kw) × (H'·W')`, zero where the window is padding).
    fn im2col(&self, x: &[f32], col: &mut [f32]) {
        let (i, o) = (self.config.input, self.output);
        let (kh, kw) = self.config.kernel;
        let (sh, sw) = self.config.stride;
        let (ph, pw) = self.config.padding;
        let p = o.height * o.width;
        for c in 0..i.channels {
            for dy in 0..kh {
                for dx in 0..kw {
                    let row = &mut col[((c * kh + dy) * kw + dx) * p..][..p];
                    for oy in 0..o.height {
                        let y = (oy * sh + dy) as isize - ph as isize;
                        let dst = &mut row[oy * o.width..(oy + 1) * o.width];
                        if y < 0 || y >= i.height as isize {
                            dst.fill(0.0);
                            continue;
                        }
                        let src = &x[(c * i.height + y as usize) * i.width..][..i.width];
                        for (ox, d) in dst.iter_mut().enumerate() {
                            let xx = (ox * sw + dx) as isize - pw as isize;
                            *d = if xx < 0 || xx >= i.width as isize {
                                0.0
                            } else {
                                src[xx as usize]
                            };
                        }
                    }
                }
            }
        }
    }

    /// Adds `col` (`(C·kh·kw) × (H'·W')`) back onto one sample's input gradient `dx`.
    fn col2im_add(&self, col: &[f32], dx: &mut [f32]) {
        let (i, o) = (self.config.input, self.output);
        let (kh, kw) = self.config.kernel;
        let (sh, sw) = self.config.stride;
        let (ph, pw) = self.config.padding;
        let p = o.height * o.width;
        for c in 0..i.channels {
            for dy in 0..kh {
                for dx_ in 0..kw {
                    let row = &col[((c * kh + dy) * kw + dx_) * p..][..p];
                    for oy in 0..o.height {
                        let y = (oy * sh + dy) as isize - ph as isize;
                        if y < 0 || y >= i.height as isize {
                            continue;
                        }
                        let dst = &mut dx[(c * i.height + y as usize) * i.width..][..i.width];
                        for ox in 0..o.width {
                            let xx = (ox * sw + dx_) as isize - pw as isize;
                            if xx >= 0 && (xx as usize) < i.width {
                                dst[xx as usize] += row[oy * o.width + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /// `out ← f(conv(X) + b)` for every sample; `col` is scratch of [`Conv2d::col_shape`].
    ///
    /// # Panics
    /// When the shapes do not fit.
    pub fn forward(
        &self,
        backend: Backend,
        input: MatRef<'_>,
        mut out: MatMut<'_>,
        col: &mut Matrix,
    ) {
        assert_eq!(input.cols(), self.config.input.len(), "conv2d input width");
        assert_eq!(out.cols(), self.output.len(), "conv2d output width");
        assert_eq!(col.shape(), self.col_shape(), "conv2d scratch");
        let p = self.output.height * self.output.width;
        for s in 0..input.rows() {
            self.im2col(input.row(s), col.as_mut_slice());
            let z = MatMut::from_slice(self.output.channels, p, out.row_mut(s))
                .expect("row holds C'·H'·W'");
            gemm(
                backend,
                1.0,
                self.weights.view(),
                Transpose::No,
                col.view(),
                Transpose::No,
                0.0,
                z,
            );
            let row = out.row_mut(s);
            if let Some(b) = &self.bias {
                for (chunk, &bc) in row.chunks_exact_mut(p).zip(b) {
                    chunk.iter_mut().for_each(|v| *v += bc);
                }
            }
            let act = self.config.activation;
            if act != Activation::Identity {
                row.iter_mut().for_each(|v| *v = act.apply(*v));
            }
        }
    }

    /// Parameter gradients from `Δ = ∂L/∂Z` (overwritten): `dW = Σ Δ·colᵀ`, `db = Σ Δ`.
    pub fn backward_params(
        &self,
        backend: Backend,
        input: MatRef<'_>,
        delta: MatRef<'_>,
        grad: &mut Conv2dGrads,
        col: &mut Matrix,
    ) {
        let p = self.output.height * self.output.width;
        grad.weights.fill(0.0);
        if let Some(db) = &mut grad.bias {
            db.fill(0.0);
        }
        for s in 0..input.rows() {
            self.im2col(input.row(s), col.as_mut_slice());
            let d = MatRef::from_slice(self.output.channels, p, delta.row(s))
                .expect("row holds C'·H'·W'");
            gemm(
                backend,
                1.0,
                d,
                Transpose::No,
                col.view(),
                Transpose::Yes,
                1.0,
                grad.weights.view_mut(),
            );
            if let Some(db) = &mut grad.bias {
                for (g, chunk) in db.iter_mut().zip(delta.row(s).chunks_exact(p)) {
                    *g += chunk.iter().sum::<f32>();
                }
            }
        }
    }

    /// Input gradient `∂L/∂X = col2im(Wᵀ·Δ)` (before the previous layer's activation
    /// derivative); `col` is scratch of [`Conv2d::col_shape`].
    pub fn backward_input(
        &self,
        backend: Backend,
        delta: MatRef<'_>,
        mut out: MatMut<'_>,
        col: &mut Matrix,
    ) {
        let p = self.output.height * self.output.width;
        for s in 0..delta.rows() {
            let d = MatRef::from_slice(self.output.channels, p, delta.row(s))
                .expect("row holds C'·H'·W'");
            gemm(
                backend,
                1.0,
                self.weights.view(),
                Transpose::Yes,
                d,
                Transpose::No,
                0.0,
                col.view_mut(),
            );
            let dx = out.row_mut(s);
            dx.fill(0.0);
            self.col2im_add(col.as_slice(), dx);
        }
    }
}
