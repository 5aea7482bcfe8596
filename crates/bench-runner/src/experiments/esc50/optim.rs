//! A stop-gap for models with convolution stages: `nn`'s Adam and momentum SGD size their state
//! buffers from the dense layers only (`optim/state.rs`, `param_lens`), while
//! `Model::visit_params_mut` also visits the convolution weights, so their first step indexes
//! past the buffers and panics. Until `nn` sizes them with `Model::param_sizes`, CNN runs use
//! this optimizer, which applies the same formulas (Adam with bias correction, Nesterov or
//! classic momentum, decoupled weight decay on weights only) with buffers for every parameter
//! slice. Models without a front, and plain SGD, use `nn`'s optimizers unchanged.

use nn::optim::{AdamConfig, Momentum, Optimizer, OptimizerConfig, SgdConfig, WeightDecay};
use nn::{Grads, Model, ParamRole};

/// Builds the optimizer `config` describes for `model`.
///
/// # Errors
/// An invalid configuration, or (for models with a front) L2 weight decay, which needs the
/// training-set size and is not offered here.
pub fn build(config: &OptimizerConfig, model: &Model) -> anyhow::Result<Box<dyn Optimizer + Send>> {
    let needs_workaround = !model.front().is_empty()
        && !matches!(
            config,
            OptimizerConfig::Sgd(SgdConfig {
                momentum: Momentum::None,
                ..
            })
        );
    if !needs_workaround {
        return Ok(config.build(model)?);
    }
    Ok(Box::new(FrontOptimizer::new(config, model)?))
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    Adam { beta1: f32, beta2: f32, eps: f32 },
    Momentum { mu: f32, nesterov: bool },
}

/// Adam or momentum SGD with one state buffer per parameter slice (`a`: first moment or
/// velocity; `b`: second moment).
struct FrontOptimizer {
    rule: Rule,
    decay: f32,
    step: u64,
    a: Vec<Vec<f32>>,
    b: Vec<Vec<f32>>,
}

impl FrontOptimizer {
    /// The optimizer `config` describes, with state for every parameter slice of `model`.
    fn new(config: &OptimizerConfig, model: &Model) -> anyhow::Result<Self> {
        config.validate()?;
        let (rule, decay) = match *config {
            OptimizerConfig::Adam(AdamConfig {
                beta1,
                beta2,
                eps,
                weight_decay,
            }) => (Rule::Adam { beta1, beta2, eps }, weight_decay),
            OptimizerConfig::Sgd(SgdConfig {
                momentum,
                weight_decay,
            }) => {
                let (mu, nesterov) = match momentum {
                    Momentum::Classic { mu } => (mu, false),
                    Momentum::Nesterov { mu } => (mu, true),
                    Momentum::None => anyhow::bail!("plain SGD needs no stop-gap"),
                };
                (Rule::Momentum { mu, nesterov }, weight_decay)
            }
        };
        let decay = match decay {
            WeightDecay::None => 0.0,
            WeightDecay::Decoupled { rate } => rate,
            WeightDecay::L2 { .. } => anyhow::bail!("L2 weight decay is not offered for CNNs"),
        };
        let buffers = || -> Vec<Vec<f32>> {
            model
                .param_sizes()
                .into_iter()
                .map(|n| vec![0.0; n])
                .collect()
        };
        Ok(Self {
            rule,
            decay,
            step: 0,
            a: buffers(),
            b: buffers(),
        })
    }
}

impl Optimizer for FrontOptimizer {
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> bool {
        self.step += 1;
        let t = self.step as f64;
        let (rule, decay) = (self.rule, self.decay);
        let (a, b) = (&mut self.a, &mut self.b);
        let mut k = 0;
        let mut finite = true;
        model.visit_params_mut(grads, |role, p, g| {
            if decay > 0.0 && role == ParamRole::Weight {
                let factor = 1.0 - lr * decay;
                p.iter_mut().for_each(|x| *x *= factor);
            }
            let (ak, bk) = (&mut a[k], &mut b[k]);
            k += 1;
            assert_eq!(ak.len(), p.len(), "optimizer state sized for another model");
            match rule {
                Rule::Adam { beta1, beta2, eps } => {
                    let bc1 = (1.0 - f64::from(beta1).powf(t)) as f32;
                    let bc2 = (1.0 - f64::from(beta2).powf(t)) as f32;
                    for (((pi, &gi), mi), vi) in p.iter_mut().zip(g).zip(ak.iter_mut()).zip(bk) {
                        *mi = beta1 * *mi + (1.0 - beta1) * gi;
                        *vi = beta2 * *vi + (1.0 - beta2) * gi * gi;
                        *pi -= lr * (*mi / bc1) / ((*vi / bc2).sqrt() + eps);
                        finite &= pi.is_finite();
                    }
                }
                Rule::Momentum { mu, nesterov } => {
                    for ((pi, &gi), vi) in p.iter_mut().zip(g).zip(ak.iter_mut()) {
                        *vi = mu * *vi + gi;
                        *pi -= lr * if nesterov { gi + mu * *vi } else { *vi };
                        finite &= pi.is_finite();
                    }
                }
            }
        });
        finite
    }

    fn describe(&self) -> String {
        match self.rule {
            Rule::Adam { beta1, beta2, eps } => format!(
                "adam(beta1={beta1}, beta2={beta2}, eps={eps}, decay={}) [esc50 stop-gap]",
                self.decay
            ),
            Rule::Momentum { mu, nesterov } => format!(
                "sgd({}={mu}, decay={}) [esc50 stop-gap]",
                if nesterov { "nesterov" } else { "momentum" },
                self.decay
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn::conv2d::{Conv2dConfig, Shape3};
    use nn::front::FrontLayer;
    use nn::DenseConfig;

    fn models() -> (Model, Model) {
        let mut rng = nn::rng::stream(1, "test");
        let conv = Conv2dConfig::new(Shape3::new(1, 4, 4), 2, (3, 3))
            .init(&mut rng)
            .unwrap();
        let dense = DenseConfig::new(8, 3).init(&mut rng);
        let cnn = Model::with_front(vec![FrontLayer::Conv2d(conv)], vec![dense.clone()]).unwrap();
        (cnn, Model::new(vec![dense]).unwrap())
    }

    /// On a dense-only model the stop-gap's formulas match `nn`'s optimizers exactly.
    #[test]
    fn matches_nn_on_dense_models() {
        let (cnn, mlp) = models();
        let mut grads = mlp.zero_grads();
        for (i, v) in grads.layers[0]
            .weights
            .as_mut_slice()
            .iter_mut()
            .enumerate()
        {
            *v = (i as f32 * 0.37).sin();
        }
        for config in [
            OptimizerConfig::Adam(AdamConfig {
                weight_decay: WeightDecay::Decoupled { rate: 0.1 },
                ..AdamConfig::default()
            }),
            OptimizerConfig::Sgd(SgdConfig {
                momentum: Momentum::Nesterov { mu: 0.9 },
                weight_decay: WeightDecay::None,
            }),
        ] {
            assert!(build(&config, &cnn)
                .unwrap()
                .describe()
                .contains("stop-gap"));
            let (mut ours, mut theirs) = (mlp.clone(), mlp.clone());
            let mut a = FrontOptimizer::new(&config, &mlp).unwrap();
            let mut b = config.build(&mlp).unwrap();
            for _ in 0..3 {
                a.step(&mut ours, &grads, 0.01);
                b.step(&mut theirs, &grads, 0.01);
            }
            assert_eq!(ours, theirs, "{config:?}");
        }
    }

    /// On a CNN every parameter slice, convolution included, gets its own state and moves.
    #[test]
    fn steps_convolution_weights() {
        let (cnn, _) = models();
        let mut g = cnn.zero_grads();
        g.front[0]
            .as_mut()
            .unwrap()
            .weights
            .as_mut_slice()
            .fill(1.0);
        let config = OptimizerConfig::Adam(AdamConfig::default());
        let mut opt = build(&config, &cnn).unwrap();
        let mut after = cnn.clone();
        opt.step(&mut after, &g, 0.1);
        let (FrontLayer::Conv2d(c0), FrontLayer::Conv2d(c1)) = (&cnn.front()[0], &after.front()[0])
        else {
            unreachable!()
        };
        for (a, b) in c0.weights.as_slice().iter().zip(c1.weights.as_slice()) {
            assert!(
                (a - 0.1 - b).abs() < 1e-5,
                "Adam's first step is lr·sign(g)"
            );
        }
    }
}
