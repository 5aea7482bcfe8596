//! A feed-forward stack of layers, with forward and backward passes on reusable buffers.

use crate::front::{self, FrontBuffers, FrontGrads, FrontLayer};
use crate::{
    Activation, Dense, DenseConfig, DenseGrads, Error, Init, Loss, Result, TargetEncoding,
};
use linalg::{Backend, Elem, MatMut, MatRef, Matrix};
use rand::Rng;

/// An ordered stack of [`Dense`] layers, optionally after convolution/pooling stages
/// ([`Model::with_front`]). It owns only its parameters: gradients live in
/// [`Grads`], activations in a [`Workspace`], optimizer state in the optimizer.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Convolution and pooling stages before the dense layers (empty for an MLP).
    front: Vec<FrontLayer>,
    layers: Vec<Dense>,
    /// Dropout probability on each layer's output (0 = none; always 0 for the last layer).
    dropout: Vec<f32>,
}

/// How errors travel backwards through the layers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Backprop {
    /// Backpropagation of the true gradient: `δ_L = ∂L/∂a_L ⊙ f'(a_L)`,
    /// `δ_{l−1} = (δ_l·W_l) ⊙ f'(a_{l−1})`, `∂L/∂W_l = δ_lᵀ·a_{l−1}`.
    #[default]
    Gradient,
    /// The rule of *Make your own neural network* (Rashid): the *raw* error travels back,
    /// `e_L = ∂L/∂a_L`, `e_{l−1} = e_l·W_l`, and each layer updates with
    /// `ΔW_l ∝ (e_l ⊙ f'(a_l))ᵀ·a_{l−1}`. It differs from [`Backprop::Gradient`] by leaving out the
    /// activation derivatives of the layers above when propagating; for sigmoid outputs this makes
    /// hidden-layer steps about 4× or more larger. Only defined with [`Loss::Quadratic`].
    RawError,
}

/// Where a parameter slice sits, so optimizers can treat weights and biases differently
/// (L2 regularisation applies to weights only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamRole {
    /// A weight matrix.
    Weight,
    /// A bias vector.
    Bias,
}

impl Model {
    /// Wraps layers, checking that each layer's input size is the previous one's output size.
    ///
    /// # Errors
    /// [`Error::Shape`] on a size mismatch, [`Error::Config`] for an empty stack.
    pub fn new(layers: Vec<Dense>) -> Result<Self> {
        if layers.is_empty() {
            return Err(Error::Config("a model needs at least one layer".into()));
        }
        for (i, pair) in layers.windows(2).enumerate() {
            if pair[0].d_output() != pair[1].d_input() {
                return Err(Error::Shape {
                    what: format!("input size of layer {}", i + 1),
                    expected: pair[0].d_output(),
                    got: pair[1].d_input(),
                });
            }
        }
        let dropout = vec![0.0; layers.len()];
        Ok(Self {
            front: Vec::new(),
            layers,
            dropout,
        })
    }

    /// A model whose dense `layers` follow convolution/pooling stages: the last stage's
    /// flattened output (`C·H·W`) must be the first dense layer's input size.
    ///
    /// # Errors
    /// [`Error::Config`] when consecutive stages do not fit, as [`Model::new`] otherwise.
    pub fn with_front(front: Vec<FrontLayer>, layers: Vec<Dense>) -> Result<Self> {
        let mut model = Self::new(layers)?;
        if let Some(n) = front::check_chain(&front)? {
            if n != model.layers[0].d_input() {
                return Err(Error::Shape {
                    what: "first dense layer input (front output)".into(),
                    expected: n,
                    got: model.layers[0].d_input(),
                });
            }
        }
        model.front = front;
        Ok(model)
    }

    /// The convolution/pooling stages before the dense layers.
    pub fn front(&self) -> &[FrontLayer] {
        &self.front
    }

    /// The front stages, mutably (shapes must not change).
    pub fn front_mut(&mut self) -> &mut [FrontLayer] {
        &mut self.front
    }

    /// Sets inverted dropout on the output of hidden layer `layer`: during training each output
    /// is zeroed with probability `p` and the survivors are scaled by `1/(1 − p)`, so evaluation
    /// (which applies no dropout) sees the same expected activation.
    ///
    /// # Errors
    /// [`Error::Config`] when `p` is not in `[0, 1)` or `layer` is not a hidden layer.
    pub fn set_dropout(&mut self, layer: usize, p: f32) -> Result<()> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::Config(format!(
                "dropout probability must be in [0, 1), got {p}"
            )));
        }
        if layer + 1 >= self.layers.len() {
            return Err(Error::Config(format!(
                "dropout applies to hidden layers 0..{}, not layer {layer}",
                self.layers.len().saturating_sub(1)
            )));
        }
        self.dropout[layer] = p;
        Ok(())
    }

    /// Dropout probability of each layer's output.
    pub fn dropout(&self) -> &[f32] {
        &self.dropout
    }

    /// True when any layer has dropout.
    pub fn has_dropout(&self) -> bool {
        self.dropout.iter().any(|&p| p > 0.0)
    }

    /// Builds and initialises layers from their configurations.
    ///
    /// # Errors
    /// As [`Model::new`], or [`Error::Config`] for an invalid initialiser.
    pub fn from_configs<R: Rng + ?Sized>(configs: &[DenseConfig], rng: &mut R) -> Result<Self> {
        for c in configs {
            c.weight_init.validate().map_err(Error::Config)?;
            c.bias_init.validate().map_err(Error::Config)?;
        }
        Self::new(configs.iter().map(|c| c.init(rng)).collect())
    }

    /// A multilayer perceptron over `sizes` (e.g. `[784, 100, 10]`): `hidden` activation on every
    /// layer but the last, `output` on the last; the same bias setting and initialisers for all.
    ///
    /// # Errors
    /// As [`Model::from_configs`]; fewer than two sizes is a [`Error::Config`].
    pub fn mlp<R: Rng + ?Sized>(
        sizes: &[usize],
        hidden: Activation,
        output: Activation,
        bias: bool,
        weight_init: Init,
        bias_init: Init,
        rng: &mut R,
    ) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::Config(format!(
                "an MLP needs at least two non-zero sizes, got {sizes:?}"
            )));
        }
        let last = sizes.len() - 2;
        let configs: Vec<DenseConfig> = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| DenseConfig {
                d_input: w[0],
                d_output: w[1],
                bias,
                activation: if i == last { output } else { hidden },
                weight_init,
                bias_init,
            })
            .collect();
        Self::from_configs(&configs, rng)
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// The layers, mutably (shapes must not change).
    pub fn layers_mut(&mut self) -> &mut [Dense] {
        &mut self.layers
    }

    /// Inputs per sample (of the first front stage when there is one).
    pub fn d_input(&self) -> usize {
        self.front
            .first()
            .map_or(self.layers[0].d_input(), |f| f.input_shape().len())
    }

    /// Outputs per sample.
    pub fn d_output(&self) -> usize {
        self.layers[self.layers.len() - 1].d_output()
    }

    /// The activation of the last layer.
    pub fn output_activation(&self) -> Activation {
        self.layers[self.layers.len() - 1].activation
    }

    /// Sizes of the dense layers `[d_input, d_1, …, d_output]` (for a model with a front,
    /// `d_input` is the front's output length).
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.layers[0].d_input())
            .chain(self.layers.iter().map(Dense::d_output))
            .collect()
    }

    /// Number of trainable scalars.
    pub fn num_params(&self) -> usize {
        self.front.iter().map(FrontLayer::num_params).sum::<usize>()
            + self.layers.iter().map(Dense::num_params).sum::<usize>()
    }

    /// Zero-filled gradient buffers for this model (allocate once, reuse every step).
    pub fn zero_grads(&self) -> Grads {
        Grads {
            front: self.front.iter().map(FrontLayer::zero_grads).collect(),
            layers: self.layers.iter().map(Dense::zero_grads).collect(),
        }
    }

    /// Forward pass (evaluation mode: no dropout) of the first `input.rows()` samples; returns
    /// the output rows.
    ///
    /// # Panics
    /// When the batch is larger than the workspace or the input width is not `d_input`.
    pub fn forward<'w>(
        &self,
        backend: Backend,
        ws: &'w mut Workspace,
        input: MatRef<'_>,
    ) -> MatRef<'w> {
        self.forward_impl::<crate::rng::Rng>(backend, ws, input, None)
    }

    /// Forward pass in training mode: as [`Model::forward`], plus dropout masks drawn from `rng`
    /// and kept in the workspace for the backward pass.
    pub fn forward_train<'w, R: Rng + ?Sized>(
        &self,
        backend: Backend,
        ws: &'w mut Workspace,
        input: MatRef<'_>,
        rng: &mut R,
    ) -> MatRef<'w> {
        self.forward_impl(backend, ws, input, Some(rng))
    }

    fn forward_impl<'w, R: Rng + ?Sized>(
        &self,
        backend: Backend,
        ws: &'w mut Workspace,
        input: MatRef<'_>,
        mut rng: Option<&mut R>,
    ) -> MatRef<'w> {
        let b = input.rows();
        assert!(
            b <= ws.max_batch,
            "batch of {b} in a workspace for {}",
            ws.max_batch
        );
        assert_eq!(input.cols(), self.d_input(), "input width");
        assert_eq!(
            ws.masks.len(),
            self.layers.len(),
            "workspace built for another model"
        );
        if !self.front.is_empty() {
            ws.front.forward(&self.front, backend, input);
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let (done, rest) = ws.acts.split_at_mut(l);
            let x = match l {
                0 if self.front.is_empty() => input,
                0 => ws.front.output(b),
                _ => done[l - 1].top_rows(b),
            };
            let out = &mut rest[0];
            layer.forward(backend, x, out.top_rows_mut(b));
            let mask = &mut ws.masks[l];
            mask.active = false;
            let p = self.dropout[l];
            if let Some(rng) = rng.as_deref_mut().filter(|_| p > 0.0) {
                let n = b * out.cols();
                mask.draw(p, n, rng);
                for (a, &s) in out.as_mut_slice()[..n].iter_mut().zip(&mask.scale) {
                    *a *= s;
                }
            }
        }
        ws.acts[self.layers.len() - 1].top_rows(b)
    }

    /// Backward pass after [`Model::forward`] on the same `input` and
    /// [`Model::output_delta`]: fills `grads` (overwriting them) by true backpropagation.
    pub fn backward(
        &self,
        backend: Backend,
        ws: &mut Workspace,
        input: MatRef<'_>,
        grads: &mut Grads,
    ) {
        self.backward_with(backend, ws, input, grads, Backprop::Gradient);
    }

    /// Backward pass under the given rule, after [`Model::output_delta_with`] with the same rule.
    pub fn backward_with(
        &self,
        backend: Backend,
        ws: &mut Workspace,
        input: MatRef<'_>,
        grads: &mut Grads,
        rule: Backprop,
    ) {
        if rule == Backprop::RawError {
            self.backward_raw_error(backend, ws, input, grads);
            return;
        }
        let b = input.rows();
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let delta = ws.deltas[l].top_rows(b);
            let x = match l {
                0 if self.front.is_empty() => input,
                0 => ws.front.output(b),
                _ => ws.acts[l - 1].top_rows(b),
            };
            layer.backward_params(backend, x, delta, &mut grads.layers[l]);
            if l == 0 && !self.front.is_empty() {
                layer.backward_input(backend, delta, ws.front.output_delta(b));
                ws.front
                    .backward(&self.front, backend, input, &mut grads.front);
            }
            if l > 0 {
                self.delta_to_previous(backend, ws, l, b);
            }
        }
    }

    /// `δ_{l−1} ← (δ_l·W_l) ⊙ f'(a_{l−1})` for the first `b` samples of the workspace.
    fn delta_to_previous(&self, backend: Backend, ws: &mut Workspace, l: usize, b: usize) {
        let (before, from_l) = ws.deltas.split_at_mut(l);
        let mut prev = before[l - 1].top_rows_mut(b);
        self.layers[l].backward_input(backend, from_l[0].top_rows(b), prev.reborrow());
        self.activation_backward(l - 1, prev, ws.acts[l - 1].top_rows(b), &ws.masks[l - 1]);
    }

    /// Dense layers only, no dropout: what a split batch ([`Model::part_forward_deltas`]) and
    /// the fused per-sample step need (each thread or step runs plain dense passes).
    pub(crate) fn dense_without_dropout(&self) -> bool {
        self.front.is_empty() && !self.has_dropout()
    }

    /// The per-sample half of a training step for `input`, the samples `labels` of a batch of
    /// `batch`: forward pass, `δ` of the mean batch loss at the output
    /// ([`Loss::output_delta_of_part`]) and every layer's `δ` back to the first — all but the
    /// parameter gradients, which sum over the whole batch.
    /// Returns the summed loss of these samples. Only for [`Model::dense_without_dropout`] models.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn part_forward_deltas(
        &self,
        backend: Backend,
        ws: &mut Workspace,
        input: MatRef<'_>,
        labels: &[usize],
        loss: Loss,
        enc: TargetEncoding,
        batch: usize,
    ) -> f64 {
        debug_assert!(self.dense_without_dropout());
        let b = input.rows();
        self.forward(backend, ws, input);
        let last = self.layers.len() - 1;
        let total = loss.output_delta_of_part(
            self.output_activation(),
            ws.acts[last].top_rows(b),
            labels,
            enc,
            batch,
            ws.deltas[last].top_rows_mut(b),
        );
        self.deltas_with(backend, ws, b, Backprop::Gradient);
        total
    }

    /// Every layer's `δ` from the output's (written by [`Model::output_delta_with`] under the
    /// same rule) for the first `b` samples of the workspace: all of the backward pass but the
    /// parameter gradients. Dense models only.
    pub(crate) fn deltas_with(
        &self,
        backend: Backend,
        ws: &mut Workspace,
        b: usize,
        rule: Backprop,
    ) {
        debug_assert!(self.front.is_empty());
        match rule {
            Backprop::Gradient => {
                for l in (1..self.layers.len()).rev() {
                    self.delta_to_previous(backend, ws, l, b);
                }
            }
            Backprop::RawError => self.raw_error_deltas(backend, ws, b),
        }
    }

    /// `δ ← δ ⊙ f'(a)` for layer `l`, through its dropout mask when one was drawn: with the
    /// stored output `ã = a·s` (`s` = 0 or `1/(1 − p)`), `∂L/∂z = ∂L/∂ã · s · f'(ã/s)`.
    fn activation_backward(
        &self,
        l: usize,
        mut delta: MatMut<'_>,
        output: MatRef<'_>,
        mask: &DropoutMask,
    ) {
        let act = self.layers[l].activation;
        if !mask.active {
            act.backward_inplace(delta, output);
            return;
        }
        let cols = output.cols();
        for i in 0..output.rows() {
            let scales = &mask.scale[i * cols..(i + 1) * cols];
            for ((d, &a), &s) in delta.row_mut(i).iter_mut().zip(output.row(i)).zip(scales) {
                *d = if s == 0.0 {
                    0.0
                } else {
                    *d * s * act.derivative_from_output(a / s)
                };
            }
        }
    }

    /// [`Backprop::RawError`]: `deltas[l]` holds the raw error `e_l`; propagate it first, then turn
    /// it into `e_l ⊙ f'(a_l)` for the parameter gradients.
    fn backward_raw_error(
        &self,
        backend: Backend,
        ws: &mut Workspace,
        input: MatRef<'_>,
        grads: &mut Grads,
    ) {
        assert!(
            self.front.is_empty(),
            "the raw-error rule is defined for dense models only"
        );
        let b = input.rows();
        self.raw_error_deltas(backend, ws, b);
        for (l, layer) in self.layers.iter().enumerate() {
            let x = if l == 0 {
                input
            } else {
                ws.acts[l - 1].top_rows(b)
            };
            layer.backward_params(backend, x, ws.deltas[l].top_rows(b), &mut grads.layers[l]);
        }
    }

    /// The raw error's way back: from the top, `e_{l−1} ← e_l·W_l`, then `δ_l ← e_l ⊙ f'(a_l)` in
    /// place, for the first `b` samples.
    fn raw_error_deltas(&self, backend: Backend, ws: &mut Workspace, b: usize) {
        for l in (0..self.layers.len()).rev() {
            let (before, from_l) = ws.deltas.split_at_mut(l);
            if l > 0 {
                self.layers[l].backward_input(
                    backend,
                    from_l[0].top_rows(b),
                    before[l - 1].top_rows_mut(b),
                );
            }
            self.activation_backward(
                l,
                from_l[0].top_rows_mut(b),
                ws.acts[l].top_rows(b),
                &ws.masks[l],
            );
        }
    }

    /// Writes the loss gradient `∂L/∂Z` of the last layer for the last forward pass into the
    /// workspace and returns the summed loss of the batch.
    pub fn output_delta(
        &self,
        ws: &mut Workspace,
        labels: &[usize],
        loss: Loss,
        enc: TargetEncoding,
    ) -> f64 {
        self.output_delta_with(ws, labels, loss, enc, Backprop::Gradient)
    }

    /// As [`Model::output_delta`]; under [`Backprop::RawError`] it writes the raw error
    /// `∂L/∂a` of the output instead (the activation derivative is applied in the backward pass).
    pub fn output_delta_with(
        &self,
        ws: &mut Workspace,
        labels: &[usize],
        loss: Loss,
        enc: TargetEncoding,
        rule: Backprop,
    ) -> f64 {
        let last = self.layers.len() - 1;
        let b = labels.len();
        let activation = match rule {
            Backprop::Gradient => self.output_activation(),
            Backprop::RawError => Activation::Identity,
        };
        loss.output_delta(
            activation,
            ws.acts[last].top_rows(b),
            labels,
            enc,
            ws.deltas[last].top_rows_mut(b),
        )
    }

    /// Visits every parameter slice with its gradient, in a fixed order (layer by layer,
    /// weights then bias). Optimizers keep their state in the same order.
    pub fn visit_params_mut(
        &mut self,
        grads: &Grads,
        mut f: impl FnMut(ParamRole, &mut [f32], &[f32]),
    ) {
        for (stage, g) in self.front.iter_mut().zip(&grads.front) {
            if let (FrontLayer::Conv2d(c), Some(g)) = (stage, g) {
                f(
                    ParamRole::Weight,
                    c.weights.as_mut_slice(),
                    g.weights.as_slice(),
                );
                if let (Some(b), Some(gb)) = (&mut c.bias, &g.bias) {
                    f(ParamRole::Bias, b, gb);
                }
            }
        }
        for (layer, g) in self.layers.iter_mut().zip(&grads.layers) {
            f(
                ParamRole::Weight,
                layer.weights.as_mut_slice(),
                g.weights.as_slice(),
            );
            if let (Some(b), Some(gb)) = (&mut layer.bias, &g.bias) {
                f(ParamRole::Bias, b, gb);
            }
        }
    }

    /// Sizes of the parameter slices in [`Model::visit_params_mut`] order.
    pub fn param_sizes(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for stage in &self.front {
            if let FrontLayer::Conv2d(c) = stage {
                out.push(c.weights.as_slice().len());
                if let Some(b) = &c.bias {
                    out.push(b.len());
                }
            }
        }
        for layer in &self.layers {
            out.push(layer.weights.as_slice().len());
            if let Some(b) = &layer.bias {
                out.push(b.len());
            }
        }
        out
    }
}

/// Parameter gradients of a [`Model`], allocated once by [`Model::zero_grads`].
#[derive(Debug, Clone, PartialEq)]
pub struct Grads {
    /// One entry per front stage (`None` for stages without parameters).
    pub front: Vec<FrontGrads>,
    /// One entry per dense layer.
    pub layers: Vec<DenseGrads>,
}

/// Activation and gradient buffers for batches of up to `max_batch` samples, so the training
/// loop allocates nothing.
#[derive(Debug, Clone)]
pub struct Workspace {
    max_batch: usize,
    acts: Vec<Matrix>,
    deltas: Vec<Matrix>,
    masks: Vec<DropoutMask>,
    front: FrontBuffers,
}

/// The dropout scales of one layer for the last training forward pass.
#[derive(Debug, Clone, Default)]
struct DropoutMask {
    /// Whether the last forward pass drew this mask.
    active: bool,
    /// Per output: 0 (dropped) or `1/(1 − p)` (kept), row-major like the activations.
    scale: Vec<f32>,
}

impl DropoutMask {
    /// Draws `len` scales for drop probability `p` (buffer allocated once, at workspace size).
    fn draw<R: Rng + ?Sized>(&mut self, p: f32, len: usize, rng: &mut R) {
        let keep = 1.0 / (1.0 - p);
        for s in &mut self.scale[..len] {
            *s = if rng.random::<f32>() < p { 0.0 } else { keep };
        }
        self.active = true;
    }
}

impl Workspace {
    /// Buffers for `model` and batches of up to `max_batch` samples.
    pub fn new(model: &Model, max_batch: usize) -> Self {
        let max_batch = max_batch.max(1);
        let shapes = model.layers.iter().map(|l| (max_batch, l.d_output()));
        let masks = model
            .layers
            .iter()
            .zip(&model.dropout)
            .map(|(l, &p)| DropoutMask {
                active: false,
                scale: if p > 0.0 {
                    vec![1.0; max_batch * l.d_output()]
                } else {
                    Vec::new()
                },
            })
            .collect();
        Self {
            max_batch,
            acts: shapes.clone().map(|(r, c)| Matrix::zeros(r, c)).collect(),
            deltas: shapes.map(|(r, c)| Matrix::zeros(r, c)).collect(),
            masks,
            front: FrontBuffers::new(&model.front, max_batch),
        }
    }

    /// Checks that `model` is the architecture these buffers were made for (layer and front
    /// output sizes, dropout buffers), so a model from elsewhere (a checkpoint, say) gives an
    /// error instead of out-of-bounds writes.
    ///
    /// # Errors
    /// [`Error::Shape`] naming the first layer that differs.
    pub fn fits(&self, model: &Model) -> Result<()> {
        let shape = |what: String, expected: usize, got: usize| {
            if expected == got {
                Ok(())
            } else {
                Err(Error::Shape {
                    what,
                    expected,
                    got,
                })
            }
        };
        shape(
            "dense layers (model vs trainer buffers)".into(),
            self.acts.len(),
            model.layers.len(),
        )?;
        for (i, (act, layer)) in self.acts.iter().zip(&model.layers).enumerate() {
            shape(
                format!(
                    "outputs of dense layer {} (model vs trainer buffers)",
                    i + 1
                ),
                act.cols(),
                layer.d_output(),
            )?;
        }
        for (i, (mask, &p)) in self.masks.iter().zip(&model.dropout).enumerate() {
            if p > 0.0 && mask.scale.len() < self.max_batch * model.layers[i].d_output() {
                return Err(Error::Config(format!(
                    "dropout on dense layer {} was set after the trainer was built; build the \
                     trainer for the model as it is",
                    i + 1
                )));
            }
        }
        self.front.fits(&model.front)
    }

    /// The largest batch the buffers hold.
    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    /// `δ = ∂L/∂Z` of layer `l` for the first `rows` samples of the last backward pass.
    pub(crate) fn delta(&self, l: usize, rows: usize) -> MatRef<'_> {
        self.deltas[l].top_rows(rows)
    }

    /// Output of layer `l` for the first `rows` samples of the last forward pass.
    pub fn activation(&self, l: usize, rows: usize) -> MatRef<'_> {
        self.acts[l].top_rows(rows)
    }

    /// The first sample's output of layer `l − 1` (the input of layer `l`, `l ≥ 1`) and its
    /// output of layer `l`, to be written.
    pub(crate) fn layer_io(&mut self, l: usize) -> (&[Elem], &mut [Elem]) {
        let (done, rest) = self.acts.split_at_mut(l);
        (done[l - 1].row(0), rest[0].row_mut(0))
    }

    /// The first sample's output of layer `l`, to be written.
    pub(crate) fn output_mut(&mut self, l: usize) -> &mut [Elem] {
        self.acts[l].row_mut(0)
    }
}
