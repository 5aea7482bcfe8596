//! Running a sweep as a Slurm job array: one array task per point (the array index is the
//! point's index), each running `bench-runner sweep COPY --point $SLURM_ARRAY_TASK_ID`.
//!
//! Every submission writes `OUT/NAME/slurm/submit-K.sbatch` and appends the job id and its
//! points to `OUT/NAME/slurm/submissions.json`, so `--collect` can name the Slurm job of each
//! unfinished point. Task output goes to `OUT/NAME/slurm/logs/JOB_TASK.out`. The output folder
//! and this binary must be reachable at the same paths from the compute nodes (a shared file
//! system), as usual for Slurm.

use super::point::{Point, SweepDir};
use super::spec::{format_indices, Spec};
use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags of `sweep --slurm`.
#[derive(Debug, Clone, clap::Args)]
pub struct SlurmArgs {
    /// Submit the unfinished points as a Slurm job array (one task per point) instead of
    /// running them here.
    #[arg(long)]
    pub slurm: bool,
    /// With --slurm: write the sbatch script and print it, but do not submit it.
    #[arg(long, requires = "slurm")]
    pub dry_run: bool,
    /// With --slurm: at most N array tasks at once (`--array=…%N`).
    #[arg(long, value_name = "N", requires = "slurm")]
    pub max_parallel: Option<usize>,
    /// With --slurm: CPUs per task (also the point's --threads).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "slurm")]
    pub cpus_per_task: usize,
    /// With --slurm: memory per task (sbatch --mem, e.g. 2G).
    #[arg(long, requires = "slurm")]
    pub mem: Option<String>,
    /// With --slurm: time limit per task (sbatch --time, e.g. 00:30:00).
    #[arg(long, requires = "slurm")]
    pub time: Option<String>,
    /// With --slurm: partition (sbatch --partition).
    #[arg(long, requires = "slurm")]
    pub partition: Option<String>,
    /// With --slurm: one more `#SBATCH` option, e.g. `--account=abc` (repeatable).
    #[arg(long, value_name = "OPTION", requires = "slurm")]
    pub sbatch_arg: Vec<String>,
}

/// One `sbatch` call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submission {
    /// Slurm job id of the array.
    pub job_id: String,
    /// The script submitted.
    pub script: PathBuf,
    /// Its `--array` value.
    pub array: String,
    /// Seconds since the Unix epoch.
    pub submitted_at: u64,
    /// (index, id) of every point in the array.
    pub points: Vec<(usize, String)>,
}

impl Submission {
    /// The `JOB_TASK` id and log file of `point` in this submission, if it was part of it.
    pub fn task(&self, sweep: &SweepDir, point: &Point) -> Option<(String, PathBuf)> {
        self.points.iter().any(|(_, id)| *id == point.id).then(|| {
            let task = format!("{}_{}", self.job_id, point.index);
            let log = logs_dir(sweep).join(format!("{task}.out"));
            (task, log)
        })
    }
}

fn slurm_dir(sweep: &SweepDir) -> PathBuf {
    sweep.root.join("slurm")
}

fn logs_dir(sweep: &SweepDir) -> PathBuf {
    slurm_dir(sweep).join("logs")
}

/// Every submission of the sweep so far (oldest first).
pub fn submissions(sweep: &SweepDir) -> Vec<Submission> {
    std::fs::read(slurm_dir(sweep).join("submissions.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Single-quotes `s` for the shell.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+%@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The text of the array script for `points`.
pub fn script(
    spec: &Spec,
    sweep: &SweepDir,
    spec_copy: &Path,
    points: &[Point],
    args: &SlurmArgs,
    data_dir: Option<&Path>,
) -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("locating this program")?;
    let cwd = std::env::current_dir().context("the current folder")?;
    let out = sweep.root.parent().context("a sweep folder has a parent")?;
    let indices: Vec<usize> = points.iter().map(|p| p.index).collect();
    let mut array = format_indices(&indices);
    if let Some(n) = args.max_parallel {
        if n == 0 {
            bail!("--max-parallel must be at least 1");
        }
        array.push_str(&format!("%{n}"));
    }
    if args.cpus_per_task == 0 {
        bail!("--cpus-per-task must be at least 1");
    }
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!(
            "# Sweep {} ({} of {} points): written by `bench-runner sweep --slurm`.",
            spec.name,
            points.len(),
            spec.len()
        ),
        "# Array index = point index; each task runs one point and writes".to_string(),
        format!(
            "# {}/points/ID/done.json when it finishes.",
            sweep.root.display()
        ),
        format!("#SBATCH --job-name=sweep-{}", spec.name),
        format!("#SBATCH --array={array}"),
        format!("#SBATCH --cpus-per-task={}", args.cpus_per_task),
    ];
    for (flag, value) in [
        ("mem", &args.mem),
        ("time", &args.time),
        ("partition", &args.partition),
    ] {
        if let Some(v) = value {
            lines.push(format!("#SBATCH --{flag}={v}"));
        }
    }
    for extra in &args.sbatch_arg {
        lines.push(format!("#SBATCH {extra}"));
    }
    lines.push(format!("#SBATCH --chdir={}", cwd.display()));
    lines.push(format!(
        "#SBATCH --output={}/%A_%a.out",
        logs_dir(sweep).display()
    ));
    lines.push("set -euo pipefail".to_string());
    let mut command = vec![
        "exec".to_string(),
        shell_quote(&exe.to_string_lossy()),
        "sweep".to_string(),
        shell_quote(&spec_copy.to_string_lossy()),
        "--point=\"$SLURM_ARRAY_TASK_ID\"".to_string(),
        shell_quote(&format!("--out={}", out.display())),
        "--threads=\"${SLURM_CPUS_PER_TASK:-1}\"".to_string(),
    ];
    if let Some(d) = data_dir {
        let d = std::path::absolute(d).with_context(|| format!("{}", d.display()))?;
        command.push(shell_quote(&format!("--data-dir={}", d.display())));
    }
    lines.push(command.join(" "));
    Ok(lines.join("\n") + "\n")
}

/// Writes the script for `points`; unless `--dry-run`, submits it with `sbatch` and records
/// the submission. Returns the script path and the job id.
pub fn submit(
    spec: &Spec,
    sweep: &SweepDir,
    spec_copy: &Path,
    points: &[Point],
    args: &SlurmArgs,
    data_dir: Option<&Path>,
) -> anyhow::Result<(PathBuf, Option<String>)> {
    let text = script(spec, sweep, spec_copy, points, args, data_dir)?;
    let dir = slurm_dir(sweep);
    std::fs::create_dir_all(logs_dir(sweep))
        .with_context(|| format!("creating {}", logs_dir(sweep).display()))?;
    let mut history = submissions(sweep);
    let name = if args.dry_run {
        "dry-run.sbatch".to_string()
    } else {
        format!("submit-{}.sbatch", history.len() + 1)
    };
    let path = dir.join(name);
    nn::persist::write_atomic(&path, text.as_bytes())?;
    if args.dry_run {
        return Ok((path, None));
    }
    let output = Command::new("sbatch")
        .arg("--parsable")
        .arg(&path)
        .output()
        .context("running sbatch (is Slurm's client installed and on PATH? --dry-run only writes the script)")?;
    if !output.status.success() {
        bail!(
            "sbatch {} failed ({}): {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let job_id = stdout
        .trim()
        .split(';')
        .next()
        .filter(|j| !j.is_empty() && j.chars().all(|c| c.is_ascii_digit()))
        .with_context(|| format!("sbatch printed no job id: {stdout:?}"))?
        .to_string();
    history.push(Submission {
        job_id: job_id.clone(),
        script: path.clone(),
        array: format_indices(&points.iter().map(|p| p.index).collect::<Vec<_>>()),
        submitted_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        points: points.iter().map(|p| (p.index, p.id.clone())).collect(),
    });
    nn::persist::write_atomic(
        &dir.join("submissions.json"),
        &serde_json::to_vec_pretty(&history)?,
    )?;
    Ok((path, Some(job_id)))
}

/// The `JOB_TASK` ids (and plain job ids) of `jobs` still pending or running, from `squeue`;
/// empty when Slurm's client is missing or knows none of them.
pub fn active_tasks(jobs: &[String]) -> Vec<String> {
    if jobs.is_empty() {
        return Vec::new();
    }
    let output = Command::new("squeue")
        .args(["-h", "-r", "-o", "%i", "-j"])
        .arg(jobs.join(","))
        .output();
    match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("/a/b-c_d.toml"), "/a/b-c_d.toml");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
