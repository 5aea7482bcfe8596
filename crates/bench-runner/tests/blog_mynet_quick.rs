//! End-to-end `--quick` runs of the blog and mynet experiments. `blog-synthetic` needs no data;
//! the MNIST ones read `$MYNET_DATA_DIR/mnist` and are skipped (with a printed line) when the
//! variable is unset.

mod common;

use std::path::Path;

use common::{mnist_dir, QuickRun, Table};

/// Runs `experiment --quick` on two threads, on `data` when given.
fn quick_run(experiment: &str, data: Option<&Path>) -> QuickRun {
    QuickRun::new(&[experiment, "--quick", "--threads", "2"], data)
}

/// The blog and mynet checks of a CSV table.
impl Table {
    /// The non-empty cells of column `name`, parsed as numbers.
    fn present_numbers(&self, name: &str) -> Vec<f64> {
        let i = self.index(name);
        self.rows
            .iter()
            .filter(|r| !r[i].is_empty())
            .map(|r| {
                r[i].parse::<f64>()
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
            })
            .collect()
    }

    /// Accuracies lie in [0, 1].
    fn assert_accuracy(&self, name: &str) {
        for a in self.present_numbers(name) {
            assert!((0.0..=1.0).contains(&a), "{name} = {a}");
        }
    }

    /// Losses are finite and non-negative, except on rows marked `diverged` (when the file has
    /// that column).
    fn assert_losses(&self, name: &str) {
        let i = self.index(name);
        let diverged = self.headers.iter().position(|h| h == "diverged");
        for r in &self.rows {
            if r[i].is_empty() {
                continue;
            }
            let v: f64 = r[i].parse().unwrap();
            let marked = diverged.is_some_and(|d| &r[d] == "true");
            assert!(
                marked || (v.is_finite() && v >= 0.0),
                "{name} = {v} in {r:?}"
            );
        }
    }
}

#[test]
fn blog_synthetic_quick() {
    let run = quick_run("blog-synthetic", None);
    run.assert_files(&[
        "config.json",
        "metrics.csv",
        "loss.png",
        "model.json",
        "worked_example.json",
    ]);
    let m = run.csv("metrics.csv");
    assert_eq!(m.present_numbers("epoch"), vec![1.0, 2.0, 3.0]);
    m.assert_losses("train_loss");
    m.assert_losses("validation_loss");
    m.assert_accuracy("validation_accuracy");
    // The worked example is printed with its gradients.
    assert!(run.stdout.contains("worked example"), "{}", run.stdout);
    assert!(run.stdout.contains("∂L/∂W1"), "{}", run.stdout);
    let example = common::read_json(&run.dir.join("worked_example.json"));
    let loss = example["loss"].as_f64().unwrap();
    assert!(
        (loss - 0.077_149).abs() < 1e-5,
        "worked example loss {loss}"
    );
}

#[test]
fn blog_mnist_quick() {
    let Some(data) = mnist_dir() else { return };
    let run = quick_run("blog-mnist", Some(&data));
    run.assert_files(&[
        "config.json",
        "metrics.csv",
        "batches.csv",
        "loss_mean_std.csv",
        "model.json",
        "confusion.json",
        "batch_loss.png",
        "train_val_loss.png",
        "loss_mean_std.png",
        "lr_compare.png",
        "confusion_matrix.png",
    ]);
    let m = run.csv("metrics.csv");
    m.assert_losses("train_loss");
    m.assert_losses("validation_loss");
    m.assert_accuracy("validation_accuracy");
    m.assert_accuracy("test_accuracy");
    let runs = m.column("run");
    assert!(runs.iter().any(|r| r == "final"), "{runs:?}");
    for lr in ["0.001", "0.003", "0.01", "0.03"] {
        assert!(m.column("lr").iter().any(|l| l == lr), "lr {lr} missing");
    }
    let b = run.csv("batches.csv");
    b.assert_losses("loss");
    b.assert_losses("moving_average");
    let band = run.csv("loss_mean_std.csv");
    assert!(band.present_numbers("inits").iter().all(|&n| n >= 3.0));
    assert!(band
        .present_numbers("std")
        .iter()
        .all(|s| s.is_finite() && *s >= 0.0));
    let cm = common::read_json(&run.dir.join("confusion.json"));
    let total: u64 = cm["counts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(total, 10_000, "every test image is counted once");
    assert!(run.stdout.contains("95.04%"), "{}", run.stdout);
}

#[test]
fn mynet_lr_quick_records_every_rate_including_500() {
    let Some(data) = mnist_dir() else { return };
    let run = quick_run("mynet-lr", Some(&data));
    run.assert_files(&[
        "config.json",
        "metrics.csv",
        "model.json",
        "accuracy_vs_seconds.png",
        "accuracy_vs_steps.png",
    ]);
    let m = run.csv("metrics.csv");
    m.assert_accuracy("test_accuracy");
    m.assert_accuracy("test_accuracy_100");
    m.assert_losses("train_loss");
    m.assert_losses("test_loss");
    let runs = m.column("run");
    for lr in ["lr 0.1", "lr 5", "lr 10", "lr 100", "lr 500"] {
        assert!(runs.iter().any(|r| r == lr), "{lr} not recorded: {runs:?}");
    }
    // lr 500 ran to the end of its budget or stopped with a row marked diverged.
    let (steps, div) = (m.present_numbers("step"), m.column("diverged"));
    let last500 = (0..runs.len())
        .rev()
        .find(|&i| runs[i] == "lr 500")
        .unwrap();
    assert!(
        steps[last500] == 500.0 || div[last500] == "true",
        "lr 500 row {last500}"
    );
    // Seed-convention rates are recorded beside the mean-gradient rates actually used.
    let (lr, lr_mean) = (m.present_numbers("lr"), m.present_numbers("lr_mean"));
    for (a, b) in lr.iter().zip(&lr_mean) {
        assert!(
            (a / 13.0 - b).abs() < 1e-9 * a.max(1.0),
            "lr {a} vs lr_mean {b}"
        );
    }
    assert!(run.stdout.contains("94% @ 90 s"), "{}", run.stdout);
}

#[test]
fn mynet_auto_lr_quick() {
    let Some(data) = mnist_dir() else { return };
    let run = quick_run("mynet-auto-lr", Some(&data));
    run.assert_files(&[
        "config.json",
        "metrics.csv",
        "model.json",
        "accuracy_vs_seconds.png",
        "lr.png",
    ]);
    let m = run.csv("metrics.csv");
    m.assert_accuracy("test_accuracy");
    m.assert_accuracy("val_accuracy");
    m.assert_losses("train_loss");
    let runs = m.column("run");
    assert!(runs.iter().any(|r| r.starts_with("fixed lr")), "{runs:?}");
    assert!(runs.iter().any(|r| r.starts_with("plateau")), "{runs:?}");
    // The schedule never raises the rate.
    let lrs: Vec<f64> = m
        .present_numbers("lr")
        .into_iter()
        .zip(&runs)
        .filter(|(_, r)| r.starts_with("plateau"))
        .map(|(l, _)| l)
        .collect();
    assert!(lrs.windows(2).all(|w| w[1] <= w[0]), "{lrs:?}");
}
