//! The pieces every *Make your own neural network* (Rashid) experiment shares: the seed's
//! network and training settings, the data, and one training run scored after every epoch.
//!
//! Seed settings: 784-100-10, sigmoid on both layers, no biases, weights `N(0, n_in^{-1/2})`
//! (drawn from the stream `nn::rng::stream(seed, "init")`, so every run of one seed starts from
//! the same network), inputs `x/255·0.99 + 0.01`, targets 0.01/0.99, squared error, one sample
//! per update in file order, plain SGD, the book's error rule ([`Backprop::RawError`]) unless
//! `--backprop gradient`. The seed's numbers come from all 60,000 training images; the shared
//! development data holds only the first 10,000 ("10k-train"), so our figures are labelled with
//! the training-set size ([`Sets::train_label`]).

use crate::common::{load_mnist, CommonArgs, Context};
use crate::control::{Ending, Guard, OnDivergence, Pause};
use crate::mnist_source::{MnistSource, PixelScaling};
use crate::progress::EpochBar;
use crate::run_dir::RunDir;
use anyhow::{bail, Context as _};
use data::ImageSet;
use nn::{
    optim::Sgd, rng, Activation, Backprop, Init, Loss, Model, NoObserver, TargetEncoding,
    TrainConfig, Trainer,
};
use serde::Serialize;
use std::path::PathBuf;

/// Training images used by `--quick` unless `--limit-train` is given.
pub const QUICK_TRAIN: usize = 1000;

/// Flags shared by the Rashid experiments (network shape, update rule, data slice, `--quick`).
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Samples per update (the seed: 1).
    #[arg(long, default_value_t = 1)]
    pub batch_size: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 100)]
    pub hidden: usize,
    /// Give both layers a bias (the seed has none).
    #[arg(long)]
    pub bias: bool,
    /// Reshuffle the training set every epoch (the seed uses file order).
    #[arg(long)]
    pub shuffle: bool,
    /// Train on the first N training images only.
    #[arg(long)]
    pub limit_train: Option<usize>,
    /// How errors travel back: `raw-error` is the book's rule (hidden errors = Wᵀ·(t − o),
    /// without the output sigmoid's derivative), `gradient` is true backpropagation.
    #[arg(long, value_enum, default_value_t = BackpropArg::RawError)]
    pub backprop: BackpropArg,
    /// A smoke run in seconds: the first 1000 training images (unless --limit-train is given),
    /// fewer epochs and, for sweeps, fewer learning rates.
    #[arg(long)]
    pub quick: bool,
}

/// `--backprop` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackpropArg {
    /// The book's rule (the seed's code).
    RawError,
    /// True backpropagation of the gradient.
    Gradient,
}

impl From<BackpropArg> for Backprop {
    fn from(b: BackpropArg) -> Self {
        match b {
            BackpropArg::RawError => Backprop::RawError,
            BackpropArg::Gradient => Backprop::Gradient,
        }
    }
}

/// The network, data and update settings of a run (flattened into each experiment's
/// `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Samples per update.
    pub batch_size: usize,
    /// Layer sizes.
    pub sizes: Vec<usize>,
    /// Biases on or off.
    pub bias: bool,
    /// Per-epoch reshuffling.
    pub shuffle: bool,
    /// Training-set limit.
    pub limit_train: Option<usize>,
    /// Weight initialiser.
    pub init: Init,
    /// Activation of both layers.
    pub activation: Activation,
    /// Loss.
    pub loss: Loss,
    /// Target values.
    pub targets: TargetEncoding,
    /// Input scaling.
    pub input_scaling: PixelScaling,
    /// Backpropagation rule.
    pub backprop: Backprop,
    /// MNIST folder.
    pub data_dir: PathBuf,
    /// `--quick` was given (recorded only then).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quick: bool,
}

impl Settings {
    /// Validates the shared flags (`--quick` implies `--limit-train 1000` unless given).
    pub fn from_args(common: &CommonArgs, net: &NetArgs) -> anyhow::Result<Self> {
        if net.batch_size == 0 || net.hidden == 0 {
            bail!("--batch-size and --hidden must be at least 1");
        }
        if net.limit_train == Some(0) {
            bail!("--limit-train must be at least 1");
        }
        Ok(Self {
            batch_size: net.batch_size,
            sizes: vec![784, net.hidden, 10],
            bias: net.bias,
            shuffle: net.shuffle,
            limit_train: net.limit_train.or(net.quick.then_some(QUICK_TRAIN)),
            init: Init::NormalFanIn,
            activation: Activation::Sigmoid,
            loss: Loss::Quadratic,
            targets: TargetEncoding::RASHID,
            input_scaling: PixelScaling::RASHID,
            backprop: net.backprop.into(),
            data_dir: data::data_dir_from_env(common.data_dir.as_deref(), "mnist").path,
            quick: net.quick,
        })
    }

    /// The trainer settings of a run on backend `ctx.backend`.
    pub fn train_config(&self, ctx: &Context) -> TrainConfig {
        TrainConfig {
            batch_size: self.batch_size,
            shuffle: self.shuffle,
            backend: ctx.backend,
            loss: self.loss,
            targets: self.targets,
            eval_batch_size: 1000,
            backprop: self.backprop,
            // Results independent of the thread count (sweeps compare runs made with other counts).
            split_batch: nn::SplitBatch::Never,
        }
    }

    /// The seed's initial network for `ctx.seed` (stream `"init"`).
    pub fn init_model(&self, ctx: &Context) -> anyhow::Result<Model> {
        Ok(Model::mlp(
            &self.sizes,
            self.activation,
            self.activation,
            self.bias,
            self.init,
            Init::Zeros,
            &mut rng::stream(ctx.seed, "init"),
        )?)
    }
}

/// Validates an epoch-count flag.
pub fn check_epochs(epochs: usize) -> anyhow::Result<usize> {
    if epochs == 0 {
        bail!("--epochs must be at least 1");
    }
    Ok(epochs)
}

/// Validates a learning-rate flag.
pub fn check_lr(lr: f32) -> anyhow::Result<f32> {
    if !(lr.is_finite() && lr > 0.0) {
        bail!("--lr must be a positive number, got {lr}");
    }
    Ok(lr)
}

/// Validates a list of learning rates: non-empty, positive, no repeats; returned ascending.
pub fn check_rates(rates: &[f32]) -> anyhow::Result<Vec<f32>> {
    if rates.is_empty() {
        bail!("--rates needs at least one learning rate");
    }
    let mut sorted = rates
        .iter()
        .map(|&lr| check_lr(lr).map_err(|_| anyhow::anyhow!("--rates: {lr} is not positive")))
        .collect::<anyhow::Result<Vec<f32>>>()?;
    sorted.sort_by(f32::total_cmp);
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        bail!("--rates lists {} twice", w[0]);
    }
    Ok(sorted)
}

/// The training set (after `--limit-train`) and the test set.
#[derive(Debug, Clone)]
pub struct Sets {
    /// Training images.
    pub train: ImageSet,
    /// Test images.
    pub test: ImageSet,
    /// Pixel conversion.
    pub scaling: PixelScaling,
}

impl Sets {
    /// Loads MNIST from `settings.data_dir` (downloading missing files) and applies the limit.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let mnist = load_mnist(&settings.data_dir, true)?;
        let train = match settings.limit_train {
            Some(n) => mnist.train.limit(n),
            None => mnist.train,
        };
        Ok(Self {
            train,
            test: mnist.test,
            scaling: settings.input_scaling,
        })
    }

    /// The training set as an `nn::Dataset`.
    pub fn train_source(&self) -> MnistSource<'_> {
        MnistSource {
            set: &self.train,
            scaling: self.scaling,
        }
    }

    /// The test set as an `nn::Dataset`.
    pub fn test_source(&self) -> MnistSource<'_> {
        MnistSource {
            set: &self.test,
            scaling: self.scaling,
        }
    }

    /// `"10k-train"`, `"1k-train"`, `"1500-train"`: how many training images our numbers saw.
    pub fn train_label(&self) -> String {
        train_label(self.train.len())
    }

    /// The `config.json` of a run: its configuration, the context and the set sizes.
    pub fn write_config<T: Serialize>(
        &self,
        run_dir: &RunDir,
        ctx: &Context,
        config: &T,
    ) -> anyhow::Result<()> {
        run_dir.write_json(
            "config.json",
            &serde_json::json!({ "config": config, "context": ctx, "train_samples": self.train.len(), "test_samples": self.test.len() }),
        )
    }
}

/// `n` training images as a short label: whole thousands as `10k-train`, else `n-train`.
pub fn train_label(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k-train", n / 1000)
    } else {
        format!("{n}-train")
    }
}

/// One row of a per-epoch `metrics.csv`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct EpochRow {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss of the epoch.
    pub train_loss: f64,
    /// Mean test loss after the epoch.
    pub test_loss: f64,
    /// Test accuracy in [0, 1].
    pub test_accuracy: f64,
    /// Correct test predictions.
    pub test_correct: usize,
    /// Seconds of training in the epoch (evaluation excluded).
    pub seconds: f64,
}

/// Progress display of a [`train_run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bars {
    /// A batch progress bar per epoch (single runs).
    PerEpoch,
    /// None (runs inside a sweep, which shows its own bar).
    Off,
}

/// A finished run: the final network and one row per epoch.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The network after the last epoch.
    pub model: Model,
    /// Scores after each epoch.
    pub rows: Vec<EpochRow>,
    /// Whether every epoch ran, or Ctrl-C or divergence ended the run.
    pub ending: Ending,
}

/// Checkpointing and resuming for [`train_run`]; `Default` is neither.
#[derive(Default)]
pub struct RunControl {
    /// Where to write checkpoints, and every how many batches (also at every epoch's end).
    pub checkpoint: Option<(PathBuf, usize)>,
    /// A checkpoint to continue from (its rows are the epochs already done).
    pub resume: Option<nn::checkpoint::Checkpoint>,
    /// Stop or keep going when the loss becomes non-finite.
    pub on_divergence: Option<OnDivergence>,
}

/// The row with the highest test accuracy (the first of equals).
pub fn best_row(rows: &[EpochRow]) -> Option<&EpochRow> {
    rows.iter().reduce(|best, r| {
        if r.test_accuracy > best.test_accuracy {
            r
        } else {
            best
        }
    })
}

/// Trains the seed's initial network (see [`Settings::init_model`]) for `epochs` epochs at
/// learning rate `lr`, scoring it on the test set after every epoch. After each epoch
/// `on_epoch(rows so far, model)` runs (print, write `metrics.csv`, snapshot the model); an error
/// from it stops the run.
///
/// `control` adds periodic checkpoints and resuming; Ctrl-C (with a checkpoint when
/// checkpointing is on) and a non-finite loss end the run early, reported in
/// [`Trained::ending`].
#[allow(clippy::too_many_arguments)]
pub fn train_run(
    ctx: &Context,
    settings: &Settings,
    sets: &Sets,
    epochs: usize,
    lr: f32,
    bars: Bars,
    control: RunControl,
    mut on_epoch: impl FnMut(&[EpochRow], &Model) -> anyhow::Result<()>,
) -> anyhow::Result<Trained> {
    let mut model = settings.init_model(ctx)?;
    let mut trainer = Trainer::new(&model, settings.train_config(ctx), ctx.seed)?;
    let mut optimizer = Sgd::default();
    let mut rows = Vec::with_capacity(epochs);
    if let Some(ckpt) = control.resume {
        rows = serde_json::from_value(ckpt.extra.clone()).context("checkpoint: metrics rows")?;
        model = ckpt.restore(&mut optimizer, None, &mut trainer)?;
    }
    let save = |model: &Model,
                trainer: &Trainer,
                optimizer: &Sgd,
                rows: &[EpochRow]|
     -> anyhow::Result<()> {
        if let Some((path, _)) = &control.checkpoint {
            let extra = serde_json::to_value(rows)?;
            nn::checkpoint::save(path, model, optimizer, None, trainer, rows.len(), &extra)?;
        }
        Ok(())
    };
    let (train, test) = (sets.train_source(), sets.test_source());
    let batches = sets.train.len().div_ceil(settings.batch_size);
    let every = control.checkpoint.as_ref().map(|(_, n)| *n);
    let on_divergence = control.on_divergence.unwrap_or(OnDivergence::Stop);
    let mut ending = Ending::Completed;
    for epoch in rows.len() + 1..=epochs {
        let mut bar = (bars == Bars::PerEpoch)
            .then(|| EpochBar::new(&format!("epoch {epoch}/{epochs}"), batches));
        let mut silent = NoObserver;
        let inner: &mut dyn nn::Observer = match bar.as_mut() {
            Some(b) => b,
            None => &mut silent,
        };
        let mut guard = Guard::new(inner, every, on_divergence);
        let stats = loop {
            let stats =
                trainer.train_epoch(&mut model, &mut optimizer, lr, &train, epoch, &mut guard)?;
            match guard.take_pause() {
                None => break stats,
                Some(Pause::Checkpoint) => save(&model, &trainer, &optimizer, &rows)?,
                Some(Pause::Interrupt) => {
                    save(&model, &trainer, &optimizer, &rows)?;
                    let (epoch, batch) = guard.last_batch();
                    ending = Ending::Interrupted { epoch, batch };
                    break stats;
                }
                Some(Pause::Diverged) => break stats,
            }
        };
        let diverged_at = guard.diverged_at;
        if let Some(bar) = bar {
            bar.finish();
        }
        if matches!(ending, Ending::Interrupted { .. }) {
            break;
        }
        let eval = trainer.evaluate(&model, &test)?;
        rows.push(EpochRow {
            epoch,
            train_loss: stats.mean_loss,
            test_loss: eval.mean_loss(),
            test_accuracy: eval.accuracy(),
            test_correct: eval.correct,
            seconds: stats.seconds,
        });
        on_epoch(&rows, &model)?;
        if let Some((epoch, batch)) = diverged_at {
            if ending == Ending::Completed {
                ending = Ending::Diverged { epoch, batch };
            }
            if on_divergence == OnDivergence::Stop {
                break;
            }
        }
        save(&model, &trainer, &optimizer, &rows)?;
    }
    Ok(Trained {
        model,
        rows,
        ending,
    })
}

/// Saves `model` as `model.json` in `run_dir`, with the run's configuration and final metrics.
pub fn save_model<T: Serialize>(
    run_dir: &RunDir,
    model: &Model,
    settings: &Settings,
    config: &T,
    metrics: &serde_json::Value,
) -> anyhow::Result<()> {
    nn::persist::save_json(
        &run_dir.file("model.json"),
        model,
        Some(settings.loss),
        &serde_json::to_value(config)?,
        metrics,
    )?;
    Ok(())
}

/// `accuracy` in [0, 1] as a percentage with two decimals, e.g. `95.71%`.
pub fn percent(accuracy: f64) -> String {
    format!("{:.2}%", 100.0 * accuracy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_training_sets() {
        assert_eq!(train_label(10_000), "10k-train");
        assert_eq!(train_label(60_000), "60k-train");
        assert_eq!(train_label(1500), "1500-train");
        assert_eq!(train_label(7), "7-train");
    }

    #[test]
    fn checks_rates() {
        assert_eq!(check_rates(&[0.3, 0.1]).unwrap(), vec![0.1, 0.3]);
        assert!(check_rates(&[]).is_err());
        assert!(check_rates(&[0.1, -1.0]).is_err());
        assert!(check_rates(&[0.1, f32::NAN]).is_err());
        assert!(check_rates(&[0.1, 0.1]).is_err());
    }

    #[test]
    fn best_row_takes_first_of_equals() {
        let row = |epoch, test_accuracy| EpochRow {
            epoch,
            train_loss: 0.0,
            test_loss: 0.0,
            test_accuracy,
            test_correct: 0,
            seconds: 0.0,
        };
        let rows = [row(1, 0.5), row(2, 0.9), row(3, 0.9), row(4, 0.1)];
        assert_eq!(best_row(&rows).unwrap().epoch, 2);
        assert!(best_row(&[]).is_none());
    }
}
