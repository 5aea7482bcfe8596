//! `mynet-lr`: the seed's network trained for a time budget at each of its learning rates
//! (0.1, 5, 10, 100, 500 in the seed's convention, see [`super`]), one after another, with test
//! accuracy against training seconds and against steps.
//!
//! Every rate starts from the same initial network and sees the same sequence of batches.
//! Rates that blow up (a non-finite loss) are stopped, recorded with `diverged = true` and
//! drawn up to that point; the run goes on with the next rate.

use super::{fmt_time_to, train_timed, Budget, BudgetArgs, EvalRow, RunOutcome, Sets, Settings};
use crate::common::{CommonArgs, Context};
use crate::experiments::rashid;
use crate::plot::{self, LineChart, Series};
use crate::run_dir::RunDir;
use anyhow::Context as _;
use nn::schedule::Constant;
use serde::Serialize;

/// The seed's rates (seed convention).
pub const DEFAULT_RATES: &[f32] = &[0.1, 5.0, 10.0, 100.0, 500.0];

/// The seed's published points: (rate, training seconds, test accuracy in %), measured on 100
/// random test images on a 12-thread Ryzen 5 7600.
pub const SEED_POINTS: &[(f32, f64, f64)] = &[
    (0.1, 1800.0, 80.0),
    (0.1, 3600.0, 94.0),
    (5.0, 50.0, 90.0),
    (10.0, 90.0, 94.0),
    (10.0, 170.0, 97.0),
];

/// Flags of `mynet-lr`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Learning rates, comma-separated, in the --rate-convention [default: 0.1,5,10,100,500].
    #[arg(long, value_delimiter = ',')]
    pub rates: Option<Vec<f32>>,
    /// Budget, evaluation cadence, rate convention, data slice.
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Learning rates, ascending, in `budget.rate_convention`.
    pub rates: Vec<f32>,
    /// Runs go one after another (fair timing).
    pub sequential: bool,
    /// Budget and rate convention.
    pub budget: Budget,
    /// Network and data.
    #[serde(flatten)]
    pub settings: Settings,
}

impl Config {
    /// Validates flags into a configuration.
    pub fn from_args(common: &CommonArgs, args: &Args) -> anyhow::Result<Self> {
        Ok(Self {
            experiment: "mynet-lr",
            rates: rashid::check_rates(args.rates.as_deref().unwrap_or(DEFAULT_RATES))?,
            sequential: true,
            budget: args.budget.budget()?,
            settings: args.budget.settings(common)?,
        })
    }
}

/// Trains one network per rate; writes `config.json`, `metrics.csv` (every evaluation point
/// of every rate), `accuracy_vs_seconds.png`, `accuracy_vs_steps.png` and `model.json` (the
/// network of the rate with the best final accuracy).
pub fn run(ctx: &Context, config: &Config) -> anyhow::Result<Vec<RunOutcome>> {
    let (settings, budget) = (&config.settings, &config.budget);
    let sets = Sets::load(settings, 0)?;
    let run_dir = RunDir::create(&ctx.out, config.experiment)?;
    sets.write_config(&run_dir, ctx, config)?;
    println!(
        "mynet-lr: {:?} sigmoid, squared error, batch {}, rates {:?} ({} convention, ×{:.4} \
         as mean-gradient rates), {} s{} per rate, {} train / {} test images, backend {}, {} \
         threads",
        settings.sizes,
        settings.batch_size,
        config.rates,
        budget.rate_convention.name(),
        budget.mean_rate_per_unit,
        budget.seconds,
        budget
            .max_steps
            .map_or(String::new(), |m| format!(" or {m} steps")),
        sets.train.len(),
        sets.test.len(),
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());

    let mut runs: Vec<RunOutcome> = Vec::with_capacity(config.rates.len());
    for &lr in &config.rates {
        if crate::control::interrupted() {
            break;
        }
        let mut schedule = Constant::new(f64::from(lr))?;
        let run = train_timed(
            ctx,
            settings,
            budget,
            &sets,
            &format!("lr {lr}"),
            &mut schedule,
        )?;
        let last = run.last();
        println!(
            "lr {lr:>5}: {} after {} steps / {:.1} s{}",
            rashid::percent(last.test_accuracy),
            last.step,
            last.train_seconds,
            if run.diverged { " (diverged)" } else { "" }
        );
        runs.push(run);
        let rows: Vec<&EvalRow> = runs.iter().flat_map(|r| &r.rows).collect();
        run_dir.write_csv("metrics.csv", &rows)?;
    }

    let best = runs
        .iter()
        .filter(|r| !r.diverged)
        .max_by(|a, b| a.last().test_accuracy.total_cmp(&b.last().test_accuracy))
        .or(runs.first())
        .context("no rates ran")?;
    nn::persist::save_json(
        &run_dir.file("model.json"),
        &best.model,
        Some(settings.loss),
        &serde_json::to_value(config)?,
        &serde_json::json!({ "run": best.label, "test_accuracy": best.last().test_accuracy }),
    )?;
    draw(&run_dir, config, &runs, sets.train.len())?;
    print_summary(config, &runs);
    Ok(runs)
}

fn draw(
    run_dir: &RunDir,
    config: &Config,
    runs: &[RunOutcome],
    train_len: usize,
) -> anyhow::Result<()> {
    let max_seconds = runs
        .iter()
        .map(|r| r.last().train_seconds)
        .fold(0.0, f64::max);
    let mut by_seconds: Vec<Series> = runs.iter().map(RunOutcome::accuracy_vs_seconds).collect();
    // The seed's points within our time range (its later points are in the summary table).
    if config.budget.rate_convention == super::RateConvention::Seed {
        for &lr in &config.rates {
            let pts: Vec<(f64, f64)> = SEED_POINTS
                .iter()
                .filter(|&&(r, s, _)| r == lr && s <= max_seconds * 1.05)
                .map(|&(_, s, a)| (s, a))
                .collect();
            if !pts.is_empty() {
                by_seconds.push(Series::new(format!("seed lr {lr} (100 images)"), pts));
            }
        }
    }
    let by_steps: Vec<Series> = runs
        .iter()
        .map(|r| {
            let pts = r
                .rows
                .iter()
                .map(|e| (e.step as f64, 100.0 * e.test_accuracy));
            Series::new(r.legend(), pts.collect())
        })
        .collect();
    let title = |axis: &str| {
        format!(
            "mynet-lr: test accuracy vs {axis} ({}, {} rates)",
            rashid::train_label(train_len),
            config.budget.rate_convention.name()
        )
    };
    plot::draw_line_chart(
        &run_dir.file("accuracy_vs_seconds.png"),
        &LineChart {
            title: &title("training seconds"),
            x_label: "training seconds (evaluation excluded)",
            y_label: "test accuracy (%, full test set)",
            series: &by_seconds,
            y_range: Some((0.0, 100.0)),
            x_log: false,
            mark_best: false,
        },
    )?;
    plot::draw_line_chart(
        &run_dir.file("accuracy_vs_steps.png"),
        &LineChart {
            title: &title("steps"),
            x_label: "steps (batches of 256)",
            y_label: "test accuracy (%, full test set)",
            series: &by_steps,
            y_range: Some((0.0, 100.0)),
            x_log: false,
            mark_best: false,
        },
    )
}

/// The seed's reported points for `lr`, as table text.
fn seed_text(lr: f32) -> String {
    let pts: Vec<String> = SEED_POINTS
        .iter()
        .filter(|&&(r, _, _)| r == lr)
        .map(|&(_, s, a)| format!("{a:.0}% @ {s:.0} s"))
        .collect();
    if pts.is_empty() {
        "-".into()
    } else {
        pts.join(", ")
    }
}

/// Accuracy levels whose first crossing is reported (the seed's 80, 90 and 94%, and 85%).
const LEVELS: [f64; 4] = [0.80, 0.85, 0.90, 0.94];

fn print_summary(config: &Config, runs: &[RunOutcome]) {
    let seed = config.budget.rate_convention == super::RateConvention::Seed;
    println!(
        "\n{:>6} {:>9} {:>8} {:>7} {:>7} {:>8} {:>8} {:>9}  seed (12 threads, 100 images)",
        "lr", "lr_mean", "steps", "secs", "cpu s", "final", "best", "status"
    );
    for (run, &lr) in runs.iter().zip(&config.rates) {
        let last = run.last();
        println!(
            "{:>6} {:>9.4} {:>8} {:>7.1} {:>7} {:>8} {:>8} {:>9}  {}",
            lr,
            last.lr_mean,
            last.step,
            last.train_seconds,
            last.cpu_seconds.map_or("?".into(), |c| format!("{c:.1}")),
            rashid::percent(last.test_accuracy),
            rashid::percent(run.best_accuracy()),
            run.status(),
            if seed { seed_text(lr) } else { "-".into() },
        );
    }
    print!("\nfirst reached (wall s/cpu s/steps):\n{:>6}", "lr");
    for level in LEVELS {
        print!(" {:>20}", format!("{:.0}%", 100.0 * level));
    }
    println!();
    for (run, &lr) in runs.iter().zip(&config.rates) {
        print!("{lr:>6}");
        for level in LEVELS {
            print!(" {:>20}", fmt_time_to(&run.rows, level));
        }
        println!();
    }
    println!(
        "seed times are wall-clock on a 12-thread Ryzen 5 7600 with OpenBLAS on 60k-train; ours \
         are training seconds on this machine (cpu s: this process's CPU time; steps do not \
         depend on the machine)"
    );
}
