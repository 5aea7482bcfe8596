//! Independent Rashid runs over a list of learning rates, in parallel within the thread budget.
//!
//! Every rate trains its own copy of the *same* initial network (stream `"init"` of the run
//! seed), so rates are compared on equal footing; the seed drew a fresh random network per rate.
//! Runs go to the global rayon pool (`ctx.threads` threads) with `par_iter`; a run's own GEMMs are
//! tiny (one sample per update) and its evaluation GEMMs split over the same pool, so the pool's
//! thread count is the whole budget. No result depends on the thread count: each run has its own
//! trainer and model, and the pure GEMM computes each element the same way for any split. With
//! the BLAS backend, OpenBLAS is set to one thread for the duration of the sweep.

use super::rashid::{self, Bars, EpochRow, Sets, Settings};
use crate::common::Context;
use crate::run_dir::RunDir;
use indicatif::{ProgressBar, ProgressStyle};
use nn::Model;
use rayon::prelude::*;
use serde::Serialize;

/// One rate's run.
#[derive(Debug, Clone)]
pub struct RateRun {
    /// Learning rate.
    pub lr: f32,
    /// Scores after each epoch.
    pub rows: Vec<EpochRow>,
    /// The network at its best epoch (the first of equals).
    pub best_model: Model,
}

impl RateRun {
    /// The best epoch's row.
    pub fn best(&self) -> &EpochRow {
        rashid::best_row(&self.rows).expect("a run has at least one epoch")
    }

    /// The last epoch's row.
    pub fn last(&self) -> &EpochRow {
        self.rows.last().expect("a run has at least one epoch")
    }
}

/// One row of a sweep's `metrics.csv`: a (rate, epoch) score.
#[derive(Debug, Clone, Serialize)]
pub struct SweepRow {
    /// Learning rate.
    pub lr: f32,
    /// Epoch (1-based).
    pub epoch: usize,
    /// Test accuracy in [0, 1].
    pub test_accuracy: f64,
    /// Correct test predictions.
    pub test_correct: usize,
    /// Mean test loss after the epoch.
    pub test_loss: f64,
    /// Mean training loss of the epoch.
    pub train_loss: f64,
    /// Seconds of training in the epoch (evaluation excluded).
    pub seconds: f64,
}

/// The rows of every run, rate by rate, epoch by epoch.
pub fn sweep_rows(runs: &[RateRun]) -> Vec<SweepRow> {
    runs.iter()
        .flat_map(|run| {
            run.rows.iter().map(move |r| SweepRow {
                lr: run.lr,
                epoch: r.epoch,
                test_accuracy: r.test_accuracy,
                test_correct: r.test_correct,
                test_loss: r.test_loss,
                train_loss: r.train_loss,
                seconds: r.seconds,
            })
        })
        .collect()
}

/// The run whose best epoch scores highest (the lowest rate of equals).
pub fn best_run(runs: &[RateRun]) -> Option<&RateRun> {
    runs.iter().reduce(|best, r| {
        if r.best().test_accuracy > best.best().test_accuracy {
            r
        } else {
            best
        }
    })
}

/// Trains one network per rate for `epochs` epochs each, in parallel, showing one bar over all
/// (rate, epoch) steps. Results come back in the order of `rates`.
pub fn run_rates(
    ctx: &Context,
    settings: &Settings,
    sets: &Sets,
    rates: &[f32],
    epochs: usize,
) -> anyhow::Result<Vec<RateRun>> {
    let bar = ProgressBar::new((rates.len() * epochs) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} epochs  {msg}  {elapsed}<{eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(format!("{} rates × {epochs} epochs", rates.len()));
    let blas = ctx.backend != linalg::Backend::Pure;
    if blas {
        linalg::set_threads(1);
    }
    let runs = rates
        .par_iter()
        .map(|&lr| {
            let mut best: Option<(f64, Model)> = None;
            let trained = rashid::train_run(
                ctx,
                settings,
                sets,
                epochs,
                lr,
                Bars::Off,
                rashid::RunControl::default(),
                |rows, model| {
                    let r = rows.last().expect("called after an epoch");
                    if best.as_ref().is_none_or(|(acc, _)| r.test_accuracy > *acc) {
                        best = Some((r.test_accuracy, model.clone()));
                    }
                    bar.inc(1);
                    bar.set_message(format!(
                        "lr {lr} epoch {}: {}",
                        r.epoch,
                        rashid::percent(r.test_accuracy)
                    ));
                    Ok(())
                },
            )?;
            let best_model = best.map_or(trained.model, |(_, m)| m);
            Ok(RateRun {
                lr,
                rows: trained.rows,
                best_model,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>();
    if blas {
        linalg::set_threads(ctx.threads);
    }
    bar.finish_and_clear();
    runs
}

/// The common start of the rate sweeps (`exp2-learning-rate`, `exp4-lr-vs-epochs`): loads the
/// data, creates the run directory with `config.json`, prints what runs, trains every rate from
/// the same initial network and writes `metrics.csv` (one row per rate × epoch). Returns the
/// data, the run directory and the runs, in rate order.
pub fn run_rate_sweep<C: Serialize>(
    ctx: &Context,
    experiment: &str,
    settings: &Settings,
    rates: &[f32],
    epochs: usize,
    config: &C,
) -> anyhow::Result<(Sets, RunDir, Vec<RateRun>)> {
    let sets = Sets::load(settings)?;
    let run_dir = RunDir::create(&ctx.out, experiment)?;
    sets.write_config(&run_dir, ctx, config)?;
    println!(
        "{experiment}: {:?} sigmoid, {:?} backprop, {} rates × {epochs} epoch{}, same initial \
         network for every rate, {} train / {} test images, backend {}, {} threads",
        settings.sizes,
        settings.backprop,
        rates.len(),
        if epochs == 1 { "" } else { "s" },
        sets.train.len(),
        sets.test.len(),
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());
    let runs = run_rates(ctx, settings, &sets, rates, epochs)?;
    run_dir.write_csv("metrics.csv", &sweep_rows(&runs))?;
    Ok((sets, run_dir, runs))
}
