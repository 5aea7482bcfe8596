//! `all`: runs every experiment subcommand in turn (`--quick` for the CI-sized versions).
//!
//! The list comes from the CLI definition itself, so a new experiment joins automatically;
//! `bench`, `sweep` and `all` are left out (they are not experiments). Each experiment runs as a
//! child process of this binary, so every run gets its own thread pools and Ctrl-C handling, and
//! one failure does not stop the others.

use crate::common::CommonArgs;
use anyhow::{bail, Context as _};
use clap::CommandFactory;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// Subcommands that are not experiments.
const NOT_EXPERIMENTS: &[&str] = &["all", "bench", "sweep", "help"];

/// Flags of `all`.
#[derive(Debug, Clone, clap::Args)]
pub struct AllArgs {
    /// Run every experiment's `--quick` version (small slices, few epochs).
    #[arg(long)]
    pub quick: bool,
    /// Run only these experiments (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these experiments (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
}

/// The experiment subcommands, in CLI order.
pub fn experiments() -> Vec<String> {
    crate::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| !NOT_EXPERIMENTS.contains(&n.as_str()))
        .collect()
}

/// Runs the experiments; the exit code is non-zero when any failed.
pub fn run(common: &CommonArgs, args: &AllArgs) -> anyhow::Result<ExitCode> {
    if common.data_dir.is_some() {
        bail!("all: --data-dir names one dataset's folder; set MYNET_DATA_DIR to a folder holding mnist/, fashion-mnist/ and esc50/ instead");
    }
    let all = experiments();
    for name in args.only.iter().chain(&args.skip) {
        if !all.contains(name) {
            bail!(
                "all: unknown experiment '{name}' (known: {})",
                all.join(", ")
            );
        }
    }
    let chosen: Vec<&String> = all
        .iter()
        .filter(|n| args.only.is_empty() || args.only.contains(n))
        .filter(|n| !args.skip.contains(n))
        .collect();
    let exe = std::env::current_exe().context("locating this program")?;
    let mut results = Vec::with_capacity(chosen.len());
    for name in chosen {
        println!("\n=== {name}{}", if args.quick { " --quick" } else { "" });
        let mut cmd = Command::new(&exe);
        cmd.arg(name)
            .arg("--out")
            .arg(&common.out)
            .arg("--seed")
            .arg(common.seed.to_string());
        cmd.arg("--backend").arg(&common.backend);
        if let Some(t) = common.threads {
            cmd.arg("--threads").arg(t.to_string());
        }
        if args.quick {
            cmd.arg("--quick");
        }
        let start = Instant::now();
        let status = cmd
            .stdin(Stdio::null())
            .status()
            .with_context(|| format!("starting {name}"))?;
        results.push((name.clone(), status.code(), start.elapsed().as_secs_f64()));
        if crate::control::interrupted() {
            break;
        }
    }
    println!("\n{:<22} {:>6} {:>9}", "experiment", "exit", "seconds");
    for (name, code, secs) in &results {
        let code = code.map_or("signal".to_string(), |c| c.to_string());
        println!("{name:<22} {code:>6} {secs:>9.1}");
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.1 != Some(0))
        .map(|r| r.0.as_str())
        .collect();
    if failed.is_empty() {
        println!("all {} experiments succeeded", results.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} of {} experiments failed: {}",
            failed.len(),
            results.len(),
            failed.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}
