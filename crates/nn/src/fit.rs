//! Whole training runs: epochs under a learning-rate [`Schedule`], evaluation on validation and
//! test sets after each epoch, early stopping, and divergence detection.

use crate::early_stopping::{Decision, EarlyStopping};
use crate::optim::Optimizer;
use crate::{Dataset, EpochMetrics, Evaluation, Model, Observer, Result, Schedule, Trainer};

/// What [`fit`] does besides training.
#[derive(Default)]
pub struct FitOptions<'a> {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Evaluated after every epoch; feeds schedules and early stopping.
    pub validation: Option<&'a dyn Dataset>,
    /// Evaluated after every epoch; reported only, never used for decisions.
    pub test: Option<&'a dyn Dataset>,
    /// Stops training when the monitored metric stops improving.
    pub early_stopping: Option<EarlyStopping>,
    /// Epochs already completed before this call (0 for a fresh run, the checkpoint's count
    /// when resuming); training runs epochs `start_epoch + 1 ..= epochs`.
    pub start_epoch: usize,
}

/// One finished epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Learning rate used during the epoch.
    pub lr: f32,
    /// Mean training loss (before each batch's update).
    pub train_loss: f64,
    /// Seconds of training (evaluation excluded).
    pub seconds: f64,
    /// Validation result, when a validation set was given.
    pub validation: Option<Evaluation>,
    /// Test result, when a test set was given.
    pub test: Option<Evaluation>,
}

/// Why a run ended and what it saw.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Every finished epoch.
    pub epochs: Vec<EpochRecord>,
    /// Epoch (from 1) after which early stopping ended the run.
    pub stopped_early_at: Option<usize>,
    /// Epoch (from 1) whose training loss was NaN or infinite; the run stops there.
    pub diverged_at: Option<usize>,
    /// Best epoch (from 1) by the early-stopping monitor, when early stopping was on.
    pub best_epoch: Option<usize>,
    /// Epoch (from 1) that the observer interrupted ([`crate::Observer::should_stop`]); the
    /// trainer keeps its position, so a later call resumes inside that epoch.
    pub interrupted_at: Option<usize>,
}

/// Trains `model` for up to `options.epochs` epochs.
///
/// Each epoch: train at `schedule.lr()`, evaluate on the validation and test sets, call
/// `observer.on_epoch`, then give the [`EpochMetrics`] to the schedule and to early stopping.
/// A non-finite training loss or a parameter left NaN or infinite by an update
/// ([`EpochStats::diverged`](crate::EpochStats::diverged)) ends the run (recorded in
/// [`FitReport::diverged_at`]) instead of training on NaN.
///
/// # Errors
/// As [`Trainer::train_epoch`] and [`Trainer::evaluate`].
pub fn fit(
    trainer: &mut Trainer,
    model: &mut Model,
    optimizer: &mut dyn Optimizer,
    schedule: &mut dyn Schedule,
    train: &dyn Dataset,
    mut options: FitOptions<'_>,
    observer: &mut dyn Observer,
) -> Result<FitReport> {
    let mut report = FitReport {
        epochs: Vec::with_capacity(options.epochs),
        stopped_early_at: None,
        diverged_at: None,
        best_epoch: None,
        interrupted_at: None,
    };
    for e in options.start_epoch..options.epochs {
        let lr = schedule.lr();
        let stats = trainer.train_epoch(model, optimizer, lr, train, e + 1, observer)?;
        if !stats.completed {
            report.interrupted_at = Some(e + 1);
            break;
        }
        let validation = options
            .validation
            .map(|v| trainer.evaluate(model, v))
            .transpose()?;
        let test = options
            .test
            .map(|t| trainer.evaluate(model, t))
            .transpose()?;
        let record = EpochRecord {
            epoch: e + 1,
            lr,
            train_loss: stats.mean_loss,
            seconds: stats.seconds,
            validation,
            test,
        };
        observer.on_epoch(&record);
        report.epochs.push(record);
        if stats.diverged() {
            report.diverged_at = Some(e + 1);
            break;
        }
        let metrics = EpochMetrics {
            train_loss: stats.mean_loss,
            val_loss: validation.map(|v| v.mean_loss()),
            val_accuracy: validation.map(|v| v.accuracy()),
        };
        schedule.end_epoch(e, &metrics);
        if let Some(es) = options.early_stopping.as_mut() {
            let decision = es.update(e, &metrics);
            report.best_epoch = es.best_epoch().map(|b| b + 1);
            if decision == Decision::Stop {
                report.stopped_early_at = Some(e + 1);
                break;
            }
        }
    }
    Ok(report)
}
