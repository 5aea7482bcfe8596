//! End-to-end `--quick` runs of the Nielsen-family subcommands (`nielsen`, `variants`,
//! `batch-size`, `eta-sweep`, `l2-sweep`) on the real MNIST files in `$MYNET_DATA_DIR/mnist`
//! (skipped with a printed line when the variable is unset), plus a bad-flag check, which needs
//! no data.

mod common;

use std::collections::BTreeMap;

use common::{mnist_dir, QuickRun};

/// Files every Nielsen-family run writes.
const RUN_FILES: &[&str] = &[
    "config.json",
    "metrics.csv",
    "summary.csv",
    "model.json",
    "accuracy.png",
    "accuracy_zoom.png",
];

/// Runs `args --quick` on `threads` threads on `$MYNET_DATA_DIR/mnist`; `None` when the data
/// is not available.
fn quick_run(args: &[&str], threads: usize) -> Option<QuickRun> {
    let data = mnist_dir()?;
    let threads = threads.to_string();
    let mut args = args.to_vec();
    args.extend(["--quick", "--threads", &threads]);
    Some(QuickRun::new(&args, Some(&data)))
}

/// The Nielsen-family checks of a finished run.
impl QuickRun {
    /// The setting names in `config.json`.
    fn settings(&self) -> Vec<String> {
        self.config["config"]["settings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// Accuracies are in [0, 1]; one row per epoch per setting, epochs 1..=E in order; the
    /// summary table names the seed.
    fn assert_metrics(&self, expected_settings: usize) {
        for column in ["test_accuracy", "validation_accuracy"] {
            for a in self.numbers(column) {
                assert!((0.0..=1.0).contains(&a), "{column} {a} outside [0, 1]");
            }
        }
        let epochs = self.config["config"]["epochs"].as_u64().unwrap() as usize;
        let settings = self.settings();
        assert_eq!(settings.len(), expected_settings);
        assert_eq!(self.metrics.rows.len(), settings.len() * epochs);
        let mut seen: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (s, e) in self
            .column("setting")
            .into_iter()
            .zip(self.numbers("epoch"))
        {
            seen.entry(s).or_default().push(e);
        }
        let expected: Vec<f64> = (1..=epochs).map(|e| e as f64).collect();
        for name in &settings {
            assert_eq!(seen.get(name), Some(&expected), "epochs of {name}");
        }
        let mut summary = csv::Reader::from_path(self.dir.join("summary.csv")).unwrap();
        assert_eq!(summary.records().count(), settings.len());
        assert!(self.stdout.contains("seed: 60k-train"), "{}", self.stdout);
    }
}

#[test]
fn nielsen_quick() {
    let Some(run) = quick_run(&["nielsen"], 2) else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["network.json", "improvements.png"]);
    run.assert_metrics(2);
    let epochs = run.config["config"]["epochs"].as_u64().unwrap();
    for k in 0..epochs {
        let line = format!("Epoch {k}: ");
        assert!(run.stdout.lines().any(|l| l.starts_with(&line)
            && l.contains(" / 10000, Test_Accuracy : ")
            && l.ends_with(" %")));
    }
    // network.py's layout: biases as column vectors, weights (out, in).
    let net = common::read_json(&run.dir.join("network.json"));
    assert_eq!(net["num_layers"], 3);
    assert_eq!(net["sizes"], serde_json::json!([784, 30, 10]));
    let (biases, weights) = (
        net["biases"].as_array().unwrap(),
        net["weights"].as_array().unwrap(),
    );
    for (l, (n_in, n_out)) in [(784, 30), (30, 10)].into_iter().enumerate() {
        let b = biases[l].as_array().unwrap();
        assert_eq!(b.len(), n_out);
        assert!(b.iter().all(|v| v.as_array().unwrap().len() == 1));
        let w = weights[l].as_array().unwrap();
        assert_eq!(w.len(), n_out);
        assert!(w.iter().all(|r| r.as_array().unwrap().len() == n_in));
    }
}

#[test]
fn variants_quick_with_draw() {
    let Some(run) = quick_run(&["variants", "--draw", "--draw-count", "3"], 2) else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["misclassified.txt"]);
    run.assert_metrics(5);
    let drawn = std::fs::read_to_string(run.dir.join("misclassified.txt")).unwrap();
    let headers: Vec<&str> = drawn
        .lines()
        .filter(|l| l.starts_with("test image "))
        .collect();
    assert_eq!(headers.len(), 3, "{drawn}");
    assert!(headers
        .iter()
        .all(|h| h.contains("true ") && h.contains("predicted ")));
    // 28 rows of 28 characters under each header.
    let art = drawn.lines().filter(|l| l.chars().count() == 28).count();
    assert!(art >= 3 * 28, "{drawn}");
    assert!(run.stdout.contains(&drawn[..40]));
}

#[test]
fn batch_size_quick_per_example() {
    let Some(run) = quick_run(&["batch-size", "--per-example", "--sizes", "10,30"], 2) else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["seconds_per_epoch.png"]);
    run.assert_metrics(2);
    // The seed's rule: batch size 1 at rate η/B.
    for s in run.config["config"]["settings"].as_array().unwrap() {
        assert_eq!(s["batch_size"], 1);
    }
    for (setting, lr) in run.column("setting").iter().zip(run.numbers("lr")) {
        let b: f64 = setting.trim_start_matches("B=").parse().unwrap();
        assert!((lr - 2.5 / b).abs() < 1e-6, "{setting}: lr {lr}");
    }
}

#[test]
fn batch_size_quick() {
    let Some(run) = quick_run(&["batch-size"], 2) else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["seconds_per_epoch.png"]);
    run.assert_metrics(5);
}

#[test]
fn l2_sweep_quick() {
    let Some(run) = quick_run(&["l2-sweep"], 2) else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_metrics(4);
}

/// Everything but the timings is the same on 1 and 2 threads.
#[test]
fn eta_sweep_quick_does_not_depend_on_threads() {
    let Some(one) = quick_run(&["eta-sweep"], 1) else {
        return;
    };
    let two = quick_run(&["eta-sweep"], 2).unwrap();
    for run in [&one, &two] {
        run.assert_files(RUN_FILES);
        run.assert_metrics(3);
    }
    assert_eq!(one.metrics.headers, two.metrics.headers);
    for column in one.metrics.headers.iter().filter(|&h| h != "seconds") {
        assert_eq!(one.column(column), two.column(column), "column {column}");
    }
}

#[test]
fn bad_flags_are_one_line_errors() {
    let out = tempfile::tempdir().unwrap();
    for args in [
        &["l2-sweep", "--lambdas", "0.1,0.1"][..],
        &["eta-sweep", "--etas", "0"][..],
        &["nielsen", "--epochs", "0"][..],
    ] {
        let output = common::bench(args, out.path(), Some(&out.path().join("no-data")));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
