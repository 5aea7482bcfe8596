//! Leave-one-fold-out cross-validation of one setting: for every fold, train a fresh network on
//! the other folds and score it on that fold after every epoch.
//!
//! Folds run in parallel over the rayon pool (`--threads`); each fold's training is sequential
//! and seeded by the run seed and the fold number only, and the GEMMs inside split their rows
//! the same way for a given pool size, so a run's numbers depend on the seed and `--threads`,
//! never on scheduling.

use super::examples::FoldSet;
use crate::common::Context;
use anyhow::bail;
use nn::metrics::ConfusionMatrix;
use nn::optim::OptimizerConfig;
use nn::schedule::ScheduleConfig;
use nn::{EpochRecord, FitOptions, Loss, Model, TrainConfig, Trainer};
use rayon::prelude::*;
use serde::Serialize;

/// How every fold of a setting trains (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct TrainPlan {
    /// Epochs per fold (no early stopping: the last epoch is the one scored).
    pub epochs: usize,
    /// Samples per update.
    pub batch_size: usize,
    /// The loss minimised.
    pub loss: Loss,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// Learning rate over the epochs, in our convention (the mean gradient of a batch).
    pub schedule: ScheduleConfig,
}

/// One epoch of one fold: a row of `metrics.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct EpochRow {
    /// The setting (e.g. `waveform`).
    pub setting: String,
    /// The test fold.
    pub fold: u8,
    /// Epoch, from 1.
    pub epoch: usize,
    /// Learning rate of the epoch (mean-gradient convention).
    pub lr: f32,
    /// Mean training loss of the epoch.
    pub train_loss: f64,
    /// Mean loss on the test fold after the epoch.
    pub test_loss: f64,
    /// Accuracy on the test fold after the epoch, in [0, 1].
    pub test_accuracy: f64,
    /// Training seconds of this epoch (evaluation excluded).
    pub epoch_seconds: f64,
    /// Training seconds so far in this fold.
    pub train_seconds: f64,
}

/// One trained fold.
#[derive(Debug, Clone)]
pub struct FoldRun {
    /// The test fold.
    pub fold: u8,
    /// Training and test clips.
    pub sizes: (usize, usize),
    /// One row per finished epoch.
    pub rows: Vec<EpochRow>,
    /// The network after the last epoch.
    pub model: Model,
    /// Test-fold predictions of that network.
    pub confusion: ConfusionMatrix,
    /// The loss became NaN or infinite and training stopped.
    pub diverged: bool,
}

impl FoldRun {
    /// Test accuracy after the last epoch.
    pub fn accuracy(&self) -> f64 {
        self.rows.last().map_or(0.0, |r| r.test_accuracy)
    }

    /// Training seconds of the fold.
    pub fn seconds(&self) -> f64 {
        self.rows.last().map_or(0.0, |r| r.train_seconds)
    }

    /// Mean training seconds per epoch.
    pub fn seconds_per_epoch(&self) -> f64 {
        self.seconds() / self.rows.len().max(1) as f64
    }
}

/// Every fold of one setting.
#[derive(Debug, Clone)]
pub struct SettingRun {
    /// The setting's name.
    pub name: String,
    /// Inputs per clip.
    pub input_dim: usize,
    /// Trainable parameters of the network.
    pub params: usize,
    /// The folds, ascending.
    pub folds: Vec<FoldRun>,
    /// Wall-clock seconds for all folds (they run in parallel).
    pub wall_seconds: f64,
}

impl SettingRun {
    /// Final test accuracy of each fold.
    pub fn accuracies(&self) -> Vec<f64> {
        self.folds.iter().map(FoldRun::accuracy).collect()
    }

    /// Mean and sample standard deviation (n − 1) of the fold accuracies.
    pub fn mean_std(&self) -> (f64, f64) {
        mean_std(&self.accuracies())
    }

    /// Mean training seconds per epoch over the folds.
    pub fn seconds_per_epoch(&self) -> f64 {
        mean_std(
            &self
                .folds
                .iter()
                .map(FoldRun::seconds_per_epoch)
                .collect::<Vec<_>>(),
        )
        .0
    }

    /// Every epoch row of every fold.
    pub fn rows(&self) -> impl Iterator<Item = &EpochRow> {
        self.folds.iter().flat_map(|f| &f.rows)
    }

    /// The confusion matrix summed over the folds (every clip predicted once).
    pub fn confusion(&self) -> Option<ConfusionMatrix> {
        let first = self.folds.first()?;
        let mut sum = ConfusionMatrix::new(first.confusion.classes());
        for f in &self.folds {
            let k = f.confusion.classes();
            for label in 0..k {
                for predicted in 0..k {
                    for _ in 0..f.confusion.count(label, predicted) {
                        sum.add(label, predicted);
                    }
                }
            }
        }
        Some(sum)
    }
}

/// Mean and sample standard deviation (n − 1; 0 for fewer than two values).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// A seed for `what` in fold `fold`, from the run seed (FNV-1a of the name, mixed with both).
pub fn fold_seed(seed: u64, fold: u8, what: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in what.bytes().chain([fold]) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Prints a progress line every few epochs (folds run in parallel, so no progress bars) and
/// stops at Ctrl-C.
struct Progress<'a> {
    label: &'a str,
    fold: u8,
    epochs: usize,
}

impl nn::Observer for Progress<'_> {
    fn on_epoch(&mut self, r: &EpochRecord) {
        let every = (self.epochs / 5).max(1);
        if r.epoch.is_multiple_of(every) || r.epoch == self.epochs {
            let acc = r.test.map_or(0.0, |t| t.accuracy());
            println!(
                "  {} fold {}: epoch {:>3}/{} loss {:.4} test {:5.1}% ({:.2} s/epoch)",
                self.label,
                self.fold,
                r.epoch,
                self.epochs,
                r.train_loss,
                100.0 * acc,
                r.seconds
            );
        }
    }

    fn should_stop(&mut self) -> bool {
        crate::control::interrupted()
    }
}

/// Cross-validates one setting over `folds`: `sets(fold)` gives the training and test sets of
/// a test fold, `model(rng)` a fresh network (drawn from the fold's `init` stream).
///
/// # Errors
/// Any error of `sets` or `model`, a training error, or Ctrl-C.
pub fn cross_validate<'a, S, M>(
    ctx: &Context,
    name: &str,
    folds: &[u8],
    plan: &TrainPlan,
    train_config: TrainConfig,
    sets: S,
    model: M,
) -> anyhow::Result<SettingRun>
where
    S: Fn(u8) -> anyhow::Result<(FoldSet<'a>, FoldSet<'a>)> + Sync,
    M: Fn(&mut nn::rng::Rng) -> anyhow::Result<Model> + Sync,
{
    let start = std::time::Instant::now();
    let one = |fold: u8| -> anyhow::Result<FoldRun> {
        let (train, test) = sets(fold)?;
        let mut net = model(&mut nn::rng::stream(
            fold_seed(ctx.seed, fold, "init"),
            "init",
        ))?;
        let mut trainer = Trainer::new(&net, train_config, fold_seed(ctx.seed, fold, "trainer"))?;
        let mut optimizer = super::optim::build(&plan.optimizer, &net)?;
        let mut schedule = plan.schedule.build()?;
        let mut progress = Progress {
            label: name,
            fold,
            epochs: plan.epochs,
        };
        let report = nn::fit(
            &mut trainer,
            &mut net,
            optimizer.as_mut(),
            schedule.as_mut(),
            &train,
            FitOptions {
                epochs: plan.epochs,
                test: Some(&test),
                ..FitOptions::default()
            },
            &mut progress,
        )?;
        if report.interrupted_at.is_some() {
            bail!("interrupted (Ctrl-C) during fold {fold} of {name}");
        }
        let mut confusion = ConfusionMatrix::new(net.d_output());
        trainer.evaluate_with(&net, &test, |l, p| confusion.add(l, p))?;
        let mut seconds = 0.0;
        let rows = report
            .epochs
            .iter()
            .map(|r| {
                seconds += r.seconds;
                let t = r.test.expect("fit evaluates the test set");
                EpochRow {
                    setting: name.to_string(),
                    fold,
                    epoch: r.epoch,
                    lr: r.lr,
                    train_loss: r.train_loss,
                    test_loss: t.mean_loss(),
                    test_accuracy: t.accuracy(),
                    epoch_seconds: r.seconds,
                    train_seconds: seconds,
                }
            })
            .collect();
        use nn::Dataset as _;
        Ok(FoldRun {
            fold,
            sizes: (train.len(), test.len()),
            rows,
            model: net,
            confusion,
            diverged: report.diverged_at.is_some(),
        })
    };
    let runs: Vec<FoldRun> = folds
        .par_iter()
        .map(|&f| one(f))
        .collect::<anyhow::Result<_>>()?;
    let first = &runs[0].model;
    Ok(SettingRun {
        name: name.to_string(),
        input_dim: first.d_input(),
        params: first.num_params(),
        wall_seconds: start.elapsed().as_secs_f64(),
        folds: runs,
    })
}
