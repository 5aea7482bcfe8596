//! `esc50-cnn`: a convolutional network on log-mel spectrograms in the spirit of Piczak's 2015
//! ESC-50 baseline: two convolution + max-pooling stages, a dense ReLU layer with dropout 0.5,
//! and a softmax output.
//!
//! Input: the 60-band log-mel spectrogram averaged over runs of 4 frames (`--time-pool`;
//! 431 → 107 frames, about 46 ms per column), standardised per band with statistics of the
//! training folds, as a one-channel `60 × 107` image (frequency down, time across).
//!
//! Network (defaults): conv 5×5, 16 filters, ReLU → max-pool 2×2 → conv 3×3, 32 filters, ReLU
//! → max-pool 2×2 → dense 128, ReLU, dropout 0.5 → dense `classes` (logits), softmax
//! cross-entropy. He initialisation, Adam at 1e-3 on a cosine schedule down to 1e-5 over 40
//! epochs, batch 32. No early stopping: every fold is scored after its last epoch.
//!
//! Augmentation: each time a training clip is drawn it is rotated in time by a random offset
//! of up to `--max-shift` columns either way (default: half the clip), so the network sees
//! every sound event at many positions; 320 ESC-10 training clips are otherwise few.
//!
//! Piczak's network differs: 80 filters of 57×6 then 80 of 1×3, two dense layers of 5,000,
//! trained on short segments with majority voting. This one is sized for two CPU cores
//! (`nn`'s convolution is im2col plus one GEMM per sample).

use super::clips::{Clips, DataArgs, DataSettings};
use super::cv::{self, TrainPlan};
use super::examples::{Examples, FoldSet, Layout};
use super::{logmel_examples, report, start_run, LogMelInfo};
use crate::common::Context;
use anyhow::bail;
use data::esc50::LogMelConfig;
use nn::conv2d::{Conv2dConfig, Shape3};
use nn::front::FrontLayer;
use nn::maxpool2d::MaxPool2d;
use nn::optim::{AdamConfig, Momentum, OptimizerConfig, SgdConfig, WeightDecay};
use nn::schedule::ScheduleConfig;
use nn::{Activation, Backprop, DenseConfig, Init, Loss, Model, TargetEncoding, TrainConfig};
use serde::Serialize;

/// The optimizers offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// Adam (AdamW with --weight-decay).
    Adam,
    /// SGD with Nesterov momentum 0.9.
    Momentum,
}

/// Flags of `esc50-cnn`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Clips, folds, cache.
    #[command(flatten)]
    pub data: DataArgs,
    /// Epochs per fold [default: 40; with --quick: 2].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Samples per update.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = Optimizer::Adam)]
    pub optimizer: Optimizer,
    /// Initial learning rate [default: 1e-3 for adam, 1e-2 for momentum].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Final learning rate of the cosine schedule, as a fraction of --lr (1 = constant rate).
    #[arg(long, default_value_t = 0.01)]
    pub lr_final: f64,
    /// Decoupled weight decay per unit rate (AdamW / SGDW); 0 turns it off.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f32,
    /// Filters of the two convolutions.
    #[arg(long, value_delimiter = ',', default_value = "16,32")]
    pub filters: Vec<usize>,
    /// Kernel sides of the two convolutions.
    #[arg(long, value_delimiter = ',', default_value = "5,3")]
    pub kernels: Vec<usize>,
    /// Side (and stride) of both max-pooling windows.
    #[arg(long, default_value_t = 2)]
    pub pool: usize,
    /// Units of the dense hidden layer.
    #[arg(long, default_value_t = 128)]
    pub dense: usize,
    /// Dropout on the dense hidden layer.
    #[arg(long, default_value_t = 0.5)]
    pub dropout: f32,
    /// Average the log-mel over runs of N frames in time.
    #[arg(long, default_value_t = 4)]
    pub time_pool: usize,
    /// Largest random time shift of a training clip, in (pooled) columns either way
    /// [default: half the clip]; 0 turns augmentation off.
    #[arg(long)]
    pub max_shift: Option<usize>,
}

/// The network (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Net {
    /// Filters of the two convolutions.
    pub filters: [usize; 2],
    /// Kernel sides.
    pub kernels: [usize; 2],
    /// Pooling window and stride.
    pub pool: usize,
    /// Dense hidden units.
    pub dense: usize,
    /// Dropout on them.
    pub dropout: f32,
}

/// Every setting of a run (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// `--quick` was given.
    pub quick: bool,
    /// The data.
    pub data: DataSettings,
    /// The network.
    pub net: Net,
    /// Training.
    pub plan: TrainPlan,
    /// Log-mel time pooling.
    pub time_pool: usize,
    /// Largest time shift (columns), `None` for half the clip.
    pub max_shift: Option<usize>,
    /// Log-mel parameters.
    pub logmel: LogMelInfo,
}

impl Config {
    /// Validates the flags.
    pub fn from_args(ctx: &Context, args: &Args) -> anyhow::Result<Self> {
        let quick = args.data.quick;
        let epochs = args.epochs.unwrap_or(if quick { 2 } else { 40 });
        let (filters, kernels): ([usize; 2], [usize; 2]) =
            match (args.filters.as_slice(), args.kernels.as_slice()) {
                (&[f1, f2], &[k1, k2]) => ([f1, f2], [k1, k2]),
                _ => bail!("--filters and --kernels take two values each (one per convolution)"),
            };
        if epochs == 0 || args.batch_size == 0 || args.time_pool == 0 || args.pool == 0 {
            bail!("--epochs, --batch-size, --time-pool and --pool must be at least 1");
        }
        if filters.contains(&0) || kernels.contains(&0) || args.dense == 0 {
            bail!("--filters, --kernels and --dense must be at least 1");
        }
        if !(0.0..1.0).contains(&args.dropout) {
            bail!("--dropout must be in [0, 1), got {}", args.dropout);
        }
        let lr = args.lr.unwrap_or(match args.optimizer {
            Optimizer::Adam => 1e-3,
            Optimizer::Momentum => 1e-2,
        });
        if !(lr.is_finite() && lr > 0.0 && (0.0..=1.0).contains(&args.lr_final)) {
            bail!("--lr must be positive and --lr-final in [0, 1]");
        }
        let weight_decay = if args.weight_decay > 0.0 {
            WeightDecay::Decoupled {
                rate: args.weight_decay,
            }
        } else {
            WeightDecay::None
        };
        let optimizer = match args.optimizer {
            Optimizer::Adam => OptimizerConfig::Adam(AdamConfig {
                weight_decay,
                ..AdamConfig::default()
            }),
            Optimizer::Momentum => OptimizerConfig::Sgd(SgdConfig {
                momentum: Momentum::Nesterov { mu: 0.9 },
                weight_decay,
            }),
        };
        optimizer.validate()?;
        let schedule = if args.lr_final >= 1.0 {
            ScheduleConfig::Constant { lr }
        } else {
            ScheduleConfig::Cosine {
                initial: lr,
                min: lr * args.lr_final,
                epochs,
            }
        };
        Ok(Self {
            experiment: "esc50-cnn",
            quick,
            data: args.data.settings(ctx)?,
            net: Net {
                filters,
                kernels,
                pool: args.pool,
                dense: args.dense,
                dropout: args.dropout,
            },
            plan: TrainPlan {
                epochs,
                batch_size: args.batch_size,
                loss: Loss::SoftmaxCrossEntropy,
                optimizer,
                schedule,
            },
            time_pool: args.time_pool,
            max_shift: args.max_shift,
            logmel: LogMelInfo::from(&LogMelConfig::default()),
        })
    }
}

impl Net {
    /// A fresh network for one-channel `bands × frames` inputs.
    pub fn model(
        &self,
        input: Shape3,
        classes: usize,
        rng: &mut nn::rng::Rng,
    ) -> anyhow::Result<Model> {
        let mut front = Vec::new();
        let mut shape = input;
        for (&filters, &k) in self.filters.iter().zip(&self.kernels) {
            let conv = Conv2dConfig::new(shape, filters, (k, k)).init(rng)?;
            let p = (self.pool, self.pool);
            let pool = MaxPool2d::new(conv.output_shape(), p, p)?;
            shape = pool.output_shape();
            front.push(FrontLayer::Conv2d(conv));
            front.push(FrontLayer::MaxPool2d(pool));
        }
        let hidden = DenseConfig::new(shape.len(), self.dense)
            .with_activation(Activation::Relu)
            .with_weight_init(Init::He)
            .init(rng);
        let output = DenseConfig::new(self.dense, classes)
            .with_activation(Activation::Identity)
            .with_weight_init(Init::XavierNormal)
            .init(rng);
        let mut model = Model::with_front(front, vec![hidden, output])?;
        model.set_dropout(0, self.dropout)?;
        Ok(model)
    }

    /// `"conv5x5x16-pool2-conv3x3x32-pool2-dense128(dropout 0.5)"`.
    pub fn describe(&self) -> String {
        format!(
            "conv{k0}x{k0}x{f0}-pool{p}-conv{k1}x{k1}x{f1}-pool{p}-dense{d}(dropout {dr})",
            k0 = self.kernels[0],
            f0 = self.filters[0],
            k1 = self.kernels[1],
            f1 = self.filters[1],
            p = self.pool,
            d = self.dense,
            dr = self.dropout
        )
    }
}

/// Cross-validates the CNN and writes the run directory.
pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<()> {
    let config = Config::from_args(ctx, args)?;
    let clips = Clips::open(&config.data)?;
    println!(
        "esc50-cnn: {}; {}; {} epochs, batch {}, {}, {}; folds {:?}; backend {}, {} threads",
        clips.describe(),
        config.net.describe(),
        config.plan.epochs,
        config.plan.batch_size,
        serde_json::to_string(&config.plan.optimizer)?,
        config.plan.schedule.describe(),
        config.data.folds,
        ctx.backend,
        ctx.threads
    );
    let run_dir = start_run(ctx, config.experiment, &config)?;
    let (ex, extraction) = logmel_examples(&clips, &config.data, config.time_pool)?;
    let run = train_cnn(ctx, &config, &ex)?;
    let runs = [run];
    report::write(
        &run_dir,
        "esc50-cnn",
        &runs,
        config.data.esc10,
        serde_json::json!({
            "extraction": extraction,
            "cpu_seconds": super::process_cpu_seconds(),
        }),
    )?;
    if let Some(cm) = runs[0].confusion() {
        println!("\nconfusion matrix over all test folds (row = true class):\n{cm}");
        run_dir.write_json("confusion.json", &cm)?;
    }
    report::print_summary(&runs, config.data.esc10);
    Ok(())
}

/// Cross-validates the CNN on the log-mel examples.
pub fn train_cnn(ctx: &Context, config: &Config, ex: &Examples) -> anyhow::Result<cv::SettingRun> {
    let input = Shape3::new(1, ex.bands, ex.frames);
    let max_shift = config.max_shift.unwrap_or(ex.frames / 2);
    let train_config = TrainConfig {
        batch_size: config.plan.batch_size,
        shuffle: true,
        backend: ctx.backend,
        loss: config.plan.loss,
        targets: TargetEncoding::ONE_HOT,
        // The workspace holds every conv map of a batch: keep evaluation batches as small.
        eval_batch_size: config.plan.batch_size,
        backprop: Backprop::Gradient,
        // Results independent of the thread count (sweeps compare runs made with other counts).
        split_batch: nn::SplitBatch::Never,
    };
    println!(
        "cnn: input 1x{}x{}, random time shifts up to {max_shift} columns",
        ex.bands, ex.frames
    );
    let folds = &config.data.folds;
    cv::cross_validate(
        ctx,
        "cnn",
        folds,
        &config.plan,
        train_config,
        |fold| {
            let (train, test) = ex.split(fold, folds);
            let stats = ex.band_stats(&train);
            Ok((
                FoldSet::new(ex, train, Some(stats.clone()), Layout::Image)
                    .with_time_shift(max_shift, cv::fold_seed(ctx.seed, fold, "shift")),
                FoldSet::new(ex, test, Some(stats), Layout::Image),
            ))
        },
        |rng| config.net.model(input, ex.classes, rng),
    )
}
