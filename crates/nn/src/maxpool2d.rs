//! 2-D max pooling over windows of each channel.
//!
//! `Y[c, oy, ox] = max over the window (oy·sh .. oy·sh + kh, ox·sw .. ox·sw + kw) of X[c, ·, ·]`;
//! windows that run past the edge are cut off (PyTorch's `ceil_mode=False` drops them instead:
//! here `H' = (H − kh)/sh + 1`, the same). Backward routes each output gradient to the input
//! position that held the maximum (the first one on ties).
//!
//! # Shapes
//! input `batch × (C·H·W)`, output `batch × (C·H'·W')`.

use crate::conv2d::Shape3;
use crate::{Error, Result};
use linalg::{MatMut, MatRef};
use serde::{Deserialize, Serialize};

/// A max-pooling layer (no parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxPool2d {
    input: Shape3,
    kernel: (usize, usize),
    stride: (usize, usize),
}

impl MaxPool2d {
    /// Pooling of `input` with window `kernel` and step `stride`.
    ///
    /// # Errors
    /// [`Error::Config`] for zero sizes or a window larger than the input.
    pub fn new(input: Shape3, kernel: (usize, usize), stride: (usize, usize)) -> Result<Self> {
        if input.is_empty() || kernel.0 == 0 || kernel.1 == 0 || stride.0 == 0 || stride.1 == 0 {
            return Err(Error::Config(format!(
                "maxpool2d: zero size (input {input:?}, kernel {kernel:?}, stride {stride:?})"
            )));
        }
        if kernel.0 > input.height || kernel.1 > input.width {
            return Err(Error::Config(format!(
                "maxpool2d: window {kernel:?} larger than the {}x{} input",
                input.height, input.width
            )));
        }
        Ok(Self {
            input,
            kernel,
            stride,
        })
    }

    /// Input shape.
    pub fn input_shape(&self) -> Shape3 {
        self.input
    }

    /// Output shape.
    pub fn output_shape(&self) -> Shape3 {
        Shape3::new(
            self.input.channels,
            (self.input.height - self.kernel.0) / self.stride.0 + 1,
            (self.input.width - self.kernel.1) / self.stride.1 + 1,
        )
    }

    /// Window `(height, width)`.
    pub fn kernel(&self) -> (usize, usize) {
        self.kernel
    }

    /// Step `(vertical, horizontal)`.
    pub fn stride(&self) -> (usize, usize) {
        self.stride
    }

    /// Pools every sample; `argmax` (batch × output length) receives each maximum's input index.
    ///
    /// # Panics
    /// When shapes do not fit.
    pub fn forward(&self, input: MatRef<'_>, mut out: MatMut<'_>, argmax: &mut [u32]) {
        let (i, o) = (self.input, self.output_shape());
        assert_eq!(input.cols(), i.len(), "maxpool2d input width");
        assert_eq!(out.cols(), o.len(), "maxpool2d output width");
        assert!(
            argmax.len() >= input.rows() * o.len(),
            "maxpool2d argmax buffer"
        );
        for s in 0..input.rows() {
            let x = input.row(s);
            let (y, idx) = (out.row_mut(s), &mut argmax[s * o.len()..(s + 1) * o.len()]);
            for c in 0..o.channels {
                for oy in 0..o.height {
                    for ox in 0..o.width {
                        let first =
                            (c * i.height + oy * self.stride.0) * i.width + ox * self.stride.1;
                        let mut best = (x[first], first);
                        for dy in 0..self.kernel.0 {
                            let row = first + dy * i.width;
                            for (k, &v) in x[row..row + self.kernel.1].iter().enumerate() {
                                if v > best.0 {
                                    best = (v, row + k);
                                }
                            }
                        }
                        let j = (c * o.height + oy) * o.width + ox;
                        y[j] = best.0;
                        idx[j] = best.1 as u32;
                    }
                }
            }
        }
    }

    /// Routes `∂L/∂Y` to the winning inputs: `dx` (batch × input length) is overwritten.
    pub fn backward(&self, delta: MatRef<'_>, argmax: &[u32], mut dx: MatMut<'_>) {
        let o = self.output_shape().len();
        for s in 0..delta.rows() {
            let row = dx.row_mut(s);
            row.fill(0.0);
            for (&d, &k) in delta.row(s).iter().zip(&argmax[s * o..(s + 1) * o]) {
                row[k as usize] += d;
            }
        }
    }
}
