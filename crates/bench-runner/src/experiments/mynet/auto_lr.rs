//! `mynet-auto-lr`: the automatic schedule the seed asks for ("start high, lower it when
//! progress stalls") against the best fixed rate of `mynet-lr`'s set.
//!
//! The last `--validation` images of the training file are held out; both runs train on the
//! rest, from the same initial network and the same batches. The schedule is nn's
//! [`ReduceOnPlateau`] watching accuracy on the held-out slice, with each evaluation interval
//! (every `--eval-every-seconds` or `--eval-every-steps`) counted as one "epoch". The test set
//! is only reported, never used for decisions. The seed gives no numbers for this experiment;
//! its best fixed rate (lr 10: 94% at 90 s, 97% at 170 s) is printed beside ours.

use super::{fmt_time_to, train_timed, Budget, BudgetArgs, EvalRow, RunOutcome, Sets, Settings};
use crate::common::{CommonArgs, Context};
use crate::experiments::rashid;
use crate::plot::{self, LineChart, Series};
use crate::run_dir::RunDir;
use anyhow::bail;
use nn::schedule::Constant;
use nn::{Monitor, PlateauConfig, ReduceOnPlateau, Schedule, Threshold};
use serde::Serialize;

/// Flags of `mynet-auto-lr` (rates in the --rate-convention).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The fixed rate compared against: the best of mynet-lr's set (100 in our runs, 10 in
    /// the seed's).
    #[arg(long, default_value_t = 100.0)]
    pub baseline_lr: f64,
    /// The schedule's starting rate ("start high": the largest seed-convention rate that does
    /// not saturate the output units from the seed's initial network; 200 loses some, 300 all).
    #[arg(long, default_value_t = 150.0)]
    pub initial_lr: f64,
    /// Multiplier per reduction.
    #[arg(long, default_value_t = 0.5)]
    pub factor: f64,
    /// Evaluations without improvement before a reduction.
    #[arg(long, default_value_t = 2)]
    pub patience: usize,
    /// Smallest rate.
    #[arg(long, default_value_t = 0.1)]
    pub min_lr: f64,
    /// Held-out accuracy gain that counts as an improvement (absolute, in [0, 1]).
    #[arg(long, default_value_t = 0.002)]
    pub threshold: f64,
    /// Training images held out for the schedule [default: 1000; with --quick: 200].
    #[arg(long)]
    pub validation: Option<usize>,
    /// Budget, evaluation cadence, rate convention, data slice.
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// The fixed rate.
    pub baseline_lr: f64,
    /// The schedule (rates in `budget.rate_convention`; one "epoch" = one evaluation interval).
    pub schedule: PlateauConfig,
    /// Held-out training images.
    pub validation: usize,
    /// Budget and rate convention.
    pub budget: Budget,
    /// Network and data.
    #[serde(flatten)]
    pub settings: Settings,
}

impl Config {
    /// Validates flags into a configuration.
    pub fn from_args(common: &CommonArgs, args: &Args) -> anyhow::Result<Self> {
        let validation = args
            .validation
            .unwrap_or(if args.budget.quick { 200 } else { 1000 });
        if validation == 0 {
            bail!("--validation must be at least 1");
        }
        let schedule = PlateauConfig {
            factor: args.factor,
            patience: args.patience,
            min_lr: args.min_lr,
            threshold: Threshold::Absolute(args.threshold),
            cooldown: 0,
            ..PlateauConfig::new(args.initial_lr, Monitor::ValAccuracy)
        };
        ReduceOnPlateau::new(schedule)?;
        Constant::new(args.baseline_lr)?;
        Ok(Self {
            experiment: "mynet-auto-lr",
            baseline_lr: args.baseline_lr,
            schedule,
            validation,
            budget: args.budget.budget()?,
            settings: args.budget.settings(common)?,
        })
    }
}

/// Runs the fixed rate, then the schedule; writes `config.json`, `metrics.csv`,
/// `accuracy_vs_seconds.png`, `lr.png` and `model.json` (the scheduled network).
pub fn run(ctx: &Context, config: &Config) -> anyhow::Result<[RunOutcome; 2]> {
    let (settings, budget) = (&config.settings, &config.budget);
    let sets = Sets::load(settings, config.validation)?;
    let run_dir = RunDir::create(&ctx.out, config.experiment)?;
    sets.write_config(&run_dir, ctx, config)?;
    println!(
        "mynet-auto-lr: fixed lr {} vs reduce-on-plateau from {} (×{} after {} stalled \
         evaluations, floor {}), {} convention, {} s{} per run, {} train / {} held-out / {} \
         test images, backend {}, {} threads",
        config.baseline_lr,
        config.schedule.initial,
        config.schedule.factor,
        config.schedule.patience,
        config.schedule.min_lr,
        budget.rate_convention.name(),
        budget.seconds,
        budget
            .max_steps
            .map_or(String::new(), |m| format!(" or {m} steps")),
        sets.train.len(),
        sets.validation.len(),
        sets.test.len(),
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());

    let fixed_label = format!("fixed lr {}", config.baseline_lr);
    let mut fixed_schedule = Constant::new(config.baseline_lr)?;
    let fixed = train_timed(
        ctx,
        settings,
        budget,
        &sets,
        &fixed_label,
        &mut fixed_schedule,
    )?;
    run_dir.write_csv("metrics.csv", &fixed.rows)?;
    let mut plateau_schedule = ReduceOnPlateau::new(config.schedule)?;
    let plateau_label = format!("plateau from {}", config.schedule.initial);
    let plateau = train_timed(
        ctx,
        settings,
        budget,
        &sets,
        &plateau_label,
        &mut plateau_schedule,
    )?;
    let rows: Vec<&EvalRow> = fixed.rows.iter().chain(&plateau.rows).collect();
    run_dir.write_csv("metrics.csv", &rows)?;
    let reductions = plateau_schedule.progress().reductions;
    nn::persist::save_json(
        &run_dir.file("model.json"),
        &plateau.model,
        Some(settings.loss),
        &serde_json::to_value(config)?,
        &serde_json::json!({
            "test_accuracy": plateau.last().test_accuracy,
            "final_lr": plateau_schedule.lr(),
            "reductions": reductions,
        }),
    )?;

    let runs = [fixed, plateau];
    let accuracy: Vec<Series> = runs.iter().map(RunOutcome::accuracy_vs_seconds).collect();
    let train = rashid::train_label(sets.train.len());
    // Zoom on the second half of the runs, where the two differ.
    let late: Vec<f64> = runs
        .iter()
        .flat_map(|r| {
            r.rows[r.rows.len() / 2..]
                .iter()
                .map(|e| 100.0 * e.test_accuracy)
        })
        .collect();
    let lo = late.iter().copied().fold(100.0, f64::min);
    let hi = late.iter().copied().fold(0.0, f64::max);
    let zoom = ((lo - 2.0).max(0.0), (hi + 1.0).min(100.0));
    plot::draw_line_chart(
        &run_dir.file("accuracy_vs_seconds.png"),
        &LineChart {
            title: &format!(
                "mynet-auto-lr: plateau schedule ({reductions} cuts) vs fixed rate, {train}"
            ),
            x_label: "training seconds (evaluation excluded)",
            y_label: "test accuracy (%, full test set; zoomed)",
            series: &accuracy,
            y_range: Some(zoom),
            x_log: false,
            mark_best: true,
        },
    )?;
    let rates: Vec<Series> = runs
        .iter()
        .map(|r| {
            Series::new(
                r.legend(),
                r.rows.iter().map(|e| (e.train_seconds, e.lr)).collect(),
            )
        })
        .collect();
    plot::draw_line_chart(
        &run_dir.file("lr.png"),
        &LineChart {
            title: &format!(
                "mynet-auto-lr: learning rate used ({} convention)",
                budget.rate_convention.name()
            ),
            x_label: "training seconds (evaluation excluded)",
            y_label: "learning rate",
            series: &rates,
            y_range: None,
            x_log: false,
            mark_best: false,
        },
    )?;
    print_summary(&runs);
    Ok(runs)
}

fn print_summary(runs: &[RunOutcome]) {
    let levels = [0.85, 0.88, 0.90, 0.94];
    print!(
        "\n{:<20} {:>8} {:>8} {:>8} {:>9}",
        "run", "steps", "final", "best", "final lr"
    );
    for level in levels {
        print!(" {:>20}", format!("{:.0}% s/cpu/steps", 100.0 * level));
    }
    println!();
    for run in runs {
        let last = run.last();
        print!(
            "{:<20} {:>8} {:>8} {:>8} {:>9.4}",
            run.legend(),
            last.step,
            rashid::percent(last.test_accuracy),
            rashid::percent(run.best_accuracy()),
            last.lr
        );
        for level in levels {
            print!(" {:>20}", fmt_time_to(&run.rows, level));
        }
        println!();
    }
    println!(
        "seed, fixed lr 10 (its best; 60k-train, 100 random test images, 12 threads): 94% at 90 s, \
         97% at 170 s; the seed has no numbers for a schedule"
    );
}
