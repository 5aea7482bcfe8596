//! A serialisable choice of optimizer, for run configurations.

use super::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use crate::{Model, Result};
use serde::{Deserialize, Serialize};

/// Which optimizer to build and its settings, as stored in a run's `config.json`:
/// `{"kind": "sgd", "momentum": {"kind": "nesterov", "mu": 0.9}}` or
/// `{"kind": "adam", "beta1": 0.9, "weight_decay": {"kind": "decoupled", "rate": 0.01}}`.
/// Missing fields take their defaults. The default is plain SGD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OptimizerConfig {
    /// [`Sgd`]: `θ ← θ − η·g` with optional momentum and weight decay.
    Sgd(SgdConfig),
    /// [`Adam`]: `θ ← θ − η·m̂/(√v̂ + ε)`; AdamW with decoupled decay.
    Adam(AdamConfig),
}

impl Default for OptimizerConfig {
    /// Plain SGD.
    fn default() -> Self {
        OptimizerConfig::Sgd(SgdConfig::default())
    }
}

impl From<SgdConfig> for OptimizerConfig {
    fn from(config: SgdConfig) -> Self {
        OptimizerConfig::Sgd(config)
    }
}

impl From<AdamConfig> for OptimizerConfig {
    fn from(config: AdamConfig) -> Self {
        OptimizerConfig::Adam(config)
    }
}

impl OptimizerConfig {
    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the bad value.
    pub fn validate(&self) -> Result<()> {
        match self {
            OptimizerConfig::Sgd(c) => c.validate(),
            OptimizerConfig::Adam(c) => c.validate(),
        }
    }

    /// The optimizer, with its state already allocated for `model` (so even the first step
    /// allocates nothing).
    ///
    /// # Errors
    /// As [`OptimizerConfig::validate`].
    pub fn build(&self, model: &Model) -> Result<Box<dyn Optimizer + Send>> {
        self.validate()?;
        Ok(match *self {
            OptimizerConfig::Sgd(c) => {
                let mut sgd = Sgd::new(c);
                sgd.reset(model);
                Box::new(sgd)
            }
            OptimizerConfig::Adam(c) => {
                let mut adam = Adam::new(c);
                adam.reset(model);
                Box::new(adam)
            }
        })
    }
}
