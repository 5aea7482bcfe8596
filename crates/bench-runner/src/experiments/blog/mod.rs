//! The blog *Building and training a custom neural network*: sigmoid hidden layers, a softmax
//! output and the cross-entropy loss, first on a two-dimensional synthetic problem
//! ([`synthetic`], with the blog's worked one-step example, [`worked_example`]), then on MNIST
//! ([`mnist`]).
//!
//! Our networks end in an identity layer whose outputs are the logits, with the softmax folded
//! into [`Loss::SoftmaxCrossEntropy`]; that is the blog's "softmax layer + cross-entropy" with
//! the combined, numerically stable gradient `p − t`. Losses are means over the batch, so a
//! learning rate here multiplies the mean gradient (see [`mnist`] for the blog's summed-loss
//! rates). A first Ctrl-C stops training after the current epoch and still writes the results.

pub mod mnist;
mod mnist_report;
pub mod mnist_run;
pub mod synthetic;
pub mod worked_example;

use crate::common::{CommonArgs, Context};
use nn::{Activation, Backprop, Init, Loss, Model, TargetEncoding, TrainConfig};
use serde::Serialize;

/// The blog subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Blog "custom neural network": 2-3-2 sigmoid/softmax on x ~ N(0, I₂), label xᵀAx > 0.6,
    /// per-sample SGD for 15 epochs; plus the worked one-step forward/backward example.
    #[command(name = "blog-synthetic")]
    Synthetic {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: synthetic::Args,
    },
    /// Blog "custom neural network" on MNIST: 784-300-10, per-batch loss and its moving
    /// average, train vs validation loss, several initialisations, four learning rates, and a
    /// final model with test accuracy and confusion matrix.
    #[command(name = "blog-mnist")]
    Mnist {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: mnist::Args,
    },
    /// Blog MNIST, one job: 784-300-10 from one initialisation at one rate and batch size,
    /// held-out and test accuracy per epoch (the unit of the blog-mnist-lr/-init sweeps).
    #[command(name = "blog-mnist-run")]
    MnistRun {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: mnist_run::Args,
    },
}

/// Runs a blog subcommand.
pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Synthetic { common, args } => {
            let config = synthetic::Config::from_args(&common, &args)?;
            synthetic::run(&Context::new(&common)?, &config)?;
        }
        Command::Mnist { common, args } => {
            let config = mnist::Config::from_args(&common, &args)?;
            mnist::run(&Context::new(&common)?, &config)?;
        }
        Command::MnistRun { common, args } => {
            let config = mnist_run::config(&common, &args)?;
            mnist_run::run(&Context::new(&common)?, &config, &args)?;
        }
    }
    Ok(())
}

/// Weight initialisers offered by the blog experiments (`--init`); biases start at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitArg {
    /// `N(0, 1)` (NumPy's `randn`).
    Normal,
    /// `N(0, 1/n_in)`.
    FanIn,
    /// Glorot/Xavier uniform, `U(±√(6/(n_in + n_out)))`.
    Xavier,
}

impl From<InitArg> for Init {
    fn from(i: InitArg) -> Self {
        match i {
            InitArg::Normal => Init::Normal { std: 1.0 },
            InitArg::FanIn => Init::NormalFanIn,
            InitArg::Xavier => Init::XavierUniform,
        }
    }
}

/// The blog's network over `sizes`: sigmoid hidden layers, identity (logit) output, biases.
pub fn blog_model(sizes: &[usize], init: Init, seed: u64, stream: &str) -> anyhow::Result<Model> {
    Ok(Model::mlp(
        sizes,
        Activation::Sigmoid,
        Activation::Identity,
        true,
        init,
        Init::Zeros,
        &mut nn::rng::stream(seed, stream),
    )?)
}

/// Trainer settings: softmax cross-entropy on one-hot targets, reshuffled every epoch.
pub fn train_config(ctx: &Context, batch_size: usize) -> TrainConfig {
    TrainConfig {
        batch_size,
        shuffle: true,
        backend: ctx.backend,
        loss: Loss::SoftmaxCrossEntropy,
        targets: TargetEncoding::ONE_HOT,
        eval_batch_size: 1000,
        backprop: Backprop::Gradient,
        // Results independent of the thread count (sweeps compare runs made with other counts).
        split_batch: nn::SplitBatch::Never,
    }
}

/// The network description written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    /// Layer sizes.
    pub sizes: Vec<usize>,
    /// Hidden activation.
    pub hidden: Activation,
    /// Output: logits into a softmax.
    pub output: &'static str,
    /// Loss.
    pub loss: Loss,
    /// Weight initialiser (biases start at zero).
    pub init: Init,
}

impl Network {
    /// The blog network over `sizes` with weights from `init`.
    pub fn new(sizes: &[usize], init: Init) -> Self {
        Self {
            sizes: sizes.to_vec(),
            hidden: Activation::Sigmoid,
            output: "softmax",
            loss: Loss::SoftmaxCrossEntropy,
            init,
        }
    }
}

/// Trailing moving average over `window` values (shorter at the start).
pub fn moving_average(xs: &[f64], window: usize) -> Vec<f64> {
    let window = window.max(1);
    let mut sum = 0.0;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            sum += x;
            if i >= window {
                sum -= xs[i - window];
            }
            sum / (i + 1).min(window) as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::moving_average;

    #[test]
    fn moving_average_is_trailing_and_short_at_the_start() {
        let ma = moving_average(&[1.0, 2.0, 3.0, 4.0, 5.0], 3);
        assert_eq!(ma, vec![1.0, 1.5, 2.0, 3.0, 4.0]);
        assert_eq!(moving_average(&[2.0, 4.0], 1), vec![2.0, 4.0]);
    }
}
