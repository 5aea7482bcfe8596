//! "Make your own neural network", experiment 5: backwards queries.
//!
//! Trains the seed's network (see [`super::rashid`]) at learning rate 0.025 for 13 epochs, then
//! runs it backwards ([`nn::backquery::backquery`]) from the target vector of each digit 0–9 and
//! draws the ten 28×28 input-space images in one grid (dark = high input). The seed meant to do
//! the same but queried the labels of the first ten *test images* (7, 2, 1, 0, 4, 1, 4, 9, 5, 9)
//! by mistake, so some digits appear twice and 3, 6 and 8 are missing; we query 0–9.

use super::image_grid::{self, GridImage};
use super::rashid::{self, Bars, EpochRow, NetArgs, Sets, Settings};
use crate::common::{CommonArgs, Context};
use crate::run_dir::RunDir;
use anyhow::Context as _;
use serde::Serialize;

/// The seed's best test accuracy at learning rate 0.025 (experiment 4, 60k training images).
pub const SEED_ACCURACY: f64 = 97.3;

/// Epochs of `--quick` unless `--epochs` is given.
pub const QUICK_EPOCHS: usize = 2;

/// Flags of `exp5-backquery`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training epochs before the queries [default: 13; with --quick: 2].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Learning rate.
    #[arg(long, default_value_t = 0.025)]
    pub lr: f32,
    /// Network, update rule, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// The labels queried (0–9).
    pub labels: Vec<usize>,
    /// Network, data and update settings.
    #[serde(flatten)]
    pub settings: Settings,
}

impl Config {
    /// Validates flags into a configuration.
    pub fn from_args(common: &CommonArgs, args: &Args) -> anyhow::Result<Self> {
        let default_epochs = if args.net.quick { QUICK_EPOCHS } else { 13 };
        Ok(Self {
            experiment: "exp5-backquery",
            epochs: rashid::check_epochs(args.epochs.unwrap_or(default_epochs))?,
            lr: rashid::check_lr(args.lr)?,
            labels: (0..10).collect(),
            settings: Settings::from_args(common, &args.net)?,
        })
    }
}

/// One backqueried image, as written to `backquery.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    /// The label queried.
    pub label: usize,
    /// 784 input values in [0.01, 0.99], row-major 28×28.
    pub image: Vec<f32>,
}

/// Trains, then backqueries each digit; writes `config.json`, `metrics.csv`, `model.json`,
/// `backquery.json` and `backquery.png`.
pub fn run(ctx: &Context, config: &Config) -> anyhow::Result<Vec<Query>> {
    let settings = &config.settings;
    let sets = Sets::load(settings)?;
    let run_dir = RunDir::create(&ctx.out, config.experiment)?;
    sets.write_config(&run_dir, ctx, config)?;
    println!(
        "exp5-backquery: {:?} sigmoid, {:?} backprop, lr {}, {} epochs, {} train / {} test images, backend {}, {} threads",
        settings.sizes,
        settings.backprop,
        config.lr,
        config.epochs,
        sets.train.len(),
        sets.test.len(),
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());
    let trained = rashid::train_run(
        ctx,
        settings,
        &sets,
        config.epochs,
        config.lr,
        Bars::PerEpoch,
        rashid::RunControl::default(),
        |rows, _| {
            let r = rows.last().context("no epochs ran")?;
            println!("Epoch {}: {}", r.epoch, rashid::percent(r.test_accuracy));
            run_dir.write_csv("metrics.csv", rows)
        },
    )?;
    let last: &EpochRow = trained.rows.last().context("no epochs ran")?;
    let metrics =
        serde_json::json!({ "test_accuracy": last.test_accuracy, "epochs": trained.rows.len() });
    rashid::save_model(&run_dir, &trained.model, settings, config, &metrics)?;

    let queries = config
        .labels
        .iter()
        .map(|&label| {
            let image = nn::backquery::backquery(&trained.model, label, settings.targets)
                .with_context(|| format!("backquery of label {label}"))?;
            Ok(Query { label, image })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    run_dir.write_json("backquery.json", &queries)?;
    let images: Vec<GridImage> = queries
        .iter()
        .map(|q| GridImage {
            title: format!("label {}", q.label),
            pixels: q.image.clone(),
            width: 28,
        })
        .collect();
    let (lo, hi) = nn::backquery::INPUT_RANGE;
    image_grid::draw_image_grid(
        &run_dir.file("backquery.png"),
        &format!(
            "exp5: backquery of digits 0-9 after {} epochs at lr {}, {} ({})",
            config.epochs,
            config.lr,
            sets.train_label(),
            rashid::percent(last.test_accuracy)
        ),
        &images,
        5,
        (lo, hi),
    )?;

    println!(
        "\n{:<22}  {:>26}  {:>16}",
        "",
        "seed (60k-train, exp4 best)",
        format!("ours ({})", sets.train_label())
    );
    println!(
        "{:<22}  {:>25.1}%  {:>16}",
        format!("test accuracy, lr {}", config.lr),
        SEED_ACCURACY,
        rashid::percent(last.test_accuracy)
    );
    println!(
        "backquery images of labels 0-9: {} (the seed queried the first ten test labels instead)",
        run_dir.file("backquery.png").display()
    );
    Ok(queries)
}
