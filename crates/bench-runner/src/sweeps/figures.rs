//! The figures of a collected sweep, from the `test_accuracy` (and `epoch`) columns of the
//! points' metrics:
//! - `accuracy_by_epoch.png`: test accuracy against epoch, one line per point (when points
//!   have several epochs);
//! - `final_accuracy.png`: the last row's test accuracy against the first numeric axis that
//!   varies, one line per combination of the other varying axes;
//! - `heatmap.png`: one varying axis × epochs (like exp4), or two varying axes (last row).
//!
//! Sweeps whose metrics have no `test_accuracy` column get no figures.

use super::collect::PointRows;
use super::spec::{Spec, Value};
use crate::plot::{self, Heatmap, LineChart, Series};
use std::path::Path;

fn column(header: &csv::StringRecord, name: &str) -> Option<usize> {
    header.iter().position(|c| c == name)
}

fn number(row: &csv::StringRecord, k: usize) -> f64 {
    row.get(k)
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// The last row whose accuracy is a number (rows may leave it empty until the last epoch).
fn final_accuracy(p: &PointRows, acc: usize) -> f64 {
    p.rows
        .iter()
        .rev()
        .map(|r| number(r, acc))
        .find(|a| a.is_finite())
        .map_or(f64::NAN, |a| 100.0 * a)
}

/// Draws the figures that fit the sweep into `dir`.
pub fn draw(
    spec: &Spec,
    dir: &Path,
    header: &csv::StringRecord,
    done: &[PointRows],
) -> anyhow::Result<()> {
    let Some(acc) = column(header, "test_accuracy") else {
        return Ok(());
    };
    let epoch = column(header, "epoch");
    let varying = spec.varying_axes();
    let label = |p: &PointRows| {
        let l = p.point.label();
        if l.is_empty() {
            spec.name.clone()
        } else {
            l
        }
    };
    let many_epochs = epoch.is_some() && done.iter().any(|p| p.rows.len() > 1);

    if let (Some(e), true) = (epoch, many_epochs) {
        let series: Vec<Series> = done
            .iter()
            .map(|p| {
                Series::new(
                    label(p),
                    p.rows
                        .iter()
                        .map(|r| (number(r, e), 100.0 * number(r, acc)))
                        .collect(),
                )
            })
            .collect();
        plot::draw_line_chart(
            &dir.join("accuracy_by_epoch.png"),
            &LineChart {
                title: &format!("{}: test accuracy by epoch, one line per point", spec.name),
                x_label: "epoch",
                y_label: "test accuracy (%)",
                series: &series,
                y_range: None,
                x_log: false,
                mark_best: false,
            },
        )?;
    }

    let numeric = |k: usize| spec.axes[k].values.iter().all(|v| v.as_f64().is_some());
    if let Some(&x) = varying.iter().find(|&&k| numeric(k)) {
        let others: Vec<usize> = varying.iter().copied().filter(|&k| k != x).collect();
        let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for p in done {
            let key: Vec<String> = others
                .iter()
                .map(|&k| format!("{}={}", p.point.axes[k].0, p.point.axes[k].1))
                .collect();
            let key = if key.is_empty() {
                "last epoch".to_string()
            } else {
                key.join(" ")
            };
            let xv = p.point.axes[x].1.as_f64().unwrap_or(f64::NAN);
            let point = (xv, final_accuracy(p, acc));
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, pts)) => pts.push(point),
                None => groups.push((key, vec![point])),
            }
        }
        let series: Vec<Series> = groups
            .into_iter()
            .map(|(k, mut pts)| {
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series::new(k, pts)
            })
            .collect();
        let xs: Vec<f64> = spec.axes[x]
            .values
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let (lo, hi) = xs
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let name = &spec.axes[x].name;
        let x_log = lo > 0.0 && hi / lo >= 20.0;
        plot::draw_line_chart(
            &dir.join("final_accuracy.png"),
            &LineChart {
                title: &format!("{}: final test accuracy by {name}", spec.name),
                x_label: &if x_log {
                    format!("{name} (log scale)")
                } else {
                    name.clone()
                },
                y_label: "test accuracy (%)",
                series: &series,
                y_range: None,
                x_log,
                mark_best: true,
            },
        )?;
    }

    match (varying.as_slice(), epoch) {
        ([a], Some(e)) if many_epochs => {
            let epochs = done.iter().map(|p| p.rows.len()).max().unwrap_or(0);
            let values: Vec<Vec<f64>> = done
                .iter()
                .map(|p| p.rows.iter().map(|r| 100.0 * number(r, acc)).collect())
                .collect();
            let x_ticks: Vec<String> = (0..epochs)
                .map(|k| {
                    done.iter()
                        .find_map(|p| p.rows.get(k).and_then(|r| r.get(e)))
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            let y_ticks: Vec<String> = done
                .iter()
                .map(|p| p.point.axes[*a].1.to_string())
                .collect();
            heatmap(
                spec,
                dir,
                "epoch",
                &spec.axes[*a].name,
                &x_ticks,
                &y_ticks,
                &values,
            )?;
        }
        ([a, b], _) => {
            let (ra, rb) = (&spec.axes[*a], &spec.axes[*b]);
            let values: Vec<Vec<f64>> = ra
                .values
                .iter()
                .map(|va| {
                    rb.values
                        .iter()
                        .map(|vb| {
                            done.iter()
                                .find(|p| p.point.axes[*a].1 == *va && p.point.axes[*b].1 == *vb)
                                .map_or(f64::NAN, |p| final_accuracy(p, acc))
                        })
                        .collect()
                })
                .collect();
            let ticks = |vs: &[Value]| vs.iter().map(Value::to_string).collect::<Vec<_>>();
            heatmap(
                spec,
                dir,
                &rb.name,
                &ra.name,
                &ticks(&rb.values),
                &ticks(&ra.values),
                &values,
            )?;
        }
        _ => {}
    }
    Ok(())
}

fn heatmap(
    spec: &Spec,
    dir: &Path,
    x_label: &str,
    y_label: &str,
    x_ticks: &[String],
    y_ticks: &[String],
    values: &[Vec<f64>],
) -> anyhow::Result<()> {
    let best = values
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().enumerate().map(move |(j, &v)| (i, j, v)))
        .filter(|c| c.2.is_finite())
        .reduce(|b, c| if c.2 > b.2 { c } else { b })
        .map(|(i, j, _)| (i, j));
    plot::draw_heatmap(
        &dir.join("heatmap.png"),
        &Heatmap {
            title: &format!(
                "{}: test accuracy (%) by {y_label} and {x_label}",
                spec.name
            ),
            x_label,
            y_label,
            x_ticks,
            y_ticks,
            values,
            mark: best,
            value_label: "test accuracy (%)",
        },
    )
}
