//! One point of a sweep: its settings, stable id and folder, and running it in this process
//! (`sweep FILE --point I`, what every local worker and every Slurm array task runs).

use super::spec::{Spec, Value};
use crate::control::EXIT_DIVERGED;
use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The completion marker, written atomically once the point's run finished.
pub const DONE: &str = "done.json";
/// Written when the point's run failed (its error and, under Slurm, its job id).
pub const FAILED: &str = "failed.json";

/// One combination of the grid.
#[derive(Debug, Clone)]
pub struct Point {
    /// Position in the grid (the Slurm array index).
    pub index: usize,
    /// Stable id: FNV-1a 64 of the canonical JSON of the subcommand and every setting.
    pub id: String,
    /// Subcommand.
    pub subcommand: String,
    /// Fixed settings, in file order.
    pub fixed: Vec<(String, Value)>,
    /// This point's value of each axis, in axis order.
    pub axes: Vec<(String, Value)>,
}

/// 64-bit FNV-1a.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `{"settings":{…sorted keys…},"subcommand":"…"}`, compact: the text the id hashes.
pub fn canonical_json(subcommand: &str, settings: &BTreeMap<&str, &Value>) -> String {
    let body: Vec<String> = settings
        .iter()
        .map(|(k, v)| format!("{}:{}", serde_json::Value::from(*k), v.to_json()))
        .collect();
    format!(
        "{{\"settings\":{{{}}},\"subcommand\":{}}}",
        body.join(","),
        serde_json::Value::from(subcommand)
    )
}

impl Point {
    /// The point `index` with fixed settings `fixed` and axis values `axes`.
    pub fn new(
        index: usize,
        subcommand: &str,
        fixed: &[(String, Value)],
        axes: Vec<(String, Value)>,
    ) -> Self {
        let all: BTreeMap<&str, &Value> = fixed
            .iter()
            .chain(&axes)
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        let id = format!(
            "{:016x}",
            fnv1a64(canonical_json(subcommand, &all).as_bytes())
        );
        Self {
            index,
            id,
            subcommand: subcommand.to_string(),
            fixed: fixed.to_vec(),
            axes,
        }
    }

    /// The subcommand and its flags: fixed settings first, then the axes (`--key=value`, so
    /// negative numbers pass; `true` gives `--key`, `false` nothing).
    pub fn args(&self) -> Vec<String> {
        let flags =
            self.fixed
                .iter()
                .chain(&self.axes)
                .filter_map(|(k, v)| match (v, v.arg_text()) {
                    (Value::Bool(true), _) => Some(format!("--{k}")),
                    (_, Some(text)) => Some(format!("--{k}={text}")),
                    _ => None,
                });
        std::iter::once(self.subcommand.clone())
            .chain(flags)
            .collect()
    }

    /// `lr=0.05 seed=2` (empty without axes).
    pub fn label(&self) -> String {
        let parts: Vec<String> = self.axes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.join(" ")
    }
}

/// The folders and files of one sweep, `OUT/NAME/`.
#[derive(Debug, Clone)]
pub struct SweepDir {
    /// `OUT/NAME`.
    pub root: PathBuf,
}

impl SweepDir {
    /// The sweep folder of `spec` under `out`, as an absolute path (Slurm tasks start elsewhere).
    pub fn new(out: &Path, spec: &Spec) -> anyhow::Result<Self> {
        let out = std::path::absolute(out).with_context(|| format!("{}", out.display()))?;
        Ok(Self {
            root: out.join(&spec.name),
        })
    }

    /// `OUT/NAME/points/ID`: the point's `--out`, its markers and `point.json`.
    pub fn point_dir(&self, id: &str) -> PathBuf {
        self.root.join("points").join(id)
    }

    /// The copy of the sweep file that workers and array tasks read.
    pub fn spec_copy(&self, spec: &Spec) -> PathBuf {
        self.root.join(format!("{}.toml", spec.name))
    }

    /// Writes the copy of the sweep file (unchanged if equal).
    pub fn write_spec_copy(&self, spec: &Spec) -> anyhow::Result<PathBuf> {
        let path = self.spec_copy(spec);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(spec.text.as_str()) {
            std::fs::create_dir_all(&self.root)
                .with_context(|| format!("creating {}", self.root.display()))?;
            nn::persist::write_atomic(&path, spec.text.as_bytes())?;
        }
        Ok(path)
    }

    /// The point's completion marker, if it finished.
    pub fn done(&self, point: &Point) -> Option<Done> {
        let bytes = std::fs::read(self.point_dir(&point.id).join(DONE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The point's failure record, if its last attempt failed.
    pub fn failed(&self, point: &Point) -> Option<Failed> {
        let bytes = std::fs::read(self.point_dir(&point.id).join(FAILED)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// `done.json`: the point's run finished and its `metrics.csv` is final.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Done {
    /// Point id.
    pub id: String,
    /// The run directory, relative to the point folder.
    pub run_dir: String,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// `completed`, or `diverged` (the run stopped at a non-finite loss; its rows are kept).
    pub ending: String,
    /// Slurm job (`ARRAYJOB_TASK`) that ran it, if any.
    pub slurm_job: Option<String>,
}

/// `failed.json`: the point's last attempt failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failed {
    /// Point id.
    pub id: String,
    /// The error.
    pub error: String,
    /// Slurm job (`ARRAYJOB_TASK`) that ran it, if any.
    pub slurm_job: Option<String>,
}

/// `ARRAYJOB_TASK` (or the plain job id) when running inside Slurm.
pub fn slurm_job_from_env() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("SLURM_ARRAY_JOB_ID"), var("SLURM_ARRAY_TASK_ID")) {
        (Some(job), Some(task)) => Some(format!("{job}_{task}")),
        _ => var("SLURM_JOB_ID"),
    }
}

/// The point's flags plus `--out`, `--threads` and `--data-dir`, as `bench-runner` arguments.
pub fn full_args(
    point: &Point,
    out: &Path,
    threads: usize,
    data_dir: Option<&Path>,
) -> Vec<String> {
    let mut argv = vec!["bench-runner".to_string()];
    argv.extend(point.args());
    argv.push(format!("--out={}", out.display()));
    argv.push(format!("--threads={threads}"));
    if let Some(d) = data_dir {
        argv.push(format!("--data-dir={}", d.display()));
    }
    argv
}

/// Checks that the subcommand accepts the point's flags (without running anything).
pub fn check_args(point: &Point) -> anyhow::Result<()> {
    let argv = full_args(point, Path::new("."), 1, None);
    <crate::cli::Cli as clap::Parser>::try_parse_from(&argv).map_err(|e| {
        anyhow::anyhow!(
            "point {} ({}): `{}` is rejected:\n{e}",
            point.index,
            point.label(),
            point.args().join(" ")
        )
    })?;
    Ok(())
}

/// Runs point `point` of `spec` in this process: clears an unfinished earlier attempt, runs the
/// subcommand with `--out OUT/NAME/points/ID`, then writes `done.json` (or `failed.json`). A
/// point already done is left alone.
pub fn run_point(
    sweep: &SweepDir,
    point: &Point,
    threads: usize,
    data_dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let dir = sweep.point_dir(&point.id);
    if sweep.done(point).is_some() {
        println!(
            "point {} ({}) is already done: {}",
            point.index,
            point.label(),
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let slurm_job = slurm_job_from_env();
    let fail = |error: String| -> anyhow::Result<()> {
        let failed = Failed {
            id: point.id.clone(),
            error,
            slurm_job: slurm_job.clone(),
        };
        nn::persist::write_atomic(&dir.join(FAILED), &serde_json::to_vec_pretty(&failed)?)?;
        Ok(())
    };
    let argv = full_args(point, &dir, threads, data_dir);
    let info = serde_json::json!({
        "index": point.index,
        "id": point.id,
        "axes": point.axes.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
        "args": argv[1..],
        "slurm_job": slurm_job,
    });
    nn::persist::write_atomic(&dir.join("point.json"), &serde_json::to_vec_pretty(&info)?)?;
    println!(
        "point {} ({}), id {}: {}",
        point.index,
        point.label(),
        point.id,
        argv[1..].join(" ")
    );
    let cli = match <crate::cli::Cli as clap::Parser>::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            fail(format!("invalid flags: {e}"))?;
            bail!("point {}: invalid flags: {e}", point.index);
        }
    };
    let start = Instant::now();
    let code = match crate::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            fail(format!("{e:#}"))?;
            return Err(e.context(format!("point {} ({})", point.index, point.label())));
        }
    };
    let ending = if code == ExitCode::SUCCESS {
        "completed"
    } else if code == ExitCode::from(EXIT_DIVERGED) {
        "diverged"
    } else {
        fail(format!(
            "the run ended early ({code:?}); run the point again"
        ))?;
        return Ok(code);
    };
    let run_dir = match find_run_dir(&dir) {
        Ok(d) => d,
        Err(e) => {
            fail(format!("{e:#}"))?;
            return Err(e);
        }
    };
    let done = Done {
        id: point.id.clone(),
        run_dir,
        seconds: start.elapsed().as_secs_f64(),
        ending: ending.to_string(),
        slurm_job,
    };
    nn::persist::write_atomic(&dir.join(DONE), &serde_json::to_vec_pretty(&done)?)?;
    println!(
        "point {} done in {:.1} s: {}",
        point.index,
        done.seconds,
        dir.join(&done.run_dir).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The one run directory (a folder holding `metrics.csv`) inside a point folder.
fn find_run_dir(point_dir: &Path) -> anyhow::Result<String> {
    let mut found = Vec::new();
    for entry in
        std::fs::read_dir(point_dir).with_context(|| format!("reading {}", point_dir.display()))?
    {
        let path = entry?.path();
        if path.join("metrics.csv").is_file() {
            found.push(
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("{}: the run wrote no metrics.csv", point_dir.display()),
        _ => bail!(
            "{}: several run directories: {found:?}",
            point_dir.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_settings_not_their_order() {
        let fixed = vec![("epochs".to_string(), Value::Int(1))];
        let a = Point::new(
            0,
            "exp3-epochs",
            &fixed,
            vec![("lr".into(), Value::Float(0.1))],
        );
        let b = Point::new(
            7,
            "exp3-epochs",
            &[("lr".to_string(), Value::Float(0.1))],
            vec![("epochs".into(), Value::Int(1))],
        );
        let c = Point::new(
            0,
            "exp3-epochs",
            &fixed,
            vec![("lr".into(), Value::Float(0.2))],
        );
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert_eq!(
            canonical_json(
                "exp3-epochs",
                &[("lr", &Value::Float(0.1)), ("epochs", &Value::Int(1))]
                    .into_iter()
                    .collect()
            ),
            r#"{"settings":{"epochs":1,"lr":0.1},"subcommand":"exp3-epochs"}"#
        );
        // Pinned: changing the hash would orphan every finished point.
        assert_eq!(a.id, "76e2f711b11908a6");
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
