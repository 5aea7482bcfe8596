//! Running a sweep's points on this machine: each point is a child process of this binary
//! (`sweep COPY --point I`), several at once on a rayon pool, within a thread budget.
//!
//! Child processes rather than in-process calls: every subcommand builds the global rayon pool
//! and sets the GEMM thread count once per process, and Ctrl-C is one process-wide flag, so a
//! point in its own process gets exactly the setup of a normal run (and of a Slurm array task,
//! which runs the same `--point` code). Starting a process costs milliseconds; a point trains for
//! seconds or more.

use super::point::{Point, SweepDir};
use anyhow::Context as _;
use rayon::prelude::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// How many points run at once and with how many threads each.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Points at once.
    pub jobs: usize,
    /// `--threads` of each point.
    pub threads_per_point: usize,
}

impl Budget {
    /// `threads` in all (default: every core), `jobs` points at once (default: one per thread),
    /// never more points at once than `pending`.
    pub fn new(
        threads: Option<usize>,
        jobs: Option<usize>,
        pending: usize,
    ) -> anyhow::Result<Self> {
        let threads = match threads {
            Some(0) => anyhow::bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let jobs = match jobs {
            Some(0) => anyhow::bail!("--jobs must be at least 1"),
            Some(n) => n,
            None => threads,
        }
        .min(pending.max(1));
        Ok(Self {
            jobs,
            threads_per_point: (threads / jobs).max(1),
        })
    }
}

/// Runs `points` (those not done yet) as child processes, each logging to
/// `OUT/NAME/logs/ID.log`. No point is started after Ctrl-C (the running ones stop by
/// themselves: they get the same signal).
pub fn run_points(
    sweep: &SweepDir,
    spec_copy: &Path,
    points: &[Point],
    budget: Budget,
    data_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("locating this program")?;
    let logs = sweep.root.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let out = sweep.root.parent().context("a sweep folder has a parent")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(budget.jobs)
        .build()
        .context("building the sweep's worker pool")?;
    let finished = AtomicUsize::new(0);
    let total = points.len();
    pool.install(|| {
        points
            .par_iter()
            .with_max_len(1)
            .map(|point| {
                let log = logs.join(format!("{}.log", point.id));
                if crate::control::interrupted() {
                    return Ok(());
                }
                let start = Instant::now();
                let file = std::fs::File::create(&log)
                    .with_context(|| format!("creating {}", log.display()))?;
                let mut cmd = Command::new(&exe);
                cmd.arg("sweep")
                    .arg(spec_copy)
                    .arg(format!("--point={}", point.index))
                    .arg(format!("--out={}", out.display()))
                    .arg(format!("--threads={}", budget.threads_per_point))
                    .stdin(Stdio::null())
                    .stdout(file.try_clone()?)
                    .stderr(file);
                if let Some(d) = data_dir {
                    cmd.arg(format!("--data-dir={}", d.display()));
                }
                let status = cmd
                    .status()
                    .with_context(|| format!("starting {}", exe.display()))?;
                let ok = status.success() && sweep.done(point).is_some();
                let n = finished.fetch_add(1, Ordering::SeqCst) + 1;
                println!(
                    "[{n}/{total}] point {} ({}): {} in {:.1} s{}",
                    point.index,
                    point.label(),
                    if ok { "done" } else { "FAILED" },
                    start.elapsed().as_secs_f64(),
                    if ok {
                        String::new()
                    } else {
                        format!(" ({status}), log {}", log.display())
                    }
                );
                Ok(())
            })
            .collect()
    })
}
