//! Training the settings of one experiment: each from a fresh copy of the initial network, scored
//! on the validation and test sets after every epoch, all in parallel within the thread budget.
//!
//! Settings run with rayon `par_iter` in the global pool (`ctx.threads` threads; a setting's own
//! GEMMs split over the same pool). No result depends on the thread count or on which setting
//! finishes first: every setting has its own model, trainer and optimizer, draws its initial
//! network from the named stream [`INIT_STREAM`](super::setting::INIT_STREAM) and its sample order
//! from the trainer's `"shuffle"` stream of the run seed, and the pure GEMM computes each element
//! the same way for any split. So all settings of a run start from the same network and see the
//! samples in the same order (common random numbers: they differ only in what is compared). With
//! the BLAS backend, OpenBLAS is set to one thread while settings run in parallel.

use super::sets::{source, Sets};
use super::setting::Setting;
use crate::common::Context;
use indicatif::{ProgressBar, ProgressStyle};
use nn::optim::OptimizerConfig;
use nn::{BatchEvent, EpochRecord, FitOptions, Model, Observer, Trainer};
use rayon::prelude::*;
use serde::Serialize;

/// One row of `metrics.csv`: a (setting, epoch) score.
#[derive(Debug, Clone, Serialize)]
pub struct EpochRow {
    /// Setting name.
    pub setting: String,
    /// Epoch, from 1.
    pub epoch: usize,
    /// Learning rate of the epoch (as trained, i.e. `η/B` in per-example mode).
    pub lr: f32,
    /// Mean training loss of the epoch (before each batch's update).
    pub train_loss: f64,
    /// Validation accuracy in [0, 1].
    pub validation_accuracy: f64,
    /// Mean validation loss.
    pub validation_loss: f64,
    /// Test accuracy in [0, 1].
    pub test_accuracy: f64,
    /// Correct test predictions.
    pub test_correct: usize,
    /// Mean test loss.
    pub test_loss: f64,
    /// Seconds of training in the epoch (evaluation excluded).
    pub seconds: f64,
}

/// A finished setting.
#[derive(Debug, Clone)]
pub struct SettingRun {
    /// What was trained.
    pub setting: Setting,
    /// Scores after each epoch.
    pub rows: Vec<EpochRow>,
    /// The network after the last epoch.
    pub model: Model,
    /// Epoch whose training loss was not finite (the run stopped there).
    pub diverged_at: Option<usize>,
}

/// The first row with the largest `key` (rows are never empty).
fn first_max(rows: &[EpochRow], key: impl Fn(&EpochRow) -> f64) -> &EpochRow {
    rows.iter()
        .reduce(|best, r| if key(r) > key(best) { r } else { best })
        .expect("a run has at least one epoch")
}

impl SettingRun {
    /// The last epoch.
    pub fn last(&self) -> &EpochRow {
        self.rows.last().expect("a run has at least one epoch")
    }

    /// The epoch with the highest test accuracy (what the seeds report as "max"/"best").
    pub fn best_test(&self) -> &EpochRow {
        first_max(&self.rows, |r| r.test_accuracy)
    }

    /// The epoch picked by validation accuracy (the honest choice: the test set plays no part).
    pub fn picked(&self) -> &EpochRow {
        first_max(&self.rows, |r| r.validation_accuracy)
    }

    /// Mean training seconds per epoch.
    pub fn seconds_per_epoch(&self) -> f64 {
        self.rows.iter().map(|r| r.seconds).sum::<f64>() / self.rows.len() as f64
    }
}

/// How to run the settings of an experiment.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// Backend, threads, seed.
    pub ctx: &'a Context,
    /// The data.
    pub sets: &'a Sets,
    /// Layer sizes.
    pub sizes: &'a [usize],
    /// Epochs per setting.
    pub epochs: usize,
    /// One setting after another (cleaner seconds per epoch) instead of in parallel.
    pub sequential: bool,
    /// Print `Epoch k: n / 10000, Test_Accuracy : x %` after every epoch (the seed's log line;
    /// `k` from 0 as in `network.py`); settings after the first get their name in front.
    pub seed_log: bool,
}

/// Trains every setting (see the module docs); results come back in the order of `settings`.
pub fn run_settings(plan: &Plan, settings: &[Setting]) -> anyhow::Result<Vec<SettingRun>> {
    let total = (settings.len() * plan.epochs * plan.sets.train.len()) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3}%  {msg}  {elapsed}<{eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(format!(
        "{} settings × {} epochs",
        settings.len(),
        plan.epochs
    ));
    let blas = plan.ctx.backend != linalg::Backend::Pure && !plan.sequential;
    if blas {
        linalg::set_threads(1);
    }
    let one = |(i, setting): (usize, &Setting)| run_one(plan, setting, &bar, i == 0);
    let runs = if plan.sequential {
        settings.iter().enumerate().map(one).collect()
    } else {
        settings.par_iter().enumerate().map(one).collect()
    };
    if blas {
        linalg::set_threads(plan.ctx.threads);
    }
    bar.finish_and_clear();
    runs
}

fn run_one(
    plan: &Plan,
    setting: &Setting,
    bar: &ProgressBar,
    first: bool,
) -> anyhow::Result<SettingRun> {
    let ctx = plan.ctx;
    let mut model = setting.init_model(plan.sizes, ctx.seed)?;
    let mut trainer = Trainer::new(&model, setting.train_config(ctx.backend), ctx.seed)?;
    let mut optimizer = OptimizerConfig::Sgd(setting.optimizer).build(&model)?;
    let mut schedule = setting.rate.schedule().build()?;
    let (train, validation, test) = (
        source(&plan.sets.train),
        source(&plan.sets.validation),
        source(&plan.sets.test),
    );
    let mut watch = Watch {
        bar,
        name: &setting.name,
        pending: 0,
        last_samples: 0,
        log: plan.seed_log.then_some(if first {
            String::new()
        } else {
            format!("[{}] ", setting.name)
        }),
    };
    let report = nn::fit(
        &mut trainer,
        &mut model,
        optimizer.as_mut(),
        schedule.as_mut(),
        &train,
        FitOptions {
            epochs: plan.epochs,
            validation: Some(&validation),
            test: Some(&test),
            early_stopping: None,
            ..Default::default()
        },
        &mut watch,
    )?;
    let rows = report
        .epochs
        .iter()
        .map(|r| {
            let (v, t) = (
                r.validation.expect("a validation set is given"),
                r.test.expect("a test set is given"),
            );
            EpochRow {
                setting: setting.name.clone(),
                epoch: r.epoch,
                lr: r.lr,
                train_loss: r.train_loss,
                validation_accuracy: v.accuracy(),
                validation_loss: v.mean_loss(),
                test_accuracy: t.accuracy(),
                test_correct: t.correct,
                test_loss: t.mean_loss(),
                seconds: r.seconds,
            }
        })
        .collect();
    let run = SettingRun {
        setting: setting.clone(),
        rows,
        model,
        diverged_at: report.diverged_at,
    };
    if !plan.seed_log {
        let (last, best) = (run.last(), run.best_test());
        bar.suspend(|| {
            println!(
                "{}: final {:.2}%, best {:.2}% (epoch {}), {:.2} s/epoch{}",
                setting.name,
                100.0 * last.test_accuracy,
                100.0 * best.test_accuracy,
                best.epoch,
                run.seconds_per_epoch(),
                run.diverged_at
                    .map_or(String::new(), |e| format!(", diverged at epoch {e}"))
            )
        });
    }
    Ok(run)
}

/// Feeds the progress bar (training samples done) and prints the seed's log lines.
struct Watch<'a> {
    bar: &'a ProgressBar,
    name: &'a str,
    pending: u64,
    last_samples: usize,
    /// `Some(prefix)` to print a log line per epoch.
    log: Option<String>,
}

impl Observer for Watch<'_> {
    fn on_batch(&mut self, event: &BatchEvent) {
        if event.batch == 0 {
            self.last_samples = 0;
        }
        self.pending += (event.samples - self.last_samples) as u64;
        self.last_samples = event.samples;
        if self.pending >= 4096 || event.batch + 1 == event.batches {
            self.bar.inc(self.pending);
            self.pending = 0;
        }
    }

    fn on_epoch(&mut self, record: &EpochRecord) {
        let Some(test) = record.test else { return };
        let percent = 100.0 * test.accuracy();
        if let Some(prefix) = &self.log {
            self.bar.suspend(|| {
                println!(
                    "{prefix}Epoch {}: {} / {}, Test_Accuracy : {percent:.2} %",
                    record.epoch - 1,
                    test.correct,
                    test.total
                )
            });
        }
        self.bar.set_message(format!(
            "{} epoch {}: {percent:.2}%",
            self.name, record.epoch
        ));
    }
}
