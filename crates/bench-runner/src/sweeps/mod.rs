//! `bench-runner sweep FILE.toml`: grids of runs described as data, run here in parallel or as a
//! Slurm job array, and merged into one `results.csv`.
//!
//! A sweep file ([`spec`]) names a single-run subcommand, the flags every point gets and the
//! axes of the grid. Each point ([`point`]) is that subcommand with its flags, run as if typed
//! on the command line with `--out OUT/NAME/points/ID`, so it writes the subcommand's normal run
//! directory; its id is a hash of the subcommand and every setting, so a point keeps its folder
//! when the grid grows. A point is done when its `done.json` exists (written atomically after
//! the run), and done points are never run again: a sweep resumes where it stopped.
//!
//! - `sweep FILE` runs the unfinished points here ([`local`]: child processes of this binary on
//!   a rayon pool, `--jobs` at once within `--threads`), then collects.
//! - `sweep FILE --slurm` submits them as one job array ([`slurm`]), one array task per point;
//!   `--dry-run` only writes the script.
//! - `sweep FILE --point I` runs point I in this process: what local workers and array tasks
//!   run.
//! - `sweep FILE --collect` merges the finished points ([`collect`]) into `results.csv`,
//!   `points.csv`, `sweep.json` and the figures ([`figures`]), and lists the unfinished points
//!   with their Slurm job ids and the command to run them again.
//! - `sweep FILE --list` prints the points, their ids and status.
//!
//! The format and the workflow are described in `docs/sweeps.md`.

mod collect;
mod figures;
mod local;
mod point;
mod slurm;
mod spec;

use anyhow::{bail, Context as _};
use point::{Point, SweepDir};
use spec::Spec;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when some points of the sweep have no result (failed, unfinished or not run).
pub const EXIT_UNFINISHED: u8 = 1;

/// The `sweep` subcommand.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Runs a grid of runs described in a TOML file (experiments/*.toml, see docs/sweeps.md),
    /// here in parallel or as a Slurm job array, and merges them into one results.csv.
    Sweep(Args),
}

/// Flags of `sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The sweep file.
    pub file: PathBuf,
    /// Folder of the sweep folders: the sweep writes OUT/NAME/ (points, results.csv, figures).
    #[arg(long, default_value = "experiments/runs/sweeps")]
    pub out: PathBuf,
    /// Thread budget: all points together here; with --point, that point's threads [default:
    /// every core; with --point under Slurm: $SLURM_CPUS_PER_TASK].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Points run at once here [default: one per thread of --threads].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Data folder given to every point as --data-dir [default: each point's own rule,
    /// $MYNET_DATA_DIR/DATASET].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Only these points, by index: `3,5,8-10` (to run or resubmit some points alone).
    #[arg(long, value_name = "INDICES")]
    pub points: Option<String>,
    /// Print the points (index, id, status and the flags each runs with) and exit.
    #[arg(long, conflicts_with_all = ["point", "collect", "slurm"])]
    pub list: bool,
    /// Run point I (0-based index) in this process: what each worker and Slurm array task runs.
    #[arg(long, value_name = "I", conflicts_with_all = ["collect", "slurm", "points"])]
    pub point: Option<usize>,
    /// Merge the finished points into results.csv and the figures; list the unfinished ones.
    #[arg(long, conflicts_with = "slurm")]
    pub collect: bool,
    /// Slurm submission.
    #[command(flatten)]
    pub slurm: slurm::SlurmArgs,
}

/// Runs `sweep`.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    let Command::Sweep(args) = cmd;
    let spec = Spec::load(&args.file)?;
    let sweep = SweepDir::new(&args.out, &spec)?;
    if let Some(i) = args.point {
        if i >= spec.len() {
            bail!("--point {i}: the sweep has points 0-{}", spec.len() - 1);
        }
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::env::var("SLURM_CPUS_PER_TASK")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        return point::run_point(&sweep, &spec.point(i), threads, args.data_dir.as_deref());
    }
    let all = spec.points();
    let selected: Vec<Point> = match &args.points {
        Some(text) => spec::parse_indices(text, all.len())?
            .into_iter()
            .map(|i| all[i].clone())
            .collect(),
        None => all.clone(),
    };
    if args.list {
        list(&spec, &sweep, &selected);
        return Ok(ExitCode::SUCCESS);
    }
    let rerun = format!(
        "bench-runner sweep {} --out {}{}",
        args.file.display(),
        args.out.display(),
        if args.slurm.slurm || !slurm::submissions(&sweep).is_empty() {
            " --slurm"
        } else {
            ""
        }
    );
    if args.collect {
        return finish(&spec, &sweep, &all, &selected, &rerun);
    }
    let pending: Vec<Point> = selected
        .iter()
        .filter(|p| sweep.done(p).is_none())
        .cloned()
        .collect();
    for p in &pending {
        point::check_args(p)?;
    }
    println!(
        "sweep {}: `{}` over {} points, {} done, {} to run; folder {}",
        spec.name,
        spec.subcommand,
        spec.len(),
        spec.len() - all.iter().filter(|p| sweep.done(p).is_none()).count(),
        pending.len(),
        sweep.root.display()
    );
    if pending.is_empty() {
        return finish(&spec, &sweep, &all, &selected, &rerun);
    }
    let copy = sweep.write_spec_copy(&spec)?;
    if args.slurm.slurm {
        return submit(&args, &spec, &sweep, &copy, &pending);
    }
    let budget = local::Budget::new(args.threads, args.jobs, pending.len())?;
    println!(
        "running {} at once with {} thread(s) each; logs in {}",
        budget.jobs,
        budget.threads_per_point,
        sweep.root.join("logs").display()
    );
    local::run_points(&sweep, &copy, &pending, budget, args.data_dir.as_deref())?;
    if crate::control::interrupted() {
        collect::collect(&spec, &sweep, &all)?;
        println!("interrupted: run the same command again to finish the sweep");
        return Ok(ExitCode::from(crate::control::EXIT_INTERRUPTED));
    }
    finish(&spec, &sweep, &all, &selected, &rerun)
}

/// Collects every point of the grid, prints the report; success when every `selected` point
/// is done.
fn finish(
    spec: &Spec,
    sweep: &SweepDir,
    all: &[Point],
    selected: &[Point],
    rerun: &str,
) -> anyhow::Result<ExitCode> {
    let c = collect::collect(spec, sweep, all)?;
    collect::report(spec, sweep, &c, rerun);
    let unfinished = c
        .missing
        .iter()
        .filter(|m| selected.iter().any(|p| p.index == m.point.index))
        .count();
    Ok(if unfinished == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_UNFINISHED)
    })
}

fn submit(
    args: &Args,
    spec: &Spec,
    sweep: &SweepDir,
    copy: &std::path::Path,
    pending: &[Point],
) -> anyhow::Result<ExitCode> {
    if !args.slurm.dry_run && args.points.is_none() {
        let jobs: Vec<String> = slurm::submissions(sweep)
            .iter()
            .map(|s| s.job_id.clone())
            .collect();
        let active = slurm::active_tasks(&jobs);
        if !active.is_empty() {
            bail!(
                "earlier jobs of this sweep are still queued or running ({}): wait for them \
                 (squeue), or name the points to submit with --points",
                active.join(" ")
            );
        }
    }
    let (script, job) = slurm::submit(
        spec,
        sweep,
        copy,
        pending,
        &args.slurm,
        args.data_dir.as_deref(),
    )?;
    match job {
        None => {
            let text = std::fs::read_to_string(&script)
                .with_context(|| format!("reading {}", script.display()))?;
            println!(
                "--dry-run: wrote {} (not submitted):\n\n{text}",
                script.display()
            );
        }
        Some(job) => {
            println!(
                "submitted Slurm job array {job}: {} point(s), script {}\nfollow it with \
                 `squeue -j {job}`; when it is done: bench-runner sweep {} --out {} --collect",
                pending.len(),
                script.display(),
                args.file.display(),
                args.out.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(spec: &Spec, sweep: &SweepDir, points: &[Point]) {
    println!(
        "sweep {}: `{}`, {} points, folder {}",
        spec.name,
        spec.subcommand,
        spec.len(),
        sweep.root.display()
    );
    if let Some(d) = &spec.description {
        println!("{d}");
    }
    for p in points {
        let status = if sweep.done(p).is_some() {
            "done"
        } else if sweep.failed(p).is_some() {
            "failed"
        } else {
            "todo"
        };
        println!(
            "{:>5}  {}  {status:<6}  {}",
            p.index,
            p.id,
            p.args().join(" ")
        );
    }
}
