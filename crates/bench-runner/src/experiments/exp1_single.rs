//! "Make your own neural network", experiment 1: one pass over the training set.
//!
//! Seed settings (see [`super::rashid`]) with learning rate 0.3 and a single epoch; the seed
//! reports 95% test accuracy with all 60,000 training images. Besides the overall accuracy this
//! run reports the accuracy of each digit (`accuracy.png`).

use super::bar_chart::{self, Bar, BarChart};
use super::rashid::{self, Bars, EpochRow, NetArgs, Sets, Settings};
use crate::common::{CommonArgs, Context};
use crate::run_dir::RunDir;
use anyhow::Context as _;
use nn::Trainer;
use plotters::style::RGBColor;
use serde::Serialize;

/// The seed's published test accuracy (percent, 60k training images, 1 epoch, lr 0.3).
pub const SEED_ACCURACY: f64 = 95.0;

/// Flags of `exp1-single`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training epochs (the seed: 1).
    #[arg(long, default_value_t = 1)]
    pub epochs: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.3)]
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
    /// Network, data and update settings.
    #[serde(flatten)]
    pub settings: Settings,
}

impl Config {
    /// Validates flags into a configuration.
    pub fn from_args(common: &CommonArgs, args: &Args) -> anyhow::Result<Self> {
        Ok(Self {
            experiment: "exp1-single",
            epochs: rashid::check_epochs(args.epochs)?,
            lr: rashid::check_lr(args.lr)?,
            settings: Settings::from_args(common, &args.net)?,
        })
    }
}

/// Trains and evaluates; writes `config.json`, `metrics.csv`, `model.json` and `accuracy.png`
/// (test accuracy per digit, overall, and the seed's).
pub fn run(ctx: &Context, config: &Config) -> anyhow::Result<Vec<EpochRow>> {
    let settings = &config.settings;
    let sets = Sets::load(settings)?;
    let run_dir = RunDir::create(&ctx.out, config.experiment)?;
    sets.write_config(&run_dir, ctx, config)?;
    let ours_label = format!("ours ({})", sets.train_label());
    println!(
        "exp1-single: {:?} sigmoid, {:?} backprop, lr {}, {} epoch(s), {} train / {} test images, backend {}, {} threads",
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
        |rows, _| run_dir.write_csv("metrics.csv", rows),
    )?;
    let last = trained.rows.last().context("no epochs ran")?;

    // Accuracy per digit.
    let mut trainer = Trainer::new(&trained.model, settings.train_config(ctx), ctx.seed)?;
    let (mut seen, mut right) = ([0usize; 10], [0usize; 10]);
    trainer.evaluate_with(&trained.model, &sets.test_source(), |label, pred| {
        seen[label] += 1;
        right[label] += usize::from(label == pred);
    })?;
    let per_digit: Vec<f64> = (0..10)
        .map(|d| right[d] as f64 / seen[d].max(1) as f64)
        .collect();

    let metrics = serde_json::json!({
        "test_accuracy": last.test_accuracy,
        "epochs": trained.rows.len(),
        "per_digit_accuracy": per_digit,
    });
    rashid::save_model(&run_dir, &trained.model, settings, config, &metrics)?;

    let (blue, orange, grey) = (
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(127, 127, 127),
    );
    let mut bars: Vec<Bar> = per_digit
        .iter()
        .enumerate()
        .map(|(d, &a)| Bar {
            label: d.to_string(),
            value: 100.0 * a,
            color: blue,
        })
        .collect();
    bars.push(Bar {
        label: "all: ours".into(),
        value: 100.0 * last.test_accuracy,
        color: orange,
    });
    bars.push(Bar {
        label: "all: seed".into(),
        value: SEED_ACCURACY,
        color: grey,
    });
    let lowest = bars.iter().map(|b| b.value).fold(f64::INFINITY, f64::min);
    bar_chart::draw_bar_chart(
        &run_dir.file("accuracy.png"),
        &BarChart {
            title: &format!(
                "exp1-single: 784-{}-10 sigmoid, lr {}, {} epoch(s), {}",
                settings.sizes[1],
                config.lr,
                config.epochs,
                sets.train_label()
            ),
            x_label: &format!("test digit; all digits: {ours_label}, seed (60k-train)"),
            y_label: "test accuracy (%)",
            bars: &bars,
            y_range: ((lowest - 5.0).floor().clamp(0.0, 90.0), 100.0),
        },
    )?;

    println!(
        "\n{:<14}  {:>16}  {:>16}",
        "", "seed (60k-train)", ours_label
    );
    println!(
        "{:<14}  {:>15.1}%  {:>16}",
        "test accuracy",
        SEED_ACCURACY,
        rashid::percent(last.test_accuracy)
    );
    let digits: Vec<String> = per_digit
        .iter()
        .enumerate()
        .map(|(d, &a)| format!("{d}: {:.1}%", 100.0 * a))
        .collect();
    println!("per digit (ours): {}", digits.join("  "));
    Ok(trained.rows)
}
