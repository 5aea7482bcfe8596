//! Timing one configuration: warm-up epochs, then timed epochs of `Trainer::train_epoch` on
//! data already in memory (u8 pixels, converted per batch); evaluation is not timed.

use super::configs::BenchConfig;
use super::machine;
use crate::mnist_source::{MnistSource, PixelScaling};
use data::ImageSet;
use linalg::Backend;
use nn::{optim::Sgd, Backprop, NoObserver, SplitBatch, TrainConfig, Trainer};
use serde::{Deserialize, Serialize};

/// Pixels to `[0, 1]`.
const UNIT_SCALING: PixelScaling = PixelScaling {
    scale: 1.0 / 255.0,
    offset: 0.0,
};

/// What to time.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Backend of every GEMM.
    pub backend: Backend,
    /// Threads of the rayon pool the caller runs this in (and of BLAS).
    pub threads: usize,
    /// Untimed epochs first.
    pub warmup: usize,
    /// Timed epochs.
    pub epochs: usize,
    /// Seed of the initial network and the shuffles.
    pub seed: u64,
    /// Whether batches are split over the threads (`nn::SplitBatch`).
    pub split_batch: SplitBatch,
}

/// The timings of one configuration on one backend and thread count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// Configuration name.
    pub config: String,
    /// `pure` or `blas`.
    pub backend: String,
    /// Threads.
    pub threads: usize,
    /// Training samples per epoch.
    pub samples: usize,
    /// Seconds of every timed epoch, in order.
    pub epoch_s: Vec<f64>,
    /// Median of `epoch_s`.
    pub median_s: f64,
    /// Fastest timed epoch.
    pub min_s: f64,
    /// Slowest timed epoch.
    pub max_s: f64,
    /// CPU seconds (all threads) of the timed epochs; about `threads × Σ epoch_s` on an idle
    /// machine, less when other processes took the cores.
    pub cpu_s: Option<f64>,
    /// Median CPU seconds (all threads) of one timed epoch (10 ms resolution): with one thread,
    /// the epoch time with the time other processes took removed.
    pub median_cpu_s: Option<f64>,
    /// The 1-minute load average at the end of the run.
    pub load_avg: Option<f64>,
    /// Mean training loss of the last epoch (a sanity check that training happened).
    pub last_loss: f64,
    /// `VmHWM` at the end: peak RSS of the whole process, data loading included (bytes).
    pub peak_rss: Option<u64>,
    /// Peak RSS from just before the trainer is built to the end (bytes), when the kernel lets
    /// the peak be reset.
    pub train_peak_rss: Option<u64>,
    /// The `OPENBLAS_CORETYPE` this process started with.
    pub openblas_coretype: Option<String>,
    /// Threads the training batches were split over (`None`: every product split instead).
    #[serde(default)]
    pub split_threads: Option<usize>,
    /// Core-to-core round trips measured right before and right after a multi-thread run's
    /// epochs ([`machine::core_round_trip_ns`]), in ns (the host may move the vCPUs meanwhile).
    #[serde(default)]
    pub core_round_trip_ns: Option<[f64; 2]>,
}

/// Median of a non-empty slice.
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// The trainer settings of `config` (evaluation batches no larger than training batches, so the
/// workspace is sized for one training batch).
pub fn train_config(
    config: &BenchConfig,
    backend: Backend,
    split_batch: SplitBatch,
) -> TrainConfig {
    TrainConfig {
        batch_size: config.batch_size,
        shuffle: true,
        backend,
        loss: config.loss,
        targets: config.targets,
        eval_batch_size: config.batch_size,
        backprop: Backprop::Gradient,
        split_batch,
    }
}

/// Pixel scaling of `config`: the book's `x/255·0.99 + 0.01` for `rashid`, else `x/255`.
pub fn scaling(config: &BenchConfig) -> PixelScaling {
    if config.targets == nn::TargetEncoding::RASHID {
        PixelScaling::RASHID
    } else {
        UNIT_SCALING
    }
}

/// Times `config` on `set` under `plan`, calling `on_epoch(index, seconds, warm_up)` after each.
pub fn time_config(
    config: &BenchConfig,
    set: &ImageSet,
    plan: &Plan,
    mut on_epoch: impl FnMut(usize, f64, bool),
) -> anyhow::Result<Measurement> {
    anyhow::ensure!(plan.epochs >= 1, "at least one timed epoch is needed");
    let source = MnistSource {
        set,
        scaling: scaling(config),
    };
    let rtt = || {
        (plan.threads >= 2)
            .then(machine::core_round_trip_ns)
            .flatten()
    };
    let rtt_before = rtt();
    let load_peak = machine::peak_rss();
    let reset = machine::reset_peak_rss();
    let mut model = config.model(plan.seed)?;
    let mut trainer = Trainer::new(
        &model,
        train_config(config, plan.backend, plan.split_batch),
        plan.seed,
    )?;
    let mut sgd = Sgd::plain();
    let mut epoch_s = Vec::with_capacity(plan.epochs);
    let mut last_loss = f64::NAN;
    let mut cpu_start = None;
    let mut epoch_cpu = Vec::with_capacity(plan.epochs);
    for e in 0..plan.warmup + plan.epochs {
        if e == plan.warmup {
            cpu_start = machine::cpu_seconds();
        }
        let cpu_before = machine::cpu_seconds();
        let stats =
            trainer.train_epoch(&mut model, &mut sgd, config.lr, &source, e, &mut NoObserver)?;
        let warm = e < plan.warmup;
        if !warm {
            epoch_s.push(stats.seconds);
            if let (Some(a), Some(b)) = (cpu_before, machine::cpu_seconds()) {
                epoch_cpu.push(b - a);
            }
        }
        last_loss = stats.mean_loss;
        on_epoch(e, stats.seconds, warm);
    }
    let peak = machine::peak_rss();
    let cpu_s = cpu_start.zip(machine::cpu_seconds()).map(|(a, b)| b - a);
    Ok(Measurement {
        config: config.name.to_string(),
        backend: plan.backend.name().to_string(),
        threads: plan.threads,
        samples: set.len(),
        median_s: median(&epoch_s),
        min_s: epoch_s.iter().copied().fold(f64::INFINITY, f64::min),
        max_s: epoch_s.iter().copied().fold(0.0, f64::max),
        epoch_s,
        cpu_s,
        median_cpu_s: (epoch_cpu.len() == plan.epochs).then(|| median(&epoch_cpu)),
        load_avg: machine::load_average(),
        last_loss,
        peak_rss: peak.max(load_peak),
        train_peak_rss: if reset { peak } else { None },
        openblas_coretype: machine::coretype_in_effect(),
        split_threads: trainer.split_threads(),
        core_round_trip_ns: rtt_before.zip(rtt()).map(|(a, b)| [a, b]),
    })
}

/// `n` synthetic 28×28 images with labels `i % 10` (deterministic), for `--quick`.
pub fn synthetic_set(n: usize) -> ImageSet {
    let pixels = (0..n * 784)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let labels = (0..n).map(|i| (i % 10) as u8).collect();
    ImageSet::new(28, 28, pixels, labels, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
