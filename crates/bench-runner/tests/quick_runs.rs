//! End-to-end runs of the Rashid experiments with `--quick`, on the real MNIST files in
//! `$MYNET_DATA_DIR/mnist` (skipped with a printed line when the variable is unset), plus the
//! bad-input path, which needs no data.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bench-runner");

/// `$MYNET_DATA_DIR/mnist`, or `None` after printing the skip line.
fn mnist_dir() -> Option<PathBuf> {
    match std::env::var_os("MYNET_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(root) => Some(PathBuf::from(root).join("mnist")),
        None => {
            println!("skipping: MYNET_DATA_DIR not set");
            None
        }
    }
}

fn run(args: &[&str], out: &Path, data_dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .args(["--threads", "2", "--out"])
        .arg(out)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("the bench-runner binary runs")
}

/// A finished `--quick` run of `experiment`: its run directory, config and metrics rows.
struct QuickRun {
    _out: tempfile::TempDir,
    dir: PathBuf,
    stdout: String,
    config: serde_json::Value,
    rows: Vec<csv::StringRecord>,
    headers: csv::StringRecord,
}

impl QuickRun {
    /// Runs `experiment --quick`; `None` when the data is not available.
    fn new(experiment: &str) -> Option<Self> {
        let data = mnist_dir()?;
        let out = tempfile::tempdir().unwrap();
        let output = run(&[experiment, "--quick"], out.path(), &data);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{experiment} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let dirs: Vec<PathBuf> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.is_dir()
                    && p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with(&format!("{experiment}-"))
            })
            .collect();
        assert_eq!(
            dirs.len(),
            1,
            "one run directory for {experiment}: {dirs:?}"
        );
        let dir = dirs.into_iter().next().unwrap();
        let config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
        assert_eq!(config["config"]["experiment"], experiment);
        assert_eq!(config["config"]["quick"], true);
        let mut reader = csv::Reader::from_path(dir.join("metrics.csv")).unwrap();
        let headers = reader.headers().unwrap().clone();
        let rows = reader.records().collect::<Result<Vec<_>, _>>().unwrap();
        Some(Self {
            _out: out,
            dir,
            stdout,
            config,
            rows,
            headers,
        })
    }

    /// Asserts every file in `files` exists; `.png` / `.gif` files must start with their magic
    /// bytes and `.json` files must parse.
    fn assert_files(&self, files: &[&str]) {
        for file in files {
            let path = self.dir.join(file);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if file.ends_with(".png") {
                assert!(
                    bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                    "{file} is not a PNG"
                );
            } else if file.ends_with(".gif") {
                assert!(bytes.starts_with(b"GIF89a"), "{file} is not a GIF");
            } else if file.ends_with(".json") {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
            }
        }
    }

    /// The values of column `name`, parsed as numbers.
    fn column(&self, name: &str) -> Vec<f64> {
        let i = self
            .headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.headers));
        self.rows
            .iter()
            .map(|r| r[i].parse::<f64>().unwrap())
            .collect()
    }

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
        for a in self.column("test_accuracy") {
            assert!((0.0..=1.0).contains(&a), "accuracy {a} outside [0, 1]");
        }
        assert!(self.stdout.contains("seed (60k"), "{}", self.stdout);
    }

    /// One row per epoch, epochs 1, 2, …
    fn assert_epoch_rows(&self) {
        let epochs = self.config_usize("epochs");
        let expected: Vec<f64> = (1..=epochs).map(|e| e as f64).collect();
        assert_eq!(self.column("epoch"), expected);
    }

    /// One row per (rate, epoch).
    fn assert_rate_epoch_rows(&self) {
        let (rates, epochs) = (self.config_rates(), self.config_usize("epochs"));
        assert_eq!(self.rows.len(), rates.len() * epochs);
        let cells: BTreeSet<(String, String)> = self
            .rows
            .iter()
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();
        assert_eq!(cells.len(), self.rows.len(), "repeated (lr, epoch) rows");
        for (lr, e) in self.column("lr").into_iter().zip(self.column("epoch")) {
            assert!(rates.iter().any(|&r| (r - lr).abs() < 1e-6), "lr {lr}");
            assert!((1.0..=epochs as f64).contains(&e), "epoch {e}");
        }
    }
}

const RUN_FILES: &[&str] = &["config.json", "metrics.csv", "model.json"];

#[test]
fn exp1_single_quick() {
    let Some(run) = QuickRun::new("exp1-single") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["accuracy.png"]);
    run.assert_scores();
    run.assert_epoch_rows();
}

#[test]
fn exp2_learning_rate_quick() {
    let Some(run) = QuickRun::new("exp2-learning-rate") else {
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
    let Some(run) = QuickRun::new("exp3-epochs") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["accuracy.png"]);
    run.assert_scores();
    run.assert_epoch_rows();
}

#[test]
fn exp4_lr_vs_epochs_quick() {
    let Some(run) = QuickRun::new("exp4-lr-vs-epochs") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["heatmap.png", "sweep.gif", "accuracy_vs_epoch.png"]);
    run.assert_scores();
    run.assert_rate_epoch_rows();
}

#[test]
fn exp5_backquery_quick() {
    let Some(run) = QuickRun::new("exp5-backquery") else {
        return;
    };
    run.assert_files(RUN_FILES);
    run.assert_files(&["backquery.png", "backquery.json"]);
    run.assert_scores();
    run.assert_epoch_rows();
    let queries: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.dir.join("backquery.json")).unwrap()).unwrap();
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
        let output = run(&[experiment, "--quick"], out.path(), data.path());
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
    let output = run(
        &["exp2-learning-rate", "--quick", "--rates", "0.1,0"],
        empty.path(),
        empty.path(),
    );
    assert_bad_input(&output, "--rates 0.1,0");
}
