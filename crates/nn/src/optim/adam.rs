//! Adam (Kingma & Ba, 2015) with bias correction; with decoupled weight decay it is AdamW.

use super::state::{check_buffers, check_grads, check_pair, zeroed_buffers};
use super::{Optimizer, OptimizerState, WeightDecay};
use crate::{Error, Grads, Model, Result};
use linalg::kernels;
use serde::{Deserialize, Serialize};

/// Settings of [`Adam`]. The default is the paper's `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`, no
/// decay; missing fields deserialise to these defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdamConfig {
    /// Decay rate `β₁ ∈ [0, 1)` of the first moment (mean of the gradient).
    pub beta1: f32,
    /// Decay rate `β₂ ∈ [0, 1)` of the second moment (mean of the squared gradient).
    pub beta2: f32,
    /// `ε > 0` added to `√v̂` in the denominator.
    pub eps: f32,
    /// Weight decay: [`WeightDecay::Decoupled`] makes this AdamW; [`WeightDecay::L2`] adds the
    /// penalty gradient before the moments (the original, coupled form).
    pub weight_decay: WeightDecay,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: WeightDecay::None,
        }
    }
}

impl AdamConfig {
    /// Checks every hyperparameter: `β₁, β₂ ∈ [0, 1)`, finite `ε > 0`, valid decay.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value.
    pub fn validate(&self) -> Result<()> {
        for (name, beta) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(Error::Config(format!(
                    "adam needs 0 <= {name} < 1, got {beta}"
                )));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::Config(format!(
                "adam needs a finite eps > 0, got {}",
                self.eps
            )));
        }
        self.weight_decay.validate()
    }
}

/// Adam with bias correction. At step `t = 1, 2, …`, for every parameter `θ` with gradient `g`:
///
/// `m ← β₁·m + (1−β₁)·g`, `v ← β₂·v + (1−β₂)·g²`, `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`,
/// `θ ← θ − η·m̂/(√v̂ + ε)`.
///
/// The first step therefore moves every parameter by about `η·sign(g)`. The moment buffers are
/// allocated at the first step (or by [`Adam::reset`]) and reused afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    config: AdamConfig,
    /// Steps taken, `t`.
    step: u64,
    /// First moments per parameter slice; empty until allocated.
    m: Vec<Vec<f32>>,
    /// Second moments per parameter slice; same sizes as `m`.
    v: Vec<Vec<f32>>,
}

impl Default for Adam {
    /// Adam with [`AdamConfig::default`].
    fn default() -> Self {
        Self::new(AdamConfig::default())
    }
}

impl Adam {
    /// Adam with the given settings; state is allocated at the first step.
    ///
    /// # Panics
    /// When the configuration is invalid (see [`AdamConfig::validate`]).
    pub fn new(config: AdamConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("{e}");
        }
        Self {
            config,
            step: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }

    /// Steps taken so far (`t` of the last bias correction).
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Allocates (or re-zeroes) both moments for `model` now and sets `t = 0`.
    pub fn reset(&mut self, model: &Model) {
        self.step = 0;
        self.m = zeroed_buffers(model);
        self.v = zeroed_buffers(model);
    }

    /// One update, as [`Optimizer::step`], checking shapes before touching any parameter or `t`;
    /// returns whether every parameter is finite afterwards.
    ///
    /// # Errors
    /// [`Error::Shape`] when `grads` do not fit `model`, or when the model's parameter sizes
    /// differ from those the moments were allocated for.
    pub fn try_step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> Result<bool> {
        check_grads(model, grads)?;
        if self.m.is_empty() {
            self.reset(model);
        } else {
            check_buffers(model, &self.m, "adam moments")?;
        }
        self.step += 1;
        let AdamConfig {
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.config;
        let t = self.step as f64;
        let bc1 = (1.0 - f64::from(beta1).powf(t)) as f32;
        let bc2 = (1.0 - f64::from(beta2).powf(t)) as f32;
        let (ms, vs) = (&mut self.m, &mut self.v);
        let mut k = 0;
        let mut finite = true;
        model.visit_params_mut(grads, |role, p, g| {
            if let Some(factor) = weight_decay.decoupled_factor(role, lr) {
                kernels::scale(factor, p);
            }
            let l2 = weight_decay.l2_coefficient(role);
            let (m, v) = (&mut ms[k], &mut vs[k]);
            k += 1;
            for (((pi, &gi), mi), vi) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let gi = gi + l2 * *pi;
                *mi = beta1 * *mi + (1.0 - beta1) * gi;
                *vi = beta2 * *vi + (1.0 - beta2) * gi * gi;
                let (m_hat, v_hat) = (*mi / bc1, *vi / bc2);
                *pi -= lr * m_hat / (v_hat.sqrt() + eps);
                finite &= pi.is_finite();
            }
        });
        Ok(finite)
    }
}

impl Optimizer for Adam {
    /// # Panics
    /// When `grads` do not fit `model` or the model changed since the moments were allocated
    /// (see [`Adam::try_step`]).
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> bool {
        self.try_step(model, grads, lr)
            .unwrap_or_else(|e| panic!("Adam::step: {e}"))
    }

    /// E.g. `adam(beta1=0.9, beta2=0.999, eps=1e-8)`, or `adamw(…, decay=0.01)` with decoupled
    /// decay.
    fn describe(&self) -> String {
        let AdamConfig {
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.config;
        let name = match weight_decay {
            WeightDecay::Decoupled { .. } => "adamw",
            _ => "adam",
        };
        let decay = match weight_decay {
            WeightDecay::None => String::new(),
            wd => format!(", {wd}"),
        };
        format!("{name}(beta1={beta1}, beta2={beta2}, eps={eps:e}{decay})")
    }

    fn state(&self) -> Option<OptimizerState> {
        Some(OptimizerState::Adam {
            step: self.step,
            m: self.m.clone(),
            v: self.v.clone(),
        })
    }

    fn load_state(&mut self, state: &OptimizerState) -> Result<()> {
        let OptimizerState::Adam { step, m, v } = state else {
            return Err(Error::Config(format!(
                "adam cannot load a {} state",
                state.kind()
            )));
        };
        check_pair(m, v, "adam second moment vs first moment")?;
        if m.is_empty() && *step != 0 {
            return Err(Error::Config(format!(
                "adam state claims {step} steps but has no moment buffers"
            )));
        }
        self.step = *step;
        self.m.clone_from(m);
        self.v.clone_from(v);
        Ok(())
    }
}
