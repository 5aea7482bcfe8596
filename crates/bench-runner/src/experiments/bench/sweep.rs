//! The full benchmark: every configuration × backend × thread count, each in a child process of
//! this binary (so peak RSS is per run and `OPENBLAS_CORETYPE` is in place before OpenBLAS
//! loads), collected into one [`Measurement`] list.

use super::configs::BenchConfig;
use super::machine;
use super::timing::Measurement;
use anyhow::{bail, Context as _};
use linalg::Backend;
use std::path::Path;
use std::process::Command;

/// The prefix of the machine-readable result line a single-configuration run prints.
pub const RESULT_PREFIX: &str = "result=";

/// What the sweep runs.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// Configurations, in order.
    pub configs: Vec<&'static BenchConfig>,
    /// Backends.
    pub backends: Vec<Backend>,
    /// Thread counts.
    pub threads: Vec<usize>,
    /// Untimed epochs per run.
    pub warmup: usize,
    /// Timed epochs per run.
    pub epochs: usize,
    /// Seed.
    pub seed: u64,
    /// Fashion-MNIST folder.
    pub data_dir: std::path::PathBuf,
    /// Coretype given to the children (`None`: leave the variable unset).
    pub coretype: Option<String>,
    /// Whether batches are split over the threads.
    pub split_batch: nn::SplitBatch,
}

/// Runs one configuration in a child process and parses its result line.
fn run_child(
    plan: &SweepPlan,
    c: &BenchConfig,
    b: Backend,
    t: usize,
) -> anyhow::Result<Measurement> {
    // /proc/self/exe still names this very binary when a rebuild has replaced the file.
    let exe = match std::path::Path::new("/proc/self/exe") {
        p if p.exists() => p.to_path_buf(),
        _ => std::env::current_exe().context("locating this binary")?,
    };
    let mut cmd = Command::new(exe);
    cmd.args(["bench", "--config", c.name, "--backend", b.name()])
        .args(["--threads", &t.to_string()])
        .args(["--epochs", &plan.epochs.to_string()])
        .args(["--warmup", &plan.warmup.to_string()])
        .args(["--seed", &plan.seed.to_string()])
        .args(["--split-batch", super::split_batch_name(plan.split_batch)])
        .arg("--data-dir")
        .arg(&plan.data_dir)
        // The parent decided; the child must not re-exec with another value.
        .env(machine::KEEP_ENV_VAR, "1");
    match &plan.coretype {
        Some(v) => cmd.env(machine::CORETYPE_VAR, v),
        None => cmd.env_remove(machine::CORETYPE_VAR),
    };
    let out = cmd.output().context("running a benchmark child")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "{} on {b} with {t} threads failed: {}",
            c.name,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .context("the child printed no result line")?;
    serde_json::from_str(line).context("parsing the child's result line")
}

/// Runs the sweep, printing one line per run.
pub fn run(plan: &SweepPlan) -> anyhow::Result<Vec<Measurement>> {
    let mut all = Vec::new();
    for c in &plan.configs {
        for &b in &plan.backends {
            for &t in &plan.threads {
                let m = run_child(plan, c, b, t)?;
                println!(
                    "{:<8} {:<5} {}T  median {:>8.4} s  (min {:.4}, max {:.4}, {} epochs)  peak RSS {} MB",
                    c.name,
                    b.name(),
                    t,
                    m.median_s,
                    m.min_s,
                    m.max_s,
                    m.epoch_s.len(),
                    m.peak_rss.map_or("?".into(), machine::mb)
                );
                all.push(m);
            }
        }
    }
    Ok(all)
}

/// Checks that the data folder holds the training files before spawning anything.
pub fn check_data_dir(dir: &Path) -> anyhow::Result<()> {
    for name in [data::TRAIN_IMAGES, data::TRAIN_LABELS] {
        if data::find_file(dir, name).is_none() {
            bail!(
                "{}: no {name}[.gz] (point --data-dir at Fashion-MNIST)",
                dir.display()
            );
        }
    }
    Ok(())
}
