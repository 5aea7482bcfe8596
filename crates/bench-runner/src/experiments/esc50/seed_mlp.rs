//! The seed's MLP, shared by `esc50-mlp` and `esc50-downscaled`: sigmoid on every layer
//! including the output, squared error `½‖a − t‖²`, weights and biases `N(0, 1)`, one-hot
//! targets, plain SGD at a constant rate.
//!
//! Two sizes: the seed's README reports `[in, 1024, 512, out]` with batch 64 and lr 100
//! ([`Arch::Readme`], the default); its code has `[in, 256, 128, out]` with batch 256
//! ([`Arch::Code`]). `out` is 10 with `--esc10` and 50 otherwise (the seed always had 50; on
//! ESC-10 the 40 unused outputs would only learn to stay off).
//!
//! Rates follow the mynet family's convention (see `experiments::mynet`): the seed divides its
//! batch over 12 threads in chunks of `⌊B/12⌋` and divides the summed chunk gradients by the
//! chunk count, 13 for both B = 64 (chunks of 5) and B = 256 (chunks of 21), so under
//! `--rate-convention seed` (default) a seed rate `L` is our mean-gradient rate `L/13`:
//! lr 100 trains at 7.69.

use super::cv::TrainPlan;
use crate::common::Context;
use crate::experiments::mynet::{RateConvention, SEED_CHUNKS};
use anyhow::bail;
use nn::optim::{OptimizerConfig, SgdConfig};
use nn::schedule::ScheduleConfig;
use nn::{Activation, Backprop, Init, Loss, Model, TargetEncoding, TrainConfig};
use serde::Serialize;

/// The seed's two network sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// The README's `[in, 1024, 512, out]`, batch 64.
    Readme,
    /// The code's `[in, 256, 128, out]`, batch 256.
    Code,
}

impl Arch {
    /// Hidden layer sizes.
    pub fn hidden(self) -> [usize; 2] {
        match self {
            Arch::Readme => [1024, 512],
            Arch::Code => [256, 128],
        }
    }

    /// The seed's batch size for this size.
    pub fn batch_size(self) -> usize {
        match self {
            Arch::Readme => 64,
            Arch::Code => 256,
        }
    }
}

/// Flags of the seed's MLP.
#[derive(Debug, Clone, clap::Args)]
pub struct MlpArgs {
    /// Network size: `readme` ([in, 1024, 512, out], batch 64) or `code` ([in, 256, 128, out],
    /// batch 256).
    #[arg(long, value_enum, default_value_t = Arch::Readme)]
    pub arch: Arch,
    /// Learning rate, in the --rate-convention.
    #[arg(long, default_value_t = 100.0)]
    pub lr: f32,
    /// How --lr is read: `seed` (divided by --seed-chunks) or `mean` (our mean-gradient rate).
    #[arg(long, value_enum, default_value_t = RateConvention::Seed)]
    pub rate_convention: RateConvention,
    /// The seed's chunk count per batch (the divisor of its summed gradient).
    #[arg(long, default_value_t = SEED_CHUNKS)]
    pub seed_chunks: usize,
    /// Batch size [default: the --arch's, 64 or 256].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Epochs per fold [default: 60; with --quick: 2].
    #[arg(long)]
    pub epochs: Option<usize>,
}

/// The validated MLP settings (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct MlpSettings {
    /// Network size.
    pub arch: Arch,
    /// Hidden layer sizes.
    pub hidden: [usize; 2],
    /// Samples per update.
    pub batch_size: usize,
    /// The rate as given.
    pub lr: f32,
    /// How it was read.
    pub rate_convention: RateConvention,
    /// The seed's chunk count.
    pub seed_chunks: usize,
    /// The rate we train at (mean gradient of a batch).
    pub lr_mean: f64,
    /// Epochs per fold.
    pub epochs: usize,
    /// Every layer's activation.
    pub activation: Activation,
    /// Loss.
    pub loss: Loss,
    /// Weight and bias initialiser.
    pub init: Init,
}

impl MlpArgs {
    /// Validates the flags.
    pub fn settings(&self, quick: bool) -> anyhow::Result<MlpSettings> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            bail!("--lr must be a positive number, got {}", self.lr);
        }
        if self.seed_chunks == 0 {
            bail!("--seed-chunks must be at least 1");
        }
        let batch_size = self.batch_size.unwrap_or(self.arch.batch_size());
        let epochs = self.epochs.unwrap_or(if quick { 2 } else { 60 });
        if batch_size == 0 || epochs == 0 {
            bail!("--batch-size and --epochs must be at least 1");
        }
        let per_unit = match self.rate_convention {
            RateConvention::Seed => 1.0 / self.seed_chunks as f64,
            RateConvention::Mean => 1.0,
        };
        Ok(MlpSettings {
            arch: self.arch,
            hidden: self.arch.hidden(),
            batch_size,
            lr: self.lr,
            rate_convention: self.rate_convention,
            seed_chunks: self.seed_chunks,
            lr_mean: f64::from(self.lr) * per_unit,
            epochs,
            activation: Activation::Sigmoid,
            loss: Loss::Quadratic,
            init: Init::Normal { std: 1.0 },
        })
    }
}

impl MlpSettings {
    /// A fresh network for `inputs` inputs and `classes` outputs.
    pub fn model(
        &self,
        inputs: usize,
        classes: usize,
        rng: &mut nn::rng::Rng,
    ) -> anyhow::Result<Model> {
        Ok(Model::mlp(
            &[inputs, self.hidden[0], self.hidden[1], classes],
            self.activation,
            self.activation,
            true,
            self.init,
            self.init,
            rng,
        )?)
    }

    /// The trainer settings: shuffled epochs, one-hot targets.
    pub fn train_config(&self, ctx: &Context) -> TrainConfig {
        TrainConfig {
            batch_size: self.batch_size,
            shuffle: true,
            backend: ctx.backend,
            loss: self.loss,
            targets: TargetEncoding::ONE_HOT,
            eval_batch_size: self.batch_size.max(64),
            backprop: Backprop::Gradient,
            // Results independent of the thread count (sweeps compare runs made with other counts).
            split_batch: nn::SplitBatch::Never,
        }
    }

    /// Epochs, optimizer and constant rate.
    pub fn plan(&self) -> TrainPlan {
        TrainPlan {
            epochs: self.epochs,
            batch_size: self.batch_size,
            loss: self.loss,
            optimizer: OptimizerConfig::Sgd(SgdConfig::default()),
            schedule: ScheduleConfig::Constant { lr: self.lr_mean },
        }
    }

    /// `"[in, 1024, 512, 10] sigmoid, batch 64, lr 100 (seed) = 7.69"`.
    pub fn describe(&self, classes: usize) -> String {
        format!(
            "[in, {}, {}, {classes}] sigmoid, squared error, N(0,1), batch {}, lr {} ({:?}) = {:.3} \
             per mean gradient, {} epochs",
            self.hidden[0],
            self.hidden[1],
            self.batch_size,
            self.lr,
            self.rate_convention,
            self.lr_mean,
            self.epochs
        )
    }
}
