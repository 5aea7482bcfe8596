//! Helpers shared by the `bench-runner` integration tests: the binary, the datasets under
//! `$MYNET_DATA_DIR`, running a subcommand, and reading what a run wrote (its run directory,
//! `config.json`, CSV tables, figures).

// Every test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `bench-runner` binary built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_bench-runner");

/// `$MYNET_DATA_DIR/<sub>`, or `None` after printing the skip line when the variable is unset
/// (or empty): tests that need real data return early then.
pub fn dataset_dir(sub: &str) -> Option<PathBuf> {
    match std::env::var_os("MYNET_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(root) => Some(PathBuf::from(root).join(sub)),
        None => {
            println!("skipping: MYNET_DATA_DIR not set");
            None
        }
    }
}

/// `$MYNET_DATA_DIR/mnist`, or `None` after printing the skip line.
pub fn mnist_dir() -> Option<PathBuf> {
    dataset_dir("mnist")
}

/// `$MYNET_DATA_DIR/esc50`, or `None` after printing the skip line.
pub fn esc50_dir() -> Option<PathBuf> {
    dataset_dir("esc50")
}

/// Runs `bench-runner <args> --out <out> [--data-dir <data>]` to completion.
pub fn bench(args: &[&str], out: &Path, data: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).arg("--out").arg(out);
    if let Some(d) = data {
        cmd.arg("--data-dir").arg(d);
    }
    cmd.output().expect("the bench-runner binary runs")
}

/// The process's stdout, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts the process succeeded; the panic message names `what` and shows stdout and stderr.
pub fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The run directory `<out>/<experiment>-*`, asserted to be the only entry of `out`.
pub fn run_dir(out: &Path, experiment: &str) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "one run directory: {dirs:?}");
    let dir = dirs.into_iter().next().unwrap();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("{experiment}-")), "{name}");
    assert!(dir.is_dir(), "{} is not a directory", dir.display());
    dir
}

/// The JSON file at `path`, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The CSV file at `path` as header-keyed rows.
pub fn read_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let table = Table::read(path);
    table
        .rows
        .iter()
        .map(|rec| {
            table
                .headers
                .iter()
                .zip(rec.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Asserts every file in `files` exists in `dir`; `.png` and `.gif` files must start with their
/// magic bytes and `.json` files must parse.
pub fn assert_files(dir: &Path, files: &[&str]) {
    for file in files {
        let path = dir.join(file);
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

/// A CSV file: its header and its records.
pub struct Table {
    /// The column names.
    pub headers: csv::StringRecord,
    /// The records, in file order.
    pub rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Reads the CSV file at `path`.
    pub fn read(path: &Path) -> Self {
        let mut reader =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let headers = reader.headers().unwrap().clone();
        let rows = reader.records().collect::<Result<Vec<_>, _>>().unwrap();
        Self { headers, rows }
    }

    /// The position of column `name`; panics naming the columns there are.
    pub fn index(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.headers))
    }

    /// Every cell of column `name`.
    pub fn column(&self, name: &str) -> Vec<String> {
        let i = self.index(name);
        self.rows.iter().map(|r| r[i].to_string()).collect()
    }

    /// Every cell of column `name`, parsed as a number (an empty or other cell panics).
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        self.column(name)
            .iter()
            .map(|v| v.parse().unwrap_or_else(|e| panic!("{name} = {v}: {e}")))
            .collect()
    }
}

/// A finished `bench-runner` run: its output root (kept alive), run directory, stdout,
/// `config.json` and `metrics.csv`.
pub struct QuickRun {
    _out: tempfile::TempDir,
    /// The run directory `<out>/<experiment>-*`.
    pub dir: PathBuf,
    /// What the run printed.
    pub stdout: String,
    /// `config.json`.
    pub config: serde_json::Value,
    /// `metrics.csv`.
    pub metrics: Table,
}

impl QuickRun {
    /// Runs `bench-runner <args> --out <temp> [--data-dir <data>]`, where `args[0]` is the
    /// experiment and `args` include `--quick`. Asserts it succeeded and wrote one run
    /// directory `<experiment>-*` whose `config.json` names the experiment and `quick`.
    pub fn new(args: &[&str], data: Option<&Path>) -> Self {
        let experiment = args[0];
        let out = tempfile::tempdir().unwrap();
        let output = bench(args, out.path(), data);
        assert_success(&output, &format!("{args:?}"));
        let dir = run_dir(out.path(), experiment);
        let config = read_json(&dir.join("config.json"));
        assert_eq!(config["config"]["experiment"], experiment);
        assert_eq!(config["config"]["quick"], true);
        let metrics = Table::read(&dir.join("metrics.csv"));
        Self {
            _out: out,
            dir,
            stdout: stdout(&output),
            config,
            metrics,
        }
    }

    /// [`assert_files`] in the run directory.
    pub fn assert_files(&self, files: &[&str]) {
        assert_files(&self.dir, files);
    }

    /// `file` of the run directory, asserted to have rows.
    pub fn csv(&self, file: &str) -> Table {
        let table = Table::read(&self.dir.join(file));
        assert!(!table.rows.is_empty(), "{file} has no rows");
        table
    }

    /// Column `name` of `metrics.csv`.
    pub fn column(&self, name: &str) -> Vec<String> {
        self.metrics.column(name)
    }

    /// Column `name` of `metrics.csv`, as numbers.
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        self.metrics.numbers(name)
    }
}
