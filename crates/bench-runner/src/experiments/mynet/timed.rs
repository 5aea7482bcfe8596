//! One mynet run: random batches of 256 until the budget is spent, scored at evaluation points,
//! with the rate taken from a [`Schedule`] that hears every evaluation as an "epoch".

use super::{Budget, Sets, Settings};
use crate::common::Context;
use indicatif::{ProgressBar, ProgressStyle};
use nn::optim::Sgd;
use nn::{EpochMetrics, Model, Schedule, Trainer};
use serde::Serialize;
use std::time::Instant;

/// Test images in the seed's noisy accuracy figure.
pub const SEED_EVAL_IMAGES: usize = 100;

/// SplitMix64 over a named stream of the run seed, for batch indices.
///
/// bench-runner has no `rand` dependency, so it cannot draw integers from `nn::rng::stream`'s
/// ChaCha generator; this small generator (seeded like `nn::rng::stream`: FNV-1a of the name,
/// mixed with the seed) keeps the same property, one reproducible stream per name.
#[derive(Debug, Clone)]
pub struct IndexStream(u64);

impl IndexStream {
    /// The stream `name` of `seed`.
    pub fn new(seed: u64, name: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ h)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fills `out` with indices uniform in `0..n` (with replacement; multiply-shift, bias
    /// below `n/2⁶⁴`).
    pub fn fill(&mut self, n: usize, out: &mut [usize]) {
        for o in out {
            *o = ((u128::from(self.next_u64()) * n as u128) >> 64) as usize;
        }
    }
}

pub use crate::cpu_time::process_cpu_seconds;

/// `x` as the f64 with the same shortest decimal form (`0.1f32` → `0.1`, not
/// `0.10000000149011612`), so rates read back as typed.
fn tidy(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// One evaluation point of a run (a row of `metrics.csv`).
#[derive(Debug, Clone, Serialize)]
pub struct EvalRow {
    /// Which run: `lr 10`, `plateau`, ….
    pub run: String,
    /// Rate used since the previous point, in the configured convention.
    pub lr: f64,
    /// The same rate as a mean-gradient rate (what the trainer used).
    pub lr_mean: f64,
    /// Steps (batches) so far.
    pub step: u64,
    /// Training seconds so far (wall clock, evaluation excluded).
    pub train_seconds: f64,
    /// CPU seconds of training so far (all threads, evaluation excluded; 10 ms resolution;
    /// empty where unavailable).
    pub cpu_seconds: Option<f64>,
    /// Mean batch loss since the previous point (empty at step 0; NaN once diverged).
    pub train_loss: Option<f64>,
    /// Mean loss on the full test set.
    pub test_loss: f64,
    /// Accuracy on the full test set, in [0, 1].
    pub test_accuracy: f64,
    /// Correct test predictions.
    pub test_correct: usize,
    /// Accuracy on 100 random test images (the seed's figure).
    pub test_accuracy_100: f64,
    /// Accuracy on the held-out slice, when there is one.
    pub val_accuracy: Option<f64>,
    /// The training loss became NaN or infinite; the run stopped here.
    pub diverged: bool,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Run label.
    pub label: String,
    /// Every evaluation point.
    pub rows: Vec<EvalRow>,
    /// The final network.
    pub model: Model,
    /// Whether the loss went non-finite.
    pub diverged: bool,
}

impl RunOutcome {
    /// The last evaluation point.
    pub fn last(&self) -> &EvalRow {
        self.rows.last().expect("a run has an evaluation at step 0")
    }

    /// The best full-test accuracy of the run.
    pub fn best_accuracy(&self) -> f64 {
        self.rows
            .iter()
            .map(|r| r.test_accuracy)
            .fold(0.0, f64::max)
    }
    /// `diverged` (non-finite loss), `collapsed` or `ok`. With sigmoid outputs, squared error
    /// and one-hot targets, too large a rate saturates every output unit at 0: the batch loss
    /// freezes at exactly ½ and accuracy at chance. A run is `collapsed` when its last interval's
    /// mean loss is within 10⁻³ of ½ and its test accuracy below 20%.
    pub fn status(&self) -> &'static str {
        let last = self.last();
        let frozen = last.train_loss.is_some_and(|l| (l - 0.5).abs() < 1e-3);
        if self.diverged {
            "diverged"
        } else if frozen && last.test_accuracy < 0.2 {
            "collapsed"
        } else {
            "ok"
        }
    }

    /// The legend text: the label, with the status unless `ok`.
    pub fn legend(&self) -> String {
        match self.status() {
            "ok" => self.label.clone(),
            status => format!("{} ({status})", self.label),
        }
    }

    /// Full-test accuracy (%) against training seconds, one point per evaluation, as a series
    /// named by [`RunOutcome::legend`].
    pub fn accuracy_vs_seconds(&self) -> crate::plot::Series {
        let pts = self
            .rows
            .iter()
            .map(|e| (e.train_seconds, 100.0 * e.test_accuracy));
        crate::plot::Series::new(self.legend(), pts.collect())
    }
}

/// A progress bar for one budgeted run (position in per-mille of the budget).
pub fn run_bar(label: &str) -> ProgressBar {
    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {msg}  {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar
}

/// Trains the seed's initial network on random batches of `sets.train` until `budget` is
/// spent. At step 0 and at every evaluation point it scores the full test set (and the
/// held-out slice, if any), records a row, and (except at step 0 and at the final point) hands
/// the metrics to `schedule` as one "epoch"; the schedule's rate (configured convention) times
/// `budget.mean_rate_per_unit` is the trainer's rate. A non-finite batch loss ends the run with
/// a row marked `diverged`.
pub fn train_timed(
    ctx: &Context,
    settings: &Settings,
    budget: &Budget,
    sets: &Sets,
    label: &str,
    schedule: &mut dyn Schedule,
) -> anyhow::Result<RunOutcome> {
    let mut model = settings.init_model(ctx)?;
    let mut trainer = Trainer::new(&model, settings.train_config(ctx), ctx.seed)?;
    let mut optimizer = Sgd::plain();
    let train = Sets::source(&sets.train);
    let (test, validation) = (Sets::source(&sets.test), Sets::source(&sets.validation));
    let mut batches = IndexStream::new(ctx.seed, "batches");
    let mut picks = IndexStream::new(ctx.seed, "eval-100");
    let mut indices = vec![0usize; settings.batch_size];
    let mut pick = vec![0usize; SEED_EVAL_IMAGES];
    let mut correct: Vec<bool> = Vec::with_capacity(sets.test.len());
    let bar = run_bar(label);

    let mut rows = Vec::new();
    let (mut step, mut seconds) = (0u64, 0.0f64);
    let (mut loss_sum, mut loss_count) = (0.0f64, 0u64);
    let mut next_eval_seconds = budget.eval_every_seconds;
    let mut diverged = false;
    let cpu_start = process_cpu_seconds();
    let mut cpu_in_evals = 0.0;
    loop {
        // The rate of the interval that ends here (for the row).
        let lr = tidy(schedule.lr());
        let lr_mean = lr * budget.mean_rate_per_unit;
        // Ctrl-C (see `crate::control`) ends the run like a spent budget.
        let done = seconds >= budget.seconds
            || budget.max_steps.is_some_and(|m| step >= m)
            || crate::control::interrupted();
        let due = match budget.eval_every_steps {
            Some(k) => step % k == 0,
            None => step == 0 || seconds >= next_eval_seconds,
        };
        if due || done || diverged {
            while budget.eval_every_steps.is_none() && seconds >= next_eval_seconds {
                next_eval_seconds += budget.eval_every_seconds;
            }
            let cpu_before = process_cpu_seconds();
            correct.clear();
            let eval = trainer.evaluate_with(&model, &test, |l, p| correct.push(l == p))?;
            picks.fill(correct.len(), &mut pick);
            let hits = pick.iter().filter(|&&i| correct[i]).count();
            let val = (!validation.set.is_empty())
                .then(|| trainer.evaluate(&model, &validation))
                .transpose()?;
            let train_loss = (loss_count > 0).then(|| loss_sum / loss_count as f64);
            rows.push(EvalRow {
                run: label.to_string(),
                lr,
                lr_mean,
                step,
                train_seconds: seconds,
                cpu_seconds: cpu_start.zip(cpu_before).map(|(a, b)| b - a - cpu_in_evals),
                train_loss,
                test_loss: eval.mean_loss(),
                test_accuracy: eval.accuracy(),
                test_correct: eval.correct,
                test_accuracy_100: hits as f64 / SEED_EVAL_IMAGES as f64,
                val_accuracy: val.map(|v| v.accuracy()),
                diverged,
            });
            bar.set_message(format!(
                "step {step}, {:.0} s: test {:.2}%",
                seconds,
                100.0 * eval.accuracy()
            ));
            if step > 0 && !done && !diverged {
                let metrics = EpochMetrics {
                    train_loss: train_loss.unwrap_or(f64::NAN),
                    val_loss: val.map(|v| v.mean_loss()),
                    val_accuracy: val.map(|v| v.accuracy()),
                };
                schedule.end_epoch(rows.len() - 2, &metrics);
            }
            (loss_sum, loss_count) = (0.0, 0);
            if let (Some(a), Some(b)) = (cpu_before, process_cpu_seconds()) {
                cpu_in_evals += b - a;
            }
            if done || diverged {
                break;
            }
        }
        // The schedule may have moved at this evaluation.
        let rate = (tidy(schedule.lr()) * budget.mean_rate_per_unit) as f32;
        batches.fill(train.set.len(), &mut indices);
        let start = Instant::now();
        let loss = trainer.train_batch(&mut model, &mut optimizer, rate, &train, &indices)?;
        seconds += start.elapsed().as_secs_f64();
        step += 1;
        loss_sum += loss;
        loss_count += 1;
        diverged = !loss.is_finite();
        if step % 16 == 0 {
            let by_time = seconds / budget.seconds;
            let by_steps = budget.max_steps.map_or(0.0, |m| step as f64 / m as f64);
            bar.set_position((1000.0 * by_time.max(by_steps)).min(1000.0) as u64);
        }
    }
    bar.finish_and_clear();
    Ok(RunOutcome {
        label: label.to_string(),
        rows,
        model,
        diverged,
    })
}

#[cfg(test)]
mod tests {
    use super::IndexStream;

    #[test]
    fn index_streams_are_reproducible_in_range_and_distinct_by_name() {
        let (mut a, mut b, mut c) = (
            IndexStream::new(1, "batches"),
            IndexStream::new(1, "batches"),
            IndexStream::new(1, "eval-100"),
        );
        let (mut x, mut y, mut z) = ([0; 500], [0; 500], [0; 500]);
        a.fill(7, &mut x);
        b.fill(7, &mut y);
        c.fill(7, &mut z);
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert!(x.iter().all(|&i| i < 7));
        for v in 0..7 {
            let n = x.iter().filter(|&&i| i == v).count();
            assert!((40..110).contains(&n), "value {v} drawn {n} times of 500");
        }
    }
}
