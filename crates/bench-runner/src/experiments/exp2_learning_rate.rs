//! "Make your own neural network", experiment 2: the learning rate.
//!
//! Seed settings (see [`super::rashid`]), one epoch per learning rate, test accuracy per rate.
//! The seed reports (60k training images) 90.9% at 0.01, its best 95.7% at 0.18 and 86.5% at 1.0.
//! The seed made a fresh random network per rate; here every rate starts from the same initial
//! network (stream `"init"` of the run seed), so rates are compared on equal footing. Rates run
//! in parallel (see [`super::sweep`]).

use super::rashid::{self, NetArgs, Settings};
use super::sweep::{self, RateRun};
use crate::common::{CommonArgs, Context};
use crate::plot::{self, LineChart, Series};
use anyhow::Context as _;
use serde::Serialize;

/// The rates of the seed's sweep.
pub const DEFAULT_RATES: &[f32] = &[
    0.01, 0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.3, 0.5, 0.7, 1.0,
];

/// The rates of `--quick` unless `--rates` is given.
pub const QUICK_RATES: &[f32] = &[0.05, 0.2, 1.0];

/// The seed's published accuracies: (rate, percent), 60k training images, one epoch.
pub const SEED_ACCURACY: &[(f32, f64)] = &[(0.01, 90.9), (0.18, 95.7), (1.0, 86.5)];

/// The seed's best rate.
pub const SEED_BEST: (f32, f64) = (0.18, 95.7);

/// Flags of `exp2-learning-rate`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Learning rates, comma-separated [default: the seed's 0.01,0.05,0.08,0.1,0.12,0.15,0.18,
    /// 0.2,0.3,0.5,0.7,1.0; with --quick: 0.05,0.2,1.0].
    #[arg(long, value_delimiter = ',')]
    pub rates: Option<Vec<f32>>,
    /// Network, update rule, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Epochs per rate (1).
    pub epochs: usize,
    /// Learning rates, ascending.
    pub rates: Vec<f32>,
    /// Every rate starts from the same initial network (stream "init").
    pub same_init_for_all_rates: bool,
    /// Network, data and update settings.
    #[serde(flatten)]
    pub settings: Settings,
}

impl Config {
    /// Validates flags into a configuration.
    pub fn from_args(common: &CommonArgs, args: &Args) -> anyhow::Result<Self> {
        let default = if args.net.quick {
            QUICK_RATES
        } else {
            DEFAULT_RATES
        };
        Ok(Self {
            experiment: "exp2-learning-rate",
            epochs: 1,
            rates: rashid::check_rates(args.rates.as_deref().unwrap_or(default))?,
            same_init_for_all_rates: true,
            settings: Settings::from_args(common, &args.net)?,
        })
    }
}

/// Trains one network per rate; writes `config.json`, `metrics.csv` (one row per rate),
/// `accuracy_vs_lr.png` and `model.json` (the best rate's network).
pub fn run(ctx: &Context, config: &Config) -> anyhow::Result<Vec<RateRun>> {
    let settings = &config.settings;
    let (sets, run_dir, runs) = sweep::run_rate_sweep(
        ctx,
        config.experiment,
        settings,
        &config.rates,
        config.epochs,
        config,
    )?;
    let best = sweep::best_run(&runs).context("no rates ran")?;
    let metrics = serde_json::json!({
        "best_lr": best.lr,
        "test_accuracy": best.last().test_accuracy,
        "epochs": config.epochs,
    });
    rashid::save_model(&run_dir, &best.best_model, settings, config, &metrics)?;

    let ours_label = format!("ours ({})", sets.train_label());
    let ours = Series::new(
        ours_label.clone(),
        runs.iter()
            .map(|r| (f64::from(r.lr), 100.0 * r.last().test_accuracy))
            .collect(),
    );
    let seed = Series::new(
        "seed (60k-train)",
        SEED_ACCURACY
            .iter()
            .map(|&(lr, a)| (f64::from(lr), a))
            .collect(),
    );
    plot::draw_line_chart(
        &run_dir.file("accuracy_vs_lr.png"),
        &LineChart {
            title: &format!(
                "exp2-learning-rate: 784-{}-10 sigmoid, 1 epoch, {}",
                settings.sizes[1],
                sets.train_label()
            ),
            x_label: "learning rate (log scale)",
            y_label: "test accuracy (%)",
            series: &[ours, seed],
            y_range: None,
            x_log: true,
            mark_best: true,
        },
    )?;

    println!(
        "\n{:>6}  {:>16}  {:>16}",
        "lr", "seed (60k-train)", ours_label
    );
    for run in &runs {
        let seed = SEED_ACCURACY
            .iter()
            .find(|&&(lr, _)| lr == run.lr)
            .map_or("-".to_string(), |&(_, a)| format!("{a:.1}%"));
        let mark = if run.lr == best.lr { " *" } else { "" };
        println!(
            "{:>6}  {seed:>16}  {:>16}{mark}",
            run.lr,
            rashid::percent(run.last().test_accuracy)
        );
    }
    println!(
        "best: ours {} at lr {}; seed {:.1}% at lr {}",
        rashid::percent(best.last().test_accuracy),
        best.lr,
        SEED_BEST.1,
        SEED_BEST.0
    );
    Ok(runs)
}
