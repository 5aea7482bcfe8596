//! The flags, configuration and run sequence every Nielsen-family subcommand shares: load and
//! split the data, create the run directory, train the settings, write `config.json`,
//! `metrics.csv`, `summary.csv`, `model.json`, `accuracy.png` and `accuracy_zoom.png` (the
//! top [`ZOOM_POINTS`] percentage points), print the table, `--draw`.

use super::draw;
use super::report::{self, SummaryRow};
use super::runs::{self, Plan, SettingRun};
use super::sets::{self, Sets, PIXELS};
use super::setting::{Setting, INIT_STREAM};
use crate::common::{CommonArgs, Context};
use crate::mnist_source::PixelScaling;
use crate::plot::Series;
use crate::run_dir::RunDir;
use anyhow::Context as _;
use nn::{Activation, TargetEncoding};
use serde::Serialize;
use std::path::PathBuf;

/// Epochs of `--quick` unless `--epochs` is given.
pub const QUICK_EPOCHS: usize = 3;

/// Height in percentage points of the y range of `accuracy_zoom.png` (below the best accuracy).
pub const ZOOM_POINTS: f64 = 6.0;

/// Flags every Nielsen-family subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Hidden units.
    #[arg(long, default_value_t = 30)]
    pub hidden: usize,
    /// Epochs per setting [default: the seed's; with --quick: 3].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Read only the first N images of the training file (before the 5:1 train/validation
    /// split).
    #[arg(long)]
    pub limit_train: Option<usize>,
    /// Train the settings one after another instead of in parallel (cleaner seconds per epoch).
    #[arg(long)]
    pub sequential: bool,
    /// Print the first misclassified test digits as characters (the seed's `draw()`), also
    /// written to misclassified.txt.
    #[arg(long)]
    pub draw: bool,
    /// How many digits --draw shows.
    #[arg(long, default_value_t = 5)]
    pub draw_count: usize,
    /// A smoke run in seconds: the first 2000 images of the training file (unless --limit-train
    /// is given) and 3 epochs (unless --epochs is given).
    #[arg(long)]
    pub quick: bool,
}

/// Flags of the Recurse Center subcommands (`variants`, `batch-size`, `eta-sweep`, `l2-sweep`).
#[derive(Debug, Clone, clap::Args)]
pub struct RcArgs {
    /// The seed's update rule: one update per example with step η/B (i.e. batch size 1 at rate
    /// η/B) instead of true mini-batches of B samples at rate η.
    #[arg(long)]
    pub per_example: bool,
    /// The n of the L2 term λ/(2n)·Σw² [default: the number of training images, 8334 on
    /// 10k-train]; 50000 gives the seed's penalty per unit λ.
    #[arg(long)]
    pub l2_n: Option<usize>,
}

impl RcArgs {
    /// Applies `--per-example` to `settings`.
    pub fn apply(&self, settings: Vec<Setting>) -> Vec<Setting> {
        if self.per_example {
            settings.into_iter().map(Setting::per_example).collect()
        } else {
            settings
        }
    }

    /// The L2 `n`: `--l2-n`, else the training-set size.
    pub fn l2_n(&self, sets: &Sets) -> anyhow::Result<usize> {
        anyhow::ensure!(self.l2_n != Some(0), "--l2-n must be at least 1");
        Ok(self.l2_n.unwrap_or(sets.train.len()))
    }
}

/// Which network `model.json` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SavedModel {
    /// The first setting's final network (the seed's own network).
    FirstSetting,
    /// The final network of the setting with the highest final test accuracy.
    BestFinal,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Epochs per setting.
    pub epochs: usize,
    /// Layer sizes.
    pub sizes: Vec<usize>,
    /// Activation of every layer.
    pub activation: Activation,
    /// Label encoding.
    pub targets: TargetEncoding,
    /// Input scaling (`/255`).
    pub input_scaling: PixelScaling,
    /// How the training file is split.
    pub split: &'static str,
    /// Stream of the initial network (the same network for every setting with the same
    /// initialiser).
    pub init_stream: &'static str,
    /// Sample order.
    pub shuffle: &'static str,
    /// MNIST folder.
    pub data_dir: PathBuf,
    /// `--limit-train`.
    pub limit_train: Option<usize>,
    /// The seed's per-example updates (`--per-example`).
    pub per_example: bool,
    /// Settings ran one after another.
    pub sequential: bool,
    /// Misclassified digits drawn (`--draw`).
    pub draw: Option<usize>,
    /// What `model.json` holds.
    pub saved_model: SavedModel,
    /// The settings, as trained.
    pub settings: Vec<Setting>,
    /// `--quick` was given.
    pub quick: bool,
}

/// A run's flags, checked, before the settings are known.
#[derive(Debug, Clone)]
pub struct Base {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Epochs.
    pub epochs: usize,
    /// Layer sizes.
    pub sizes: Vec<usize>,
    /// MNIST folder.
    pub data_dir: PathBuf,
    /// Training-file limit (`--quick` implies [`sets::QUICK_TRAIN`]).
    pub limit_train: Option<usize>,
    /// The flags.
    pub net: NetArgs,
}

impl Base {
    /// Checks the shared flags; `default_epochs` is the seed's epoch count.
    pub fn from_args(
        experiment: &'static str,
        common: &CommonArgs,
        net: &NetArgs,
        default_epochs: usize,
    ) -> anyhow::Result<Self> {
        let default_epochs = if net.quick {
            QUICK_EPOCHS
        } else {
            default_epochs
        };
        let epochs = net.epochs.unwrap_or(default_epochs);
        anyhow::ensure!(epochs >= 1, "--epochs must be at least 1");
        anyhow::ensure!(net.hidden >= 1, "--hidden must be at least 1");
        anyhow::ensure!(net.draw_count >= 1, "--draw-count must be at least 1");
        Ok(Self {
            experiment,
            epochs,
            sizes: vec![784, net.hidden, 10],
            data_dir: data::data_dir_from_env(common.data_dir.as_deref(), "mnist").path,
            limit_train: net.limit_train.or(net.quick.then_some(sets::QUICK_TRAIN)),
            net: net.clone(),
        })
    }

    /// Loads and splits the data.
    pub fn load(&self) -> anyhow::Result<Sets> {
        Sets::load(&self.data_dir, self.limit_train)
    }

    /// The full configuration.
    pub fn config(
        &self,
        settings: Vec<Setting>,
        per_example: bool,
        saved_model: SavedModel,
    ) -> Config {
        Config {
            experiment: self.experiment,
            epochs: self.epochs,
            sizes: self.sizes.clone(),
            activation: Activation::Sigmoid,
            targets: TargetEncoding::ONE_HOT,
            input_scaling: PIXELS,
            split:
                "first 5/6 of the training file (rounded up) for training, the rest for validation",
            init_stream: INIT_STREAM,
            shuffle: "reshuffled every epoch (trainer stream \"shuffle\" of the run seed)",
            data_dir: self.data_dir.clone(),
            limit_train: self.limit_train,
            per_example,
            sequential: self.net.sequential,
            draw: self.net.draw.then_some(self.net.draw_count),
            saved_model,
            settings,
            quick: self.net.quick,
        }
    }
}

/// Extra lines for `accuracy.png`, besides one per setting.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Curves added to the accuracy figure (e.g. the seed's per-epoch numbers).
    pub series: Vec<Series>,
    /// Print the seed's per-epoch log line for every setting.
    pub seed_log: bool,
}

/// A finished run: its directory, the settings' runs and their summary.
pub struct Finished {
    /// The run directory.
    pub run_dir: RunDir,
    /// One per setting, in order.
    pub runs: Vec<SettingRun>,
    /// One per setting, in order.
    pub summary: Vec<SummaryRow>,
}

/// Runs `config` on `sets`: see the module docs. `title` heads the accuracy figure.
pub fn run(
    ctx: &Context,
    sets: &Sets,
    config: &Config,
    title: &str,
    extras: Extras,
) -> anyhow::Result<Finished> {
    anyhow::ensure!(!config.settings.is_empty(), "no settings to train");
    let run_dir = RunDir::create(&ctx.out, config.experiment)?;
    run_dir.write_json(
        "config.json",
        &serde_json::json!({ "config": config, "context": ctx, "data": sets.sizes() }),
    )?;
    println!(
        "{}: {:?} sigmoid, {} settings × {} epochs{}, {}, backend {}, {} threads",
        config.experiment,
        config.sizes,
        config.settings.len(),
        config.epochs,
        if config.per_example {
            ", per-example updates (step η/B)"
        } else {
            ""
        },
        sets.describe(),
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());

    let plan = Plan {
        ctx,
        sets,
        sizes: &config.sizes,
        epochs: config.epochs,
        sequential: config.sequential,
        seed_log: extras.seed_log,
    };
    let runs = runs::run_settings(&plan, &config.settings)?;
    let summary = report::write_and_print(&run_dir, &runs, &sets.label())?;
    let saved = match config.saved_model {
        SavedModel::FirstSetting => &runs[0],
        SavedModel::BestFinal => runs
            .iter()
            .reduce(|best, r| {
                if r.last().test_accuracy > best.last().test_accuracy {
                    r
                } else {
                    best
                }
            })
            .context("no settings ran")?,
    };
    report::save_model(&run_dir, saved, config)?;
    let mut series: Vec<Series> = runs
        .iter()
        .map(|run| {
            Series::new(
                report::legend(run),
                run.rows
                    .iter()
                    .map(|r| (r.epoch as f64, 100.0 * r.test_accuracy))
                    .collect(),
            )
        })
        .collect();
    series.extend(extras.series);
    report::draw_accuracy(&run_dir, "accuracy.png", title, &series, None)?;
    let top = series
        .iter()
        .flat_map(|s| &s.points)
        .map(|&(_, y)| y)
        .filter(|y| y.is_finite())
        .fold(0.0, f64::max);
    report::draw_accuracy(
        &run_dir,
        "accuracy_zoom.png",
        &format!("{title} (top {ZOOM_POINTS} points)"),
        &series,
        Some(((top - ZOOM_POINTS).max(0.0), (top + 0.5).min(100.0))),
    )?;
    if let Some(count) = config.draw {
        draw::draw_misclassified(ctx, &run_dir, saved, &sets.test, count)?;
    }
    println!(
        "\nmodel.json: final network of {}; figures and metrics in {}",
        saved.setting.name,
        run_dir.path().display()
    );
    Ok(Finished {
        run_dir,
        runs,
        summary,
    })
}
