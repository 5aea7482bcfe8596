//! "Make your own neural network", experiment 4: learning rate against epochs.
//!
//! Seed settings (see [`super::rashid`]); one network per learning rate, each trained for 15
//! epochs and scored on the test set after every epoch. The seed reports (60k training images)
//! its best, 97.3%, at learning rate 0.025. Every rate starts from the same initial network;
//! rates run in parallel (see [`super::sweep`]).

use super::rashid::{self, NetArgs, Settings};
use super::sweep::{self, RateRun};
use crate::common::{CommonArgs, Context};
use crate::plot::{self, Heatmap, LineChart, Series};
use crate::run_dir::RunDir;
use anyhow::Context as _;
use serde::Serialize;

/// The rates of the seed's sweep.
pub const DEFAULT_RATES: &[f32] = &[0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3];

/// The rates of `--quick` unless `--rates` is given.
pub const QUICK_RATES: &[f32] = &[0.025, 0.1, 0.3];

/// Epochs of the seed's sweep.
pub const DEFAULT_EPOCHS: usize = 15;

/// Epochs of `--quick` unless `--epochs` is given.
pub const QUICK_EPOCHS: usize = 2;

/// The seed's best: (rate, percent), 60k training images.
pub const SEED_BEST: (f32, f64) = (0.025, 97.3);

/// Milliseconds per frame of `sweep.gif`.
const GIF_DELAY_MS: u32 = 700;

/// Flags of `exp4-lr-vs-epochs`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Learning rates, comma-separated [default: 0.025,0.05,0.075,0.1,0.15,0.2,0.25,0.3; with
    /// --quick: 0.025,0.1,0.3].
    #[arg(long, value_delimiter = ',')]
    pub rates: Option<Vec<f32>>,
    /// Epochs per rate (scored after each) [default: 15; with --quick: 2].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Network, update rule, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Epochs per rate.
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
        let quick = args.net.quick;
        let rates =
            args.rates
                .as_deref()
                .unwrap_or(if quick { QUICK_RATES } else { DEFAULT_RATES });
        let epochs = args
            .epochs
            .unwrap_or(if quick { QUICK_EPOCHS } else { DEFAULT_EPOCHS });
        Ok(Self {
            experiment: "exp4-lr-vs-epochs",
            epochs: rashid::check_epochs(epochs)?,
            rates: rashid::check_rates(rates)?,
            same_init_for_all_rates: true,
            settings: Settings::from_args(common, &args.net)?,
        })
    }
}

/// Trains one network per rate for every epoch count; writes `config.json`, `metrics.csv` (one
/// row per rate × epoch), `heatmap.png` (rows = rates, columns = epochs, best cell outlined),
/// `sweep.gif` (accuracy against rate, one frame per epoch), `accuracy_vs_epoch.png` and
/// `model.json` (the network of the best cell).
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
    let best_row = best.best();
    let metrics = serde_json::json!({
        "best_lr": best.lr,
        "best_epoch": best_row.epoch,
        "test_accuracy": best_row.test_accuracy,
    });
    rashid::save_model(&run_dir, &best.best_model, settings, config, &metrics)?;
    draw_figures(&run_dir, config, &runs, &sets.train_label())?;

    let ours = format!("ours ({})", sets.train_label());
    println!(
        "\n{:>6}  {:>10}  {:>10}  {:>6}",
        "lr", "epoch 1", "last", "best"
    );
    for run in &runs {
        let b = run.best();
        println!(
            "{:>6}  {:>10}  {:>10}  {:>6} at epoch {}",
            run.lr,
            rashid::percent(run.rows[0].test_accuracy),
            rashid::percent(run.last().test_accuracy),
            rashid::percent(b.test_accuracy),
            b.epoch
        );
    }
    println!(
        "\n{:<16}  {:>10}  {:>6}  {:>5}\n{:<16}  {:>9.1}%  {:>6}  {:>5}\n{:<16}  {:>10}  {:>6}  {:>5}",
        "best cell",
        "accuracy",
        "lr",
        "epoch",
        "seed (60k-train)",
        SEED_BEST.1,
        SEED_BEST.0,
        "-",
        ours,
        rashid::percent(best_row.test_accuracy),
        best.lr,
        best_row.epoch
    );
    Ok(runs)
}

/// `heatmap.png`, `sweep.gif` and `accuracy_vs_epoch.png`.
fn draw_figures(
    run_dir: &RunDir,
    config: &Config,
    runs: &[RateRun],
    train_label: &str,
) -> anyhow::Result<()> {
    let percent = |r: &RateRun, e: usize| 100.0 * r.rows[e].test_accuracy;
    let epochs = config.epochs;
    let best_cell = runs
        .iter()
        .enumerate()
        .flat_map(|(i, r)| (0..epochs).map(move |e| (i, e, percent(r, e))))
        .reduce(|b, c| if c.2 > b.2 { c } else { b })
        .map(|(i, e, _)| (i, e));
    let values: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| (0..epochs).map(|e| percent(r, e)).collect())
        .collect();
    let x_ticks: Vec<String> = (1..=epochs).map(|e| e.to_string()).collect();
    let y_ticks: Vec<String> = runs.iter().map(|r| r.lr.to_string()).collect();
    plot::draw_heatmap(
        &run_dir.file("heatmap.png"),
        &Heatmap {
            title: &format!("exp4: test accuracy (%) by learning rate and epoch, {train_label}"),
            x_label: "epochs trained",
            y_label: "learning rate",
            x_ticks: &x_ticks,
            y_ticks: &y_ticks,
            values: &values,
            mark: best_cell,
            value_label: "test accuracy (%)",
        },
    )?;

    let rate_points = |e: usize| -> Vec<(f64, f64)> {
        runs.iter()
            .map(|r| (f64::from(r.lr), percent(r, e)))
            .collect()
    };
    let seed = Series::new(
        "seed best (60k-train)",
        vec![(f64::from(SEED_BEST.0), SEED_BEST.1)],
    );
    let frames: Vec<(String, [Series; 3])> = (0..epochs)
        .map(|k| {
            let so_far = runs
                .iter()
                .map(|r| {
                    let best = (0..=k).map(|e| percent(r, e)).fold(f64::MIN, f64::max);
                    (f64::from(r.lr), best)
                })
                .collect();
            (
                format!(
                    "exp4: test accuracy after epoch {}/{epochs}, {train_label}",
                    k + 1
                ),
                [
                    Series::new(format!("after epoch {}", k + 1), rate_points(k)),
                    Series::new(format!("best of epochs 1-{}", k + 1), so_far),
                    seed.clone(),
                ],
            )
        })
        .collect();
    let charts: Vec<LineChart> = frames
        .iter()
        .map(|(title, series)| LineChart {
            title,
            x_label: "learning rate (log scale)",
            y_label: "test accuracy (%)",
            series,
            y_range: None,
            x_log: true,
            mark_best: true,
        })
        .collect();
    plot::draw_line_chart_gif(&run_dir.file("sweep.gif"), &charts, GIF_DELAY_MS)?;

    let per_rate: Vec<Series> = runs
        .iter()
        .map(|r| {
            Series::new(
                format!("lr {}", r.lr),
                (0..epochs)
                    .map(|e| ((e + 1) as f64, percent(r, e)))
                    .collect(),
            )
        })
        .collect();
    plot::draw_line_chart(
        &run_dir.file("accuracy_vs_epoch.png"),
        &LineChart {
            title: &format!(
                "exp4: test accuracy by epoch, one line per learning rate, {train_label}"
            ),
            x_label: "epoch",
            y_label: "test accuracy (%)",
            series: &per_rate,
            y_range: None,
            x_log: false,
            mark_best: false,
        },
    )
}
