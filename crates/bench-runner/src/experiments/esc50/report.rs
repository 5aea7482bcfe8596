//! What every ESC-50 training subcommand writes: `metrics.csv` (one row per setting, fold and
//! epoch), `folds.csv`, `summary.csv`, `summary.json`, `model.json`, the figures, and the
//! console table with the published reference points.

use super::cv::SettingRun;
use crate::experiments::bar_chart::{draw_bar_chart, Bar, BarChart};
use crate::plot::{self, LineChart, Series};
use crate::run_dir::RunDir;
use serde::Serialize;

/// Published accuracies (%) for the same 5-fold protocol: (what, ESC-10, ESC-50). Random forest
/// and CNN from Piczak (2015, "Environmental sound classification with convolutional neural
/// networks" and the ESC paper), human listeners from the ESC-50 paper.
pub const REFERENCES: [(&str, f64, f64); 3] = [
    ("random forest", 72.7, 44.3),
    ("Piczak's CNN", 80.0, 64.5),
    ("human listeners", 95.7, 81.3),
];

/// Networks with more parameters than this are not written to `model.json` (hundreds of MB
/// of JSON); the run says so.
pub const MODEL_JSON_MAX_PARAMS: usize = 2_000_000;

/// One fold of one setting: a row of `folds.csv`.
#[derive(Debug, Serialize)]
struct FoldRow<'a> {
    setting: &'a str,
    fold: u8,
    train_clips: usize,
    test_clips: usize,
    epochs: usize,
    test_accuracy: f64,
    train_seconds: f64,
    seconds_per_epoch: f64,
    diverged: bool,
}

/// One setting: a row of `summary.csv` and an entry of `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SettingSummary {
    /// The setting.
    pub setting: String,
    /// Inputs per clip.
    pub input_dim: usize,
    /// Trainable parameters.
    pub params: usize,
    /// Mean final test accuracy over the folds, in [0, 1].
    pub mean_accuracy: f64,
    /// Sample standard deviation (n − 1) of the fold accuracies.
    pub std_accuracy: f64,
    /// The fold accuracies, `;`-separated, in fold order.
    pub fold_accuracies: String,
    /// Mean training seconds per epoch of one fold (folds ran in parallel).
    pub seconds_per_epoch: f64,
    /// Training seconds summed over the folds.
    pub train_seconds: f64,
    /// Wall-clock seconds of the whole cross-validation.
    pub wall_seconds: f64,
}

impl SettingSummary {
    /// The summary of one cross-validated setting.
    pub fn of(run: &SettingRun) -> Self {
        let (mean, std) = run.mean_std();
        Self {
            setting: run.name.clone(),
            input_dim: run.input_dim,
            params: run.params,
            mean_accuracy: mean,
            std_accuracy: std,
            fold_accuracies: run
                .accuracies()
                .iter()
                .map(|a| format!("{a:.4}"))
                .collect::<Vec<_>>()
                .join(";"),
            seconds_per_epoch: run.seconds_per_epoch(),
            train_seconds: run.folds.iter().map(|f| f.seconds()).sum(),
            wall_seconds: run.wall_seconds,
        }
    }
}

/// Writes the tables, `summary.json` (with `extra` merged in), the first setting's fold
/// network as `model.json` (unless too large) and the figures; returns the summaries.
pub fn write(
    run_dir: &RunDir,
    title: &str,
    runs: &[SettingRun],
    esc10: bool,
    extra: serde_json::Value,
) -> anyhow::Result<Vec<SettingSummary>> {
    let rows: Vec<_> = runs.iter().flat_map(SettingRun::rows).collect();
    run_dir.write_csv("metrics.csv", &rows)?;
    let folds: Vec<FoldRow> = runs
        .iter()
        .flat_map(|r| {
            r.folds.iter().map(|f| FoldRow {
                setting: &r.name,
                fold: f.fold,
                train_clips: f.sizes.0,
                test_clips: f.sizes.1,
                epochs: f.rows.len(),
                test_accuracy: f.accuracy(),
                train_seconds: f.seconds(),
                seconds_per_epoch: f.seconds_per_epoch(),
                diverged: f.diverged,
            })
        })
        .collect();
    run_dir.write_csv("folds.csv", &folds)?;
    let summaries: Vec<SettingSummary> = runs.iter().map(SettingSummary::of).collect();
    run_dir.write_csv("summary.csv", &summaries)?;
    let references: Vec<_> = REFERENCES
        .iter()
        .map(|&(what, e10, e50)| serde_json::json!({"what": what, "esc10": e10, "esc50": e50}))
        .collect();
    let mut summary = serde_json::json!({
        "settings": summaries,
        "references_percent": references,
    });
    if let (Some(map), serde_json::Value::Object(more)) = (summary.as_object_mut(), extra) {
        map.extend(more);
    }
    run_dir.write_json("summary.json", &summary)?;
    if let Some(run) = runs.first() {
        let fold = &run.folds[0];
        if run.params <= MODEL_JSON_MAX_PARAMS {
            nn::persist::save_json(
                &run_dir.file("model.json"),
                &fold.model,
                None,
                &serde_json::json!({ "setting": run.name, "test_fold": fold.fold }),
                &serde_json::json!({ "test_accuracy": fold.accuracy() }),
            )?;
        } else {
            println!(
                "model.json not written: {} has {} parameters (more than {})",
                run.name, run.params, MODEL_JSON_MAX_PARAMS
            );
        }
    }
    draw(run_dir, title, runs, esc10)?;
    Ok(summaries)
}

/// Each setting's test accuracy averaged over the folds, against epochs and against training
/// seconds, with the published references as flat lines; and the fold accuracies as bars.
fn draw(run_dir: &RunDir, title: &str, runs: &[SettingRun], esc10: bool) -> anyhow::Result<()> {
    let mut by_epoch = Vec::new();
    let mut by_seconds = Vec::new();
    let (mut max_epoch, mut max_seconds) = (1.0f64, 1.0f64);
    for run in runs {
        let epochs = run.folds.iter().map(|f| f.rows.len()).max().unwrap_or(0);
        let (mut pe, mut ps) = (Vec::new(), Vec::new());
        for e in 0..epochs {
            let at: Vec<_> = run.folds.iter().filter_map(|f| f.rows.get(e)).collect();
            let acc = 100.0 * at.iter().map(|r| r.test_accuracy).sum::<f64>() / at.len() as f64;
            let secs = at.iter().map(|r| r.train_seconds).sum::<f64>() / at.len() as f64;
            pe.push(((e + 1) as f64, acc));
            ps.push((secs, acc));
            max_epoch = max_epoch.max((e + 1) as f64);
            max_seconds = max_seconds.max(secs);
        }
        by_epoch.push(Series::new(run.name.clone(), pe));
        by_seconds.push(Series::new(run.name.clone(), ps));
    }
    let set = if esc10 { "ESC-10" } else { "ESC-50" };
    for &(what, e10, e50) in &REFERENCES {
        let y = if esc10 { e10 } else { e50 };
        let label = format!("{what} {y}% ({set}, published)");
        by_epoch.push(Series::new(label.clone(), vec![(1.0, y), (max_epoch, y)]));
        by_seconds.push(Series::new(label, vec![(0.0, y), (max_seconds, y)]));
    }
    let chance = 100.0 / if esc10 { 10.0 } else { 50.0 };
    let y_label = "test accuracy (%, mean over the test folds)";
    for (file, x_label, series) in [
        ("accuracy_vs_epoch.png", "epoch", &by_epoch),
        (
            "accuracy_vs_seconds.png",
            "training seconds per fold (folds in parallel)",
            &by_seconds,
        ),
    ] {
        plot::draw_line_chart(
            &run_dir.file(file),
            &LineChart {
                title: &format!("{title}: {set}, 5-fold CV (chance {chance:.0}%)"),
                x_label,
                y_label,
                series,
                y_range: Some((0.0, 100.0)),
                x_log: false,
                mark_best: false,
            },
        )?;
    }
    let mut bars = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let color = plot::series_color(i);
        for f in &run.folds {
            bars.push(Bar {
                label: format!("{} f{}", short(&run.name), f.fold),
                value: 100.0 * f.accuracy(),
                color,
            });
        }
        bars.push(Bar {
            label: format!("{} mean", short(&run.name)),
            value: 100.0 * run.mean_std().0,
            color: plotters::style::RGBColor(60, 60, 60),
        });
    }
    draw_bar_chart(
        &run_dir.file("fold_accuracy.png"),
        &BarChart {
            title: &format!("{title}: {set} test accuracy per fold"),
            x_label: "setting and test fold",
            y_label: "test accuracy (%)",
            bars: &bars,
            y_range: (0.0, 100.0),
        },
    )
}

/// A setting name short enough for a bar label.
fn short(name: &str) -> String {
    name.chars().take(10).collect()
}

/// Prints the per-setting table and the references.
pub fn print_summary(runs: &[SettingRun], esc10: bool) {
    println!(
        "\n{:<18} {:>9} {:>16} {:>9} {:>9}  fold accuracies (%)",
        "setting", "params", "mean ± std (%)", "s/epoch", "wall s"
    );
    for run in runs {
        let (mean, std) = run.mean_std();
        let folds: Vec<String> = run
            .folds
            .iter()
            .map(|f| {
                format!(
                    "{}:{:.1}{}",
                    f.fold,
                    100.0 * f.accuracy(),
                    if f.diverged { "(diverged)" } else { "" }
                )
            })
            .collect();
        println!(
            "{:<18} {:>9} {:>9.1} ± {:>4.1} {:>9.2} {:>9.1}  {}",
            run.name,
            run.params,
            100.0 * mean,
            100.0 * std,
            run.seconds_per_epoch(),
            run.wall_seconds,
            folds.join(" ")
        );
    }
    let refs: Vec<String> = REFERENCES
        .iter()
        .map(|&(what, e10, e50)| format!("{what} {}%", if esc10 { e10 } else { e50 }))
        .collect();
    println!(
        "published, same 5-fold protocol on {}: {}",
        if esc10 { "ESC-10" } else { "ESC-50" },
        refs.join(", ")
    );
}
