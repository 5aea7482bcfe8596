//! One training setting of a Nielsen-family experiment: loss, update rule, learning rate and
//! initialisation of a `[784, hidden, 10]` sigmoid network, plus what the seed reported for it.

use nn::optim::{Momentum, SgdConfig, WeightDecay};
use nn::schedule::ScheduleConfig;
use nn::{rng, Activation, Backprop, Init, Loss, Model, TargetEncoding, TrainConfig};
use serde::Serialize;

/// Name of the random stream the initial network is drawn from. Every setting of a run uses it,
/// so settings with the same initialiser start from the *same* network, and the `1/√n_in`
/// initialiser gives that network's weights rescaled (same draws, smaller standard deviation).
pub const INIT_STREAM: &str = "init";

/// Nielsen's `network.py` initialisation: weights and biases `N(0, 1)`.
pub const NORMAL_1: Init = Init::Normal { std: 1.0 };

/// The learning rate over epochs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Rate {
    /// `η` every epoch.
    Constant {
        /// The rate.
        eta: f64,
    },
    /// `η_e = initial·factor^⌊e/every⌋` (epochs `e` from 0).
    StepDecay {
        /// Rate of the first epochs.
        initial: f64,
        /// Multiplier per step.
        factor: f64,
        /// Epochs per step.
        every: usize,
    },
}

impl Rate {
    /// The same schedule with every rate multiplied by `f`.
    pub fn scaled(self, f: f64) -> Self {
        match self {
            Rate::Constant { eta } => Rate::Constant { eta: eta * f },
            Rate::StepDecay {
                initial,
                factor,
                every,
            } => Rate::StepDecay {
                initial: initial * f,
                factor,
                every,
            },
        }
    }

    /// The `nn` schedule description.
    pub fn schedule(self) -> ScheduleConfig {
        match self {
            Rate::Constant { eta } => ScheduleConfig::Constant { lr: eta },
            Rate::StepDecay {
                initial,
                factor,
                every,
            } => ScheduleConfig::StepDecay {
                initial,
                factor,
                every,
            },
        }
    }
}

/// A number the seed published for a setting, e.g. `{percent: 95.0, text: "≈95%"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeedRef {
    /// The accuracy in percent.
    pub percent: f64,
    /// How the seed stated it (with "≈", "max", …).
    pub text: &'static str,
}

/// One setting: everything that differs between the networks of one experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// Short name, used in tables, legends and `metrics.csv` (`sgd`, `B=30`, `lambda=1.5`).
    pub name: String,
    /// The loss (the seeds: quadratic).
    pub loss: Loss,
    /// Samples per update as trained (1 in the seed's per-example mode).
    pub batch_size: usize,
    /// The batch size the seed named (`B`); differs from `batch_size` in per-example mode.
    pub nominal_batch_size: usize,
    /// Learning rate per epoch, as trained (`η/B` in per-example mode).
    pub rate: Rate,
    /// Momentum and weight decay.
    pub optimizer: SgdConfig,
    /// Weight initialiser.
    pub weight_init: Init,
    /// Bias initialiser.
    pub bias_init: Init,
    /// What the seed reported for this setting (60k-train data), if anything.
    pub seed_reported: Option<SeedRef>,
}

impl Setting {
    /// Nielsen's network: quadratic loss, plain SGD at constant `eta`, batch `b`, `N(0, 1)`
    /// weights and biases.
    pub fn nielsen(name: impl Into<String>, b: usize, eta: f64) -> Self {
        Self {
            name: name.into(),
            loss: Loss::Quadratic,
            batch_size: b,
            nominal_batch_size: b,
            rate: Rate::Constant { eta },
            optimizer: SgdConfig::default(),
            weight_init: NORMAL_1,
            bias_init: NORMAL_1,
            seed_reported: None,
        }
    }

    /// With momentum.
    pub fn with_momentum(mut self, momentum: Momentum) -> Self {
        self.optimizer.momentum = momentum;
        self
    }

    /// With weight decay.
    pub fn with_weight_decay(mut self, weight_decay: WeightDecay) -> Self {
        self.optimizer.weight_decay = weight_decay;
        self
    }

    /// With a learning-rate schedule.
    pub fn with_rate(mut self, rate: Rate) -> Self {
        self.rate = rate;
        self
    }

    /// With another loss.
    pub fn with_loss(mut self, loss: Loss) -> Self {
        self.loss = loss;
        self
    }

    /// With another weight initialiser.
    pub fn with_weight_init(mut self, init: Init) -> Self {
        self.weight_init = init;
        self
    }

    /// With the seed's published number.
    pub fn with_seed(mut self, percent: f64, text: &'static str) -> Self {
        self.seed_reported = Some(SeedRef { percent, text });
        self
    }

    /// The seed's per-example mode: one update per sample with step `η/B`, i.e. batch size 1
    /// and every rate divided by the nominal `B`.
    pub fn per_example(mut self) -> Self {
        self.rate = self.rate.scaled(1.0 / self.nominal_batch_size as f64);
        self.batch_size = 1;
        self
    }

    /// The initial network over `sizes`, drawn from stream [`INIT_STREAM`] of `seed`.
    pub fn init_model(&self, sizes: &[usize], seed: u64) -> anyhow::Result<Model> {
        Ok(Model::mlp(
            sizes,
            Activation::Sigmoid,
            Activation::Sigmoid,
            true,
            self.weight_init,
            self.bias_init,
            &mut rng::stream(seed, INIT_STREAM),
        )?)
    }

    /// Trainer settings: reshuffle every epoch, one-hot targets, true gradient.
    pub fn train_config(&self, backend: linalg::Backend) -> TrainConfig {
        TrainConfig {
            batch_size: self.batch_size,
            shuffle: true,
            backend,
            loss: self.loss,
            targets: TargetEncoding::ONE_HOT,
            eval_batch_size: 1000,
            backprop: Backprop::Gradient,
            // Results independent of the thread count (sweeps compare runs made with other counts).
            split_batch: nn::SplitBatch::Never,
        }
    }
}

/// Validates a list of positive values given by a flag (non-empty, finite, no repeats).
pub fn check_positive_list(flag: &str, values: &[f64]) -> anyhow::Result<()> {
    anyhow::ensure!(!values.is_empty(), "{flag} needs at least one value");
    for (i, &v) in values.iter().enumerate() {
        anyhow::ensure!(
            v.is_finite() && v > 0.0,
            "{flag}: {v} is not a positive number"
        );
        anyhow::ensure!(!values[..i].contains(&v), "{flag} lists {v} twice");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_example_mode_divides_the_rate_by_the_named_batch() {
        let s = Setting::nielsen("sgd", 10, 2.5)
            .with_rate(Rate::StepDecay {
                initial: 2.5,
                factor: 0.5,
                every: 10,
            })
            .per_example();
        assert_eq!((s.batch_size, s.nominal_batch_size), (1, 10));
        assert_eq!(
            s.rate,
            Rate::StepDecay {
                initial: 0.25,
                factor: 0.5,
                every: 10
            }
        );
    }

    #[test]
    fn fan_in_init_rescales_the_same_draws() {
        let plain = Setting::nielsen("a", 10, 1.0);
        let fan_in = plain.clone().with_weight_init(Init::NormalFanIn);
        let (a, b) = (
            plain.init_model(&[784, 30, 10], 7).unwrap(),
            fan_in.init_model(&[784, 30, 10], 7).unwrap(),
        );
        let (wa, wb) = (
            a.layers()[0].weights.as_slice(),
            b.layers()[0].weights.as_slice(),
        );
        for (x, y) in wa.iter().zip(wb).take(100) {
            assert!((x / 28.0 - y).abs() < 1e-5, "{x} / 28 vs {y}");
        }
        assert_eq!(a.layers()[1].bias, b.layers()[1].bias);
    }

    #[test]
    fn checks_lists() {
        assert!(check_positive_list("--x", &[0.1, 2.0]).is_ok());
        assert!(check_positive_list("--x", &[]).is_err());
        assert!(check_positive_list("--x", &[0.1, 0.1]).is_err());
        assert!(check_positive_list("--x", &[f64::NAN]).is_err());
        assert!(check_positive_list("--x", &[-1.0]).is_err());
    }
}
