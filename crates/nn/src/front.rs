//! The convolutional "front" of a model: conv and pooling stages that run before the dense
//! layers (Piczak's ESC-50 CNN is two conv + pool stages followed by dense layers).
//!
//! Every stage maps a batch of flattened `C × H × W` maps to another; the last stage's output
//! row is the dense head's input. The buffers live in the [`crate::Workspace`], sized once.

use crate::conv2d::{Conv2d, Conv2dGrads, Shape3};
use crate::maxpool2d::MaxPool2d;
use crate::{Activation, Error, Result};
use linalg::{Backend, MatRef, Matrix};
use serde::{Deserialize, Serialize};

/// One stage of the front.
#[derive(Debug, Clone, PartialEq)]
pub enum FrontLayer {
    /// A convolution (with its activation).
    Conv2d(Conv2d),
    /// Max pooling.
    MaxPool2d(MaxPool2d),
}

/// Gradients of one front stage: `None` for stages without parameters.
pub type FrontGrads = Option<Conv2dGrads>;

impl FrontLayer {
    /// Input map shape.
    pub fn input_shape(&self) -> Shape3 {
        match self {
            FrontLayer::Conv2d(c) => c.input_shape(),
            FrontLayer::MaxPool2d(p) => p.input_shape(),
        }
    }

    /// Output map shape.
    pub fn output_shape(&self) -> Shape3 {
        match self {
            FrontLayer::Conv2d(c) => c.output_shape(),
            FrontLayer::MaxPool2d(p) => p.output_shape(),
        }
    }

    /// Trainable scalars.
    pub fn num_params(&self) -> usize {
        match self {
            FrontLayer::Conv2d(c) => c.num_params(),
            FrontLayer::MaxPool2d(_) => 0,
        }
    }

    /// Zero gradient buffers.
    pub fn zero_grads(&self) -> FrontGrads {
        match self {
            FrontLayer::Conv2d(c) => Some(c.zero_grads()),
            FrontLayer::MaxPool2d(_) => None,
        }
    }
}

/// Checks that consecutive stages fit and returns the front's output length.
pub(crate) fn check_chain(front: &[FrontLayer]) -> Result<Option<usize>> {
    for (i, pair) in front.windows(2).enumerate() {
        if pair[0].output_shape() != pair[1].input_shape() {
            return Err(Error::Config(format!(
                "front stage {} expects {:?}, stage {i} produces {:?}",
                i + 1,
                pair[1].input_shape(),
                pair[0].output_shape()
            )));
        }
    }
    Ok(front.last().map(|f| f.output_shape().len()))
}

/// Activations, gradients and scratch for the front stages.
#[derive(Debug, Clone, Default)]
pub(crate) struct FrontBuffers {
    acts: Vec<Matrix>,
    deltas: Vec<Matrix>,
    argmax: Vec<Vec<u32>>,
    cols: Vec<Matrix>,
}

impl FrontBuffers {
    pub(crate) fn new(front: &[FrontLayer], max_batch: usize) -> Self {
        let mut b = FrontBuffers::default();
        for stage in front {
            let n = stage.output_shape().len();
            b.acts.push(Matrix::zeros(max_batch, n));
            b.deltas.push(Matrix::zeros(max_batch, n));
            match stage {
                FrontLayer::Conv2d(c) => {
                    let (r, k) = c.col_shape();
                    b.cols.push(Matrix::zeros(r, k));
                    b.argmax.push(Vec::new());
                }
                FrontLayer::MaxPool2d(_) => {
                    b.cols.push(Matrix::zeros(0, 0));
                    b.argmax.push(vec![0; max_batch * n]);
                }
            }
        }
        b
    }

    /// Output of the last stage for the first `rows` samples.
    /// [`Error::Shape`] unless `front` has the stages and output sizes these buffers were made
    /// for.
    pub(crate) fn fits(&self, front: &[FrontLayer]) -> Result<()> {
        if self.acts.len() != front.len() {
            return Err(Error::Shape {
                what: "convolution/pooling stages (model vs trainer buffers)".into(),
                expected: self.acts.len(),
                got: front.len(),
            });
        }
        for (i, (act, stage)) in self.acts.iter().zip(front).enumerate() {
            let n = stage.output_shape().len();
            if act.cols() != n {
                return Err(Error::Shape {
                    what: format!("outputs of stage {} (model vs trainer buffers)", i + 1),
                    expected: act.cols(),
                    got: n,
                });
            }
        }
        Ok(())
    }

    pub(crate) fn output(&self, rows: usize) -> MatRef<'_> {
        self.acts[self.acts.len() - 1].top_rows(rows)
    }

    /// Where the dense head writes `∂L/∂(front output)` for the first `rows` samples.
    pub(crate) fn output_delta(&mut self, rows: usize) -> linalg::MatMut<'_> {
        let last = self.deltas.len() - 1;
        self.deltas[last].top_rows_mut(rows)
    }

    pub(crate) fn forward(&mut self, front: &[FrontLayer], backend: Backend, input: MatRef<'_>) {
        let b = input.rows();
        for (k, stage) in front.iter().enumerate() {
            let (done, rest) = self.acts.split_at_mut(k);
            let x = if k == 0 {
                input
            } else {
                done[k - 1].top_rows(b)
            };
            let out = rest[0].top_rows_mut(b);
            match stage {
                FrontLayer::Conv2d(c) => c.forward(backend, x, out, &mut self.cols[k]),
                FrontLayer::MaxPool2d(p) => p.forward(x, out, &mut self.argmax[k]),
            }
        }
    }

    /// Backward through the stages after the dense head filled [`FrontBuffers::output_delta`]
    /// (`deltas[k]` holds `∂L/∂A_k`, the gradient of stage `k`'s output).
    pub(crate) fn backward(
        &mut self,
        front: &[FrontLayer],
        backend: Backend,
        input: MatRef<'_>,
        grads: &mut [FrontGrads],
    ) {
        let b = input.rows();
        for k in (0..front.len()).rev() {
            let (before, from_k) = self.deltas.split_at_mut(k);
            let x = if k == 0 {
                input
            } else {
                self.acts[k - 1].top_rows(b)
            };
            match &front[k] {
                FrontLayer::Conv2d(c) => {
                    let mut delta = from_k[0].top_rows_mut(b);
                    if c.activation() != Activation::Identity {
                        c.activation()
                            .backward_inplace(delta.reborrow(), self.acts[k].top_rows(b));
                    }
                    let grad = grads[k].as_mut().expect("conv stages have gradients");
                    c.backward_params(backend, x, delta.as_ref(), grad, &mut self.cols[k]);
                    if k > 0 {
                        c.backward_input(
                            backend,
                            delta.as_ref(),
                            before[k - 1].top_rows_mut(b),
                            &mut self.cols[k],
                        );
                    }
                }
                FrontLayer::MaxPool2d(p) => {
                    if k > 0 {
                        p.backward(
                            from_k[0].top_rows(b),
                            &self.argmax[k],
                            before[k - 1].top_rows_mut(b),
                        );
                    }
                }
            }
        }
    }
}

/// How a front stage is stored in model files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub(crate) enum FrontRecord {
    Conv2d {
        config: crate::conv2d::Conv2dConfig,
        weights: Vec<f32>,
        bias: Option<Vec<f32>>,
    },
    MaxPool2d {
        input: Shape3,
        kernel: (usize, usize),
        stride: (usize, usize),
    },
}

impl FrontRecord {
    pub(crate) fn of(stage: &FrontLayer) -> Self {
        match stage {
            FrontLayer::Conv2d(c) => FrontRecord::Conv2d {
                config: *c.config(),
                weights: c.weights.as_slice().to_vec(),
                bias: c.bias.clone(),
            },
            FrontLayer::MaxPool2d(p) => FrontRecord::MaxPool2d {
                input: p.input_shape(),
                kernel: p.kernel(),
                stride: p.stride(),
            },
        }
    }

    pub(crate) fn build(self) -> Result<FrontLayer> {
        Ok(match self {
            FrontRecord::Conv2d {
                config,
                weights,
                bias,
            } => FrontLayer::Conv2d(Conv2d::from_parts(config, weights, bias)?),
            FrontRecord::MaxPool2d {
                input,
                kernel,
                stride,
            } => FrontLayer::MaxPool2d(MaxPool2d::new(input, kernel, stride)?),
        })
    }
}
