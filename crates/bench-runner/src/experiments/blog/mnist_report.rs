//! Figures and the printed summary of `blog-mnist`.

use super::mnist::{Config, Done, SEED_TEST_ACCURACY};
use crate::experiments::rashid;
use crate::plot::{self, Heatmap, LineChart, Series};
use crate::run_dir::RunDir;
use serde::Serialize;

/// One row of `loss_mean_std.csv`.
#[derive(Debug, Clone, Serialize)]
struct BandRow {
    step: usize,
    mean: f64,
    std: f64,
    inits: usize,
}

/// Indices of the batch-16 jobs at the main rate (one per initialisation).
fn init_jobs(config: &Config, done: &[Done]) -> Vec<usize> {
    (0..done.len())
        .filter(|&i| {
            let j = &done[i].job;
            j.split && j.lr == config.lr && j.batch_size == config.batch_size
        })
        .collect()
}

/// Indices of the rate-comparison jobs (initialisation 0), by ascending rate.
fn rate_jobs(config: &Config, done: &[Done]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..done.len())
        .filter(|&i| {
            let j = &done[i].job;
            j.split && j.init == 0 && config.rates.contains(&j.lr)
        })
        .collect();
    idx.sort_by(|&a, &b| done[a].job.lr.total_cmp(&done[b].job.lr));
    idx
}

/// Per-step mean and (population) standard deviation of the curves `idx` of `ma`.
fn band(ma: &[Vec<f64>], idx: &[usize]) -> Vec<BandRow> {
    let len = idx.iter().map(|&i| ma[i].len()).min().unwrap_or(0);
    (0..len)
        .map(|s| {
            let n = idx.len() as f64;
            let mean = idx.iter().map(|&i| ma[i][s]).sum::<f64>() / n;
            let var = idx.iter().map(|&i| (ma[i][s] - mean).powi(2)).sum::<f64>() / n;
            BandRow {
                step: s + 1,
                mean,
                std: var.sqrt(),
                inits: idx.len(),
            }
        })
        .collect()
}

fn steps(ys: &[f64]) -> Vec<(f64, f64)> {
    ys.iter()
        .enumerate()
        .map(|(i, &y)| ((i + 1) as f64, y))
        .collect()
}

fn line(
    path: &std::path::Path,
    title: &str,
    x: &str,
    y: &str,
    series: &[Series],
) -> anyhow::Result<()> {
    plot::draw_line_chart(
        path,
        &LineChart {
            title,
            x_label: x,
            y_label: y,
            series,
            y_range: None,
            x_log: false,
            mark_best: false,
        },
    )
}

/// Draws every figure and writes `loss_mean_std.csv`.
pub(super) fn draw(
    run_dir: &RunDir,
    config: &Config,
    done: &[Done],
    ma: &[Vec<f64>],
) -> anyhow::Result<()> {
    let (b, lr, w) = (config.batch_size, config.lr, config.ma_window);
    let first = &done[0];
    line(
        &run_dir.file("batch_loss.png"),
        &format!("blog-mnist: per-batch loss, batch {b}, lr {lr}, init 0"),
        &format!("batch (of {b} images)"),
        "cross-entropy loss",
        &[
            Series::new("per-batch loss", steps(&first.batch_losses)),
            Series::new(format!("{w}-batch moving average"), steps(&ma[0])),
        ],
    )?;
    let per_epoch = |f: fn(&super::mnist::EpochRow) -> Option<f64>| -> Vec<(f64, f64)> {
        first
            .epochs
            .iter()
            .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
            .collect()
    };
    line(
        &run_dir.file("train_val_loss.png"),
        &format!("blog-mnist: train vs held-out loss, batch {b}, lr {lr}, init 0"),
        "epoch",
        "cross-entropy loss",
        &[
            Series::new(
                "train (mean over the epoch)",
                per_epoch(|e| Some(e.train_loss)),
            ),
            Series::new(
                "held-out 1/12 (after the epoch)",
                per_epoch(|e| e.validation_loss),
            ),
        ],
    )?;
    let inits = init_jobs(config, done);
    let rows = band(ma, &inits);
    run_dir.write_csv("loss_mean_std.csv", &rows)?;
    let pts = |f: fn(&BandRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter().map(|r| (r.step as f64, f(r))).collect()
    };
    line(
        &run_dir.file("loss_mean_std.png"),
        &format!(
            "blog-mnist: {w}-batch average loss over {} initialisations, batch {b}, lr {lr}",
            inits.len()
        ),
        &format!("batch (of {b} images)"),
        "cross-entropy loss",
        &[
            Series::new("mean", pts(|r| r.mean)),
            Series::new("mean + std", pts(|r| r.mean + r.std)),
            Series::new("mean − std", pts(|r| r.mean - r.std)),
        ],
    )?;
    let by_rate: Vec<Series> = rate_jobs(config, done)
        .into_iter()
        .map(|i| Series::new(format!("lr {}", done[i].job.lr), steps(&ma[i])))
        .collect();
    line(
        &run_dir.file("lr_compare.png"),
        &format!("blog-mnist: {w}-batch average loss by learning rate, batch {b}, same init"),
        &format!("batch (of {b} images)"),
        "cross-entropy loss",
        &by_rate,
    )?;
    let last = done.last().expect("the final job");
    let cm = &last.confusion;
    let k = cm.classes();
    let values: Vec<Vec<f64>> = (0..k)
        .map(|t| cm.row(t).iter().map(|&c| c as f64).collect())
        .collect();
    let ticks: Vec<String> = (0..k).map(|d| d.to_string()).collect();
    plot::draw_heatmap(
        &run_dir.file("confusion_matrix.png"),
        &Heatmap {
            title: &format!(
                "blog-mnist: final model confusion matrix (test accuracy {})",
                rashid::percent(last.test.accuracy())
            ),
            x_label: "predicted digit",
            y_label: "true digit",
            x_ticks: &ticks,
            y_ticks: &ticks,
            values: &values,
            mark: None,
            value_label: "test images",
        },
    )
}

fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Prints the rate table, the spread over initialisations and the final accuracy beside the
/// blog's.
pub(super) fn summary(config: &Config, done: &[Done], ma: &[Vec<f64>], train_len: usize) {
    println!(
        "\n{:>7}  {:>14}  {:>13}  {:>12}  {:>9}",
        "lr", "final avg loss", "held-out loss", "held-out acc", "test acc"
    );
    for i in rate_jobs(config, done) {
        let d = &done[i];
        let last = d.epochs.last();
        println!(
            "{:>7}  {:>14.4}  {:>13.4}  {:>12}  {:>9}",
            d.job.lr,
            ma[i].last().copied().unwrap_or(f64::NAN),
            last.and_then(|e| e.validation_loss).unwrap_or(f64::NAN),
            last.and_then(|e| e.validation_accuracy)
                .map_or("-".into(), rashid::percent),
            rashid::percent(d.test.accuracy())
        );
    }
    let inits = init_jobs(config, done);
    let final_ma: Vec<f64> = inits
        .iter()
        .filter_map(|&i| ma[i].last().copied())
        .collect();
    let tests: Vec<f64> = inits.iter().map(|&i| done[i].test.accuracy()).collect();
    let (lm, ls) = mean_std(&final_ma);
    let (tm, ts) = mean_std(&tests);
    println!(
        "{} initialisations (batch {}, lr {}): final {}-batch average loss {lm:.4} ± {ls:.4}, \
         test accuracy {:.2}% ± {:.2}",
        inits.len(),
        config.batch_size,
        config.lr,
        config.ma_window,
        100.0 * tm,
        100.0 * ts
    );
    if let Some(last) = done.last() {
        println!(
            "final model (lr {}, batch {}, {} epochs): test accuracy ours {} ({}) vs blog {} \
             (60k-train)",
            config.final_lr,
            config.final_batch_size,
            config.epochs,
            rashid::percent(last.test.accuracy()),
            rashid::train_label(train_len),
            rashid::percent(SEED_TEST_ACCURACY)
        );
    }
}
