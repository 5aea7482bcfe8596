//! Merging the finished points of a sweep into `results.csv` (one row per point per row of its
//! `metrics.csv`, with the point id and its axis values in front), `points.csv` (one row per
//! point with its status) and `sweep.json`, and naming the points that did not finish.

use super::figures;
use super::point::{Point, SweepDir};
use super::slurm;
use super::spec::Spec;
use anyhow::{bail, Context as _};
use std::path::PathBuf;

/// A finished point's metrics.
#[derive(Debug, Clone)]
pub struct PointRows {
    /// The point.
    pub point: Point,
    /// `metrics.csv` rows, as text.
    pub rows: Vec<csv::StringRecord>,
    /// Its run directory.
    pub run_dir: PathBuf,
}

/// Why a point has no result.
#[derive(Debug, Clone)]
pub struct Missing {
    /// The point.
    pub point: Point,
    /// One line: failed (with the error), queued or running, or never finished, with the Slurm
    /// job and log where known.
    pub status: String,
}

/// What [`collect`] found.
#[derive(Debug, Clone)]
pub struct Collected {
    /// The `metrics.csv` header shared by every point.
    pub header: csv::StringRecord,
    /// Finished points, in index order.
    pub done: Vec<PointRows>,
    /// Unfinished points, in index order.
    pub missing: Vec<Missing>,
}

/// Reads every point of `points` and writes `results.csv`, `points.csv`, `sweep.json` and the
/// figures into the sweep folder.
pub fn collect(spec: &Spec, sweep: &SweepDir, points: &[Point]) -> anyhow::Result<Collected> {
    let history = slurm::submissions(sweep);
    let jobs: Vec<String> = history.iter().map(|s| s.job_id.clone()).collect();
    let mut active: Option<Vec<String>> = None;
    let mut header: Option<csv::StringRecord> = None;
    let mut done = Vec::new();
    let mut missing = Vec::new();
    for point in points {
        let point_dir = sweep.point_dir(&point.id);
        if let Some(marker) = sweep.done(point) {
            let run_dir = point_dir.join(&marker.run_dir);
            let path = run_dir.join("metrics.csv");
            let mut reader =
                csv::Reader::from_path(&path).with_context(|| format!("{}", path.display()))?;
            let h = reader
                .headers()
                .with_context(|| format!("{}", path.display()))?
                .clone();
            match &header {
                None => header = Some(h),
                Some(first) if *first != h => bail!(
                    "{}: columns {:?} differ from the other points' {:?}",
                    path.display(),
                    h,
                    first
                ),
                Some(_) => {}
            }
            let rows = reader
                .records()
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{}", path.display()))?;
            done.push(PointRows {
                point: point.clone(),
                rows,
                run_dir,
            });
            continue;
        }
        let task = history.iter().rev().find_map(|s| s.task(sweep, point));
        let failed = sweep.failed(point);
        let status = match (&failed, &task) {
            (Some(f), _) => {
                let job = f
                    .slurm_job
                    .as_deref()
                    .map(|j| format!(", Slurm job {j}"))
                    .unwrap_or_default();
                let local_log = sweep.root.join("logs").join(format!("{}.log", point.id));
                let log = match (&f.slurm_job, &task) {
                    (Some(j), Some((t, l))) if j == t => format!(", log {}", l.display()),
                    (None, _) if local_log.is_file() => format!(", log {}", local_log.display()),
                    _ => String::new(),
                };
                format!("failed{job}{log}: {}", first_line(&f.error))
            }
            (None, Some((t, log))) => {
                let active = active.get_or_insert_with(|| slurm::active_tasks(&jobs));
                let job = t.split('_').next().unwrap_or_default();
                if active.iter().any(|a| a == t || a == job) {
                    format!("queued or running (Slurm job {t})")
                } else {
                    format!(
                        "no result (Slurm job {t} ended without one: killed, out of time or \
                         memory? log {})",
                        log.display()
                    )
                }
            }
            (None, None) if point_dir.exists() => {
                "unfinished (interrupted, or running elsewhere)".to_string()
            }
            (None, None) => "not run yet".to_string(),
        };
        missing.push(Missing {
            point: point.clone(),
            status,
        });
    }
    let header = header.unwrap_or_default();
    write_results(spec, sweep, &header, &done)?;
    write_points(spec, sweep, &header, &done, &missing)?;
    sweep_json(spec, sweep, &done, &missing)?;
    if !done.is_empty() {
        figures::draw(spec, &sweep.root, &header, &done)?;
    }
    Ok(Collected {
        header,
        done,
        missing,
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// The merged header: `point`, the axes, then the metrics columns (a metrics column named like
/// an axis becomes `NAME_run`).
fn merged_header(spec: &Spec, header: &csv::StringRecord) -> Vec<String> {
    let axes: Vec<&str> = spec.axes.iter().map(|a| a.name.as_str()).collect();
    std::iter::once("point".to_string())
        .chain(axes.iter().map(|a| a.to_string()))
        .chain(header.iter().map(|c| {
            if axes.contains(&c) || c == "point" {
                format!("{c}_run")
            } else {
                c.to_string()
            }
        }))
        .collect()
}

fn write_csv(path: PathBuf, rows: impl IntoIterator<Item = Vec<String>>) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    nn::persist::write_atomic(&path, &bytes)?;
    Ok(())
}

fn write_results(
    spec: &Spec,
    sweep: &SweepDir,
    header: &csv::StringRecord,
    done: &[PointRows],
) -> anyhow::Result<()> {
    let rows = done.iter().flat_map(|p| {
        p.rows.iter().map(move |r| {
            std::iter::once(p.point.id.clone())
                .chain(p.point.axes.iter().map(|(_, v)| v.to_string()))
                .chain(r.iter().map(str::to_string))
                .collect()
        })
    });
    write_csv(
        sweep.root.join("results.csv"),
        std::iter::once(merged_header(spec, header)).chain(rows),
    )
}

fn write_points(
    spec: &Spec,
    sweep: &SweepDir,
    header: &csv::StringRecord,
    done: &[PointRows],
    missing: &[Missing],
) -> anyhow::Result<()> {
    let acc = header.iter().position(|c| c == "test_accuracy");
    let mut all: Vec<(usize, Vec<String>)> = Vec::new();
    let axis_values = |p: &Point| {
        p.axes
            .iter()
            .map(|(_, v)| v.to_string())
            .collect::<Vec<_>>()
    };
    for p in done {
        let last = acc
            .and_then(|k| p.rows.last().and_then(|r| r.get(k)))
            .unwrap_or_default();
        let mut row = vec![p.point.index.to_string(), p.point.id.clone()];
        row.extend(axis_values(&p.point));
        row.extend([
            "done".to_string(),
            last.to_string(),
            p.run_dir.display().to_string(),
        ]);
        all.push((p.point.index, row));
    }
    for m in missing {
        let mut row = vec![m.point.index.to_string(), m.point.id.clone()];
        row.extend(axis_values(&m.point));
        row.extend([m.status.clone(), String::new(), String::new()]);
        all.push((m.point.index, row));
    }
    all.sort_by_key(|(i, _)| *i);
    let mut head = vec!["index".to_string(), "point".to_string()];
    head.extend(spec.axes.iter().map(|a| a.name.clone()));
    head.extend(["status", "final_test_accuracy", "run_dir"].map(String::from));
    write_csv(
        sweep.root.join("points.csv"),
        std::iter::once(head).chain(all.into_iter().map(|(_, r)| r)),
    )
}

fn sweep_json(
    spec: &Spec,
    sweep: &SweepDir,
    done: &[PointRows],
    missing: &[Missing],
) -> anyhow::Result<()> {
    let json = serde_json::json!({
        "name": spec.name,
        "description": spec.description,
        "subcommand": spec.subcommand,
        "settings": spec.settings.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
        "axes": spec.axes.iter().map(|a| (a.name.clone(), a.values.iter().map(|v| v.to_json()).collect())).collect::<serde_json::Map<_, _>>(),
        "points": spec.len(),
        "collected": done.len(),
        "unfinished": missing.iter().map(|m| m.point.index).collect::<Vec<_>>(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    nn::persist::write_atomic(
        &sweep.root.join("sweep.json"),
        &serde_json::to_vec_pretty(&json)?,
    )?;
    Ok(())
}

/// Prints one line per point (its last test accuracy when the metrics have one), then the
/// unfinished points and how to rerun them.
pub fn report(spec: &Spec, sweep: &SweepDir, c: &Collected, rerun: &str) {
    let acc = c.header.iter().position(|h| h == "test_accuracy");
    println!(
        "\nsweep {}: {} of {} points collected into {}",
        spec.name,
        c.done.len(),
        c.done.len() + c.missing.len(),
        sweep.root.join("results.csv").display()
    );
    for p in &c.done {
        let last = acc
            .and_then(|k| p.rows.last()?.get(k)?.parse::<f64>().ok())
            .map_or(String::new(), |a| {
                format!("  final test accuracy {:.2}%", 100.0 * a)
            });
        println!(
            "  {:>4}  {}  {}{last}",
            p.point.index,
            p.point.id,
            p.point.label()
        );
    }
    if c.missing.is_empty() {
        return;
    }
    println!("unfinished points:");
    for m in &c.missing {
        println!(
            "  {:>4}  {}  {}: {}",
            m.point.index,
            m.point.id,
            m.point.label(),
            m.status
        );
    }
    let indices: Vec<usize> = c.missing.iter().map(|m| m.point.index).collect();
    println!(
        "run them again: {rerun} --points {}",
        super::spec::format_indices(&indices)
    );
}
