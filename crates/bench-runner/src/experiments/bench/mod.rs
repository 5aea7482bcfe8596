//! `bench`: training-epoch times of six reference configurations on the full Fashion-MNIST
//! training set (issue 5).
//!
//! Three modes:
//! - `bench --config NAME [--epochs N] [--threads T] [--backend B]` times one configuration in
//!   this process and prints, last, `median_epoch_s=<seconds>` (what `scripts/compare-pytorch.sh`
//!   reads), after `median_epoch_cpu_s=<seconds>` (CPU time of an epoch, all threads);
//! - `bench` (no `--config`) runs every configuration × backend × thread count, each in a child
//!   process, and writes `results.csv` into a run directory and the table into
//!   `docs/benchmarks.md`;
//! - `bench --quick` runs every configuration for one epoch on 256 synthetic images, in seconds,
//!   to prove the benchmark builds and runs (CI); its times mean nothing.
//!
//! An epoch is `Trainer::train_epoch` with plain SGD on data already in memory (u8 pixels,
//! converted per batch, reshuffled every epoch); evaluation is excluded.

pub mod configs;
pub mod machine;
pub mod report;
pub mod sweep;
pub mod timing;

use crate::common::{CommonArgs, Context};
use crate::run_dir::RunDir;
use anyhow::{bail, Context as _};
use configs::BenchConfig;
use linalg::Backend;
use nn::SplitBatch;
use std::path::PathBuf;
use timing::Plan;

/// Images of `--quick`.
pub const QUICK_SAMPLES: usize = 256;

/// The `bench` subcommand (flattened into the top-level command enum).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Benchmark: seconds per training epoch of six configurations (rashid, nielsen, mlp100,
    /// mynet, blog, wide) on the 60k Fashion-MNIST training set, per backend and thread count.
    Bench {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: Args,
    },
}

/// Flags of `bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Time only this configuration (name or letter A–F), with --backend and --threads.
    #[arg(long)]
    pub config: Option<String>,
    /// Timed epochs per run (at least 1; the full benchmark uses at least 5).
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Untimed warm-up epochs before the timed ones.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Full benchmark: configurations to run, comma-separated [default: all six].
    #[arg(long, value_delimiter = ',')]
    pub configs: Vec<String>,
    /// Full benchmark: backends, comma-separated [default: every backend compiled in].
    #[arg(long, value_delimiter = ',')]
    pub backends: Vec<String>,
    /// Full benchmark: thread counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2])]
    pub thread_counts: Vec<usize>,
    /// Full benchmark: the markdown file whose generated block receives the table.
    #[arg(long, default_value = "docs/benchmarks.md")]
    pub doc: PathBuf,
    /// Full benchmark: do not touch the markdown file.
    #[arg(long)]
    pub no_doc: bool,
    /// Smoke run on synthetic data: every configuration, one epoch, no timing claims.
    #[arg(long)]
    pub quick: bool,
    /// How a batch uses the threads: `auto` splits big enough batches, by the rows of the large
    /// layers when their weights outweigh the batch's inputs, else into one part of the samples
    /// per thread; `never` splits every product instead; `always` splits the samples of every
    /// batch of at least 8; `rows` splits the rows of every layer but the output layer.
    #[arg(long, default_value = "auto", value_parser = parse_split_batch)]
    pub split_batch: SplitBatch,
}

/// `never`, `auto`, `always` or `rows`.
fn parse_split_batch(s: &str) -> Result<SplitBatch, String> {
    match s {
        "never" => Ok(SplitBatch::Never),
        "auto" => Ok(SplitBatch::Auto),
        "always" => Ok(SplitBatch::Always),
        "rows" => Ok(SplitBatch::Rows),
        other => Err(format!("'{other}': expected never, auto, always or rows")),
    }
}

/// What `split` does to a 2-thread run, for the table's note.
fn split_batch_note(split: SplitBatch) -> &'static str {
    match split {
        SplitBatch::Never => "2-thread runs split each product",
        SplitBatch::Auto => {
            "2-thread runs split big enough batches: by the rows of the large layers where their \
             weights outweigh the batch's inputs (plain SGD), else into one part of the samples \
             per thread"
        }
        SplitBatch::Always => "2-thread runs split the samples of every batch of at least 8",
        SplitBatch::Rows => "2-thread runs split the rows of every layer but the output layer",
    }
}

/// The flag value of `split`.
pub fn split_batch_name(split: SplitBatch) -> &'static str {
    match split {
        SplitBatch::Never => "never",
        SplitBatch::Auto => "auto",
        SplitBatch::Always => "always",
        SplitBatch::Rows => "rows",
    }
}

impl Command {
    /// Runs `bench` in the mode its flags select.
    pub fn run(self) -> anyhow::Result<()> {
        let Command::Bench { common, args } = self;
        if args.epochs == 0 {
            bail!("--epochs must be at least 1");
        }
        if args.quick {
            return run_quick(&Context::new(&common)?, &args);
        }
        let data_dir = data::data_dir_from_env(common.data_dir.as_deref(), "fashion-mnist").path;
        sweep::check_data_dir(&data_dir)?;
        match &args.config {
            Some(name) => {
                let config = find(name)?;
                if Backend::parse(&common.backend).ok() != Some(Backend::Pure) {
                    machine::reexec_with_coretype();
                }
                run_single(&Context::new(&common)?, config, &args, &data_dir)
            }
            None => run_sweep(&common, &args, data_dir),
        }
    }
}

fn find(name: &str) -> anyhow::Result<&'static BenchConfig> {
    BenchConfig::find(name).with_context(|| {
        let names: Vec<&str> = configs::ALL.iter().map(|c| c.name).collect();
        format!(
            "unknown configuration '{name}': expected one of {}",
            names.join(", ")
        )
    })
}

/// Loads only the training half of Fashion-MNIST (the test set is not needed).
fn load_train(dir: &std::path::Path) -> anyhow::Result<data::ImageSet> {
    let path = |name| data::find_file(dir, name).unwrap_or_else(|| dir.join(name));
    data::ImageSet::load(
        &path(data::TRAIN_IMAGES),
        &path(data::TRAIN_LABELS),
        data::MNIST_CLASSES,
    )
    .with_context(|| format!("loading the training set from {}", dir.display()))
}

fn run_single(
    ctx: &Context,
    config: &BenchConfig,
    args: &Args,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let set = load_train(data_dir)?;
    println!(
        "bench {} ({}): {} batch {}, backend {}, {} threads, {} samples, OPENBLAS_CORETYPE={}",
        config.name,
        config.letter,
        config.shape(),
        config.batch_size,
        ctx.backend,
        ctx.threads,
        set.len(),
        machine::coretype_in_effect().unwrap_or_else(|| "(unset)".into())
    );
    let plan = Plan {
        backend: ctx.backend,
        threads: ctx.threads,
        warmup: args.warmup,
        epochs: args.epochs,
        seed: ctx.seed,
        split_batch: args.split_batch,
    };
    let m = timing::time_config(config, &set, &plan, |e, s, warm| {
        let kind = if warm { "warm-up" } else { "epoch" };
        println!("{kind} {}: {s:.4} s", e + 1);
    })?;
    println!(
        "median {:.4} s, min {:.4}, max {:.4} (CPU {} s over the timed epochs, load average {}); \
         last-epoch loss {:.4}; peak RSS {} MB (training {} MB)",
        m.median_s,
        m.min_s,
        m.max_s,
        m.cpu_s.map_or("?".into(), |v| format!("{v:.2}")),
        m.load_avg.map_or("?".into(), |v| format!("{v:.1}")),
        m.last_loss,
        m.peak_rss.map_or("?".into(), machine::mb),
        m.train_peak_rss.map_or("?".into(), machine::mb)
    );
    println!("{}{}", sweep::RESULT_PREFIX, serde_json::to_string(&m)?);
    if let Some(cpu) = m.median_cpu_s {
        println!("median_epoch_cpu_s={cpu:.3}");
    }
    if let Some([before, after]) = m.core_round_trip_ns {
        println!("core_round_trip_ns={before:.0}/{after:.0}");
    }
    println!("median_epoch_s={:.6}", m.median_s);
    Ok(())
}

fn run_sweep(common: &CommonArgs, args: &Args, data_dir: PathBuf) -> anyhow::Result<()> {
    let configs = if args.configs.is_empty() {
        configs::ALL.iter().collect()
    } else {
        args.configs
            .iter()
            .map(|n| find(n))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let backends = if args.backends.is_empty() {
        Backend::available().to_vec()
    } else {
        args.backends
            .iter()
            .map(|b| Backend::parse(b).context("--backends"))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    if args.thread_counts.is_empty() || args.thread_counts.contains(&0) {
        bail!("--thread-counts needs counts of at least 1");
    }
    let plan = sweep::SweepPlan {
        configs,
        backends,
        threads: args.thread_counts.clone(),
        warmup: args.warmup,
        epochs: args.epochs,
        seed: common.seed,
        data_dir,
        coretype: machine::default_coretype(),
        split_batch: args.split_batch,
    };
    let cpu = machine::cpu_model();
    let run_dir = RunDir::create(&common.out, "bench")?;
    run_dir.write_json(
        "config.json",
        &serde_json::json!({
            "experiment": "bench",
            "configs": plan.configs,
            "backends": plan.backends.iter().map(|b| b.name()).collect::<Vec<_>>(),
            "threads": plan.threads,
            "warmup": plan.warmup,
            "epochs": plan.epochs,
            "seed": plan.seed,
            "data_dir": plan.data_dir,
            "openblas_coretype": plan.coretype,
            "split_batch": split_batch_name(plan.split_batch),
            "cpu": cpu,
            "version": env!("CARGO_PKG_VERSION"),
        }),
    )?;
    println!(
        "bench: {} configurations × {:?} × {:?} threads, {} warm-up + {} timed epochs each, \
         OPENBLAS_CORETYPE={}; CPU {cpu}; run directory {}",
        plan.configs.len(),
        plan.backends.iter().map(|b| b.name()).collect::<Vec<_>>(),
        plan.threads,
        plan.warmup,
        plan.epochs,
        plan.coretype.as_deref().unwrap_or("(unset)"),
        run_dir.path().display()
    );
    let rows = sweep::run(&plan)?;
    let csv = report::csv(&rows, &cpu)?;
    nn::persist::write_atomic(&run_dir.file("results.csv"), &csv)?;
    let note = format!(
        "Seconds per training epoch over {} Fashion-MNIST images, median of {} epochs after {} \
         warm-up (min–max in brackets); OPENBLAS_CORETYPE={}; --split-batch {} ({}).",
        rows.first().map_or(60_000, |m| m.samples),
        plan.epochs,
        plan.warmup,
        plan.coretype.as_deref().unwrap_or("(unset)"),
        split_batch_name(plan.split_batch),
        split_batch_note(plan.split_batch)
    );
    let table = report::markdown(&rows, &cpu, &note);
    println!("\n{table}");
    if !args.no_doc {
        report::write_into_doc(&args.doc, &table)?;
        println!("table written into {}", args.doc.display());
    }
    println!("results: {}", run_dir.file("results.csv").display());
    Ok(())
}

fn run_quick(ctx: &Context, args: &Args) -> anyhow::Result<()> {
    let set = timing::synthetic_set(QUICK_SAMPLES);
    println!(
        "bench --quick: {QUICK_SAMPLES} synthetic images, one epoch per configuration and backend \
         ({} threads); a smoke test, not a measurement",
        ctx.threads
    );
    for c in configs::ALL.iter() {
        for &backend in Backend::available() {
            let plan = Plan {
                backend,
                threads: ctx.threads,
                warmup: 0,
                epochs: 1,
                seed: ctx.seed,
                split_batch: args.split_batch,
            };
            let m = timing::time_config(c, &set, &plan, |_, _, _| {})?;
            if !m.last_loss.is_finite() {
                bail!("{} on {backend}: the loss is not finite", c.name);
            }
            println!("{:<8} {:<5} loss {:.4}", c.name, backend, m.last_loss);
        }
    }
    if args.config.is_some() {
        println!("(--config is ignored with --quick)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_run_trains_every_configuration_on_synthetic_data() {
        let set = timing::synthetic_set(32);
        for c in configs::ALL.iter() {
            for &backend in Backend::available() {
                let plan = Plan {
                    backend,
                    threads: 1,
                    warmup: 0,
                    epochs: 2,
                    seed: 1,
                    split_batch: SplitBatch::Auto,
                };
                let m = timing::time_config(c, &set, &plan, |_, _, _| {}).unwrap();
                assert_eq!(m.epoch_s.len(), 2);
                assert!(m.last_loss.is_finite(), "{}", c.name);
                assert!(m.min_s <= m.median_s && m.median_s <= m.max_s);
            }
        }
    }
}
