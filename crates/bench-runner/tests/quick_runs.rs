//! End-to-end runs of the Rashid experiments with `--quick`, on the real MNIST files in
//! `$MYNET_DATA_DIR/mnist` (skipped with a printed line when the variable is unset), plus the
//! bad-input path, which needs no data.

mod common;

use std::collections::BTreeSet;
use std::process::Output;

use common::{bench, mnist_dir, QuickRun};

/// Runs `experiment --quick` on two threads on `$MYNET_DATA_DIR/mnist`; `None` when the data
/// is not available.
fn quick_run(experiment: &str) -> Option<QuickRun> {
    let data = mnist_dir()?;
    Some(QuickRun::new(
        &[experiment, "--quick", "--threads", "2"],
        Some(&data),
    ))
}

/// The Rashid-experiment checks of a finished run.
impl QuickRun {
    /// A whole-number setting from `config.json`.
    fn config_usize(&self, key: &str) -> usize {
        self.config["config"][key].as_u64().unwrap() as usize
    }

    /// The learning rates in `config.json`.
    fn config_rates(&self) -> Vec<f64> {
        self.config["config"]["rates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    }

    /// Test accuracies are in [0, 1]; the summary names the seed.
    fn assert_scores(&self) {
        for a in self.numbers("test_accuracy") {
            assert!((0.0..=1.0).contains(&a), "accuracy {a} outside [0, 1]");
        }
        assert!(self.stdout.contains("seed (60k"), "{}", self.stdout);
    }

    /// One row per epoch, epochs 1, 2, …
    fn assert_epoch_rows(&self) {
        let epochs = self.config_usize("epochs");
        let expected: Vec<f64> = (1..=epochs).map(|e| e as f64).collect();
        assert_eq!(self.numbers("epoch"), expected);
    }

    /// One row per (rate, epoch).
    fn assert_rate_epoch_rows(&self) {
        let (rates, epochs) = (self.config_rates(), self.config_usize("epochs"));
        assert_eq!(self.metrics.rows.len(), rates.len() * epochs);
        let cells: BTreeSet<(String, String)> = self
            .metrics
            .rows
            .iter()
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();
        assert_eq!(
            cells.len(),
            self.metrics.rows.len(),
            "repeated (lr, epoch) rows"
        );
        for (lr, e) in self.numbers("lr").into_iter().zip(self.numbers("epoch")) {
            assert!(rates.iter().any(|&r| (r - lr).abs() < 1e-6), "lr {lr}");
            assert!((1.0..=epochs as f64).contains(&e), "epoch {e}");
        }
    }
}

const RUN_FILES: &[&str] = &["config.json", "metrics.csv", "model.json"];

#[test]
fn exp1_single_quick() {
    let Some(run) = quick_run("exp1-single") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["accuracy.png"]);
    run.assert_scores();
    run.assert_epoch_rows();
}

#[test]
fn exp2_learning_rate_quick() {
    let Some(run) = quick_run("exp2-learning-rate") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["accuracy_vs_lr.png"]);
    run.assert_scores();
    assert_eq!(run.config_usize("epochs"), 1);
    run.assert_rate_epoch_rows();
}

#[test]
fn exp3_epochs_quick() {
    let Some(run) = quick_run("exp3-epochs") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["accuracy.png"]);
    run.assert_scores();
    run.assert_epoch_rows();
}

#[test]
fn exp4_lr_vs_epochs_quick() {
    let Some(run) = quick_run("exp4-lr-vs-epochs") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["heatmap.png", "sweep.gif", "accuracy_vs_epoch.png"]);
    run.assert_scores();
    run.assert_rate_epoch_rows();
}

#[test]
fn exp5_backquery_quick() {
    let Some(run) = quick_run("exp5-backquery") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["backquery.png", "backquery.json"]);
    run.assert_scores();
    run.assert_epoch_rows();
    let queries = common::read_json(&run.dir.join("backquery.json"));
    let queries = queries.as_array().unwrap();
    assert_eq!(queries.len(), 10);
    for (digit, q) in queries.iter().enumerate() {
        assert_eq!(q["label"], digit);
        let image = q["image"].as_array().unwrap();
        assert_eq!(image.len(), 784);
        assert!(image
            .iter()
            .all(|v| (0.0099..=0.9901).contains(&v.as_f64().unwrap())));
    }
}

/// Asserts a failed run: exit code 2 and one `error: …` line on stderr, no panic.
fn assert_bad_input(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: one error line expected:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

#[test]
fn corrupt_data_is_a_one_line_error() {
    // All four MNIST files exist (so nothing is downloaded), but they are not IDX files.
    let data = tempfile::tempdir().unwrap();
    for name in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        std::fs::write(data.path().join(name), b"this is not an IDX file").unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    for experiment in ["exp1-single", "exp4-lr-vs-epochs"] {
        let output = bench(
            &[experiment, "--quick", "--threads", "2"],
            out.path(),
            Some(data.path()),
        );
        assert_bad_input(&output, experiment);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("train-images-idx3-ubyte"), "{stderr}");
    }
    assert_eq!(
        std::fs::read_dir(out.path()).map_or(0, |d| d.count()),
        0,
        "no run directory for a failed load"
    );
}

#[test]
fn bad_rates_are_a_one_line_error() {
    let empty = tempfile::tempdir().unwrap();
    let output = bench(
        &[
            "exp2-learning-rate",
            "--quick",
            "--rates",
            "0.1,0",
            "--threads",
            "2",
        ],
        empty.path(),
        Some(empty.path()),
    );
    assert_bad_input(&output, "--rates 0.1,0");
}
