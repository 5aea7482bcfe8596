//! Outputs shared by the Nielsen-family experiments: the summary table (the seed's numbers beside
//! ours), `summary.csv`, the accuracy-per-epoch figure and `model.json`.

use super::runs::SettingRun;
use crate::plot::{self, LineChart, Series};
use crate::run_dir::RunDir;
use serde::Serialize;

/// One row of `summary.csv` and of the printed table.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    /// Setting name.
    pub setting: String,
    /// The seed's number as it stated it (60k-train), empty when it gave none.
    pub seed: String,
    /// The seed's number in percent.
    pub seed_percent: Option<f64>,
    /// Test accuracy after the last epoch, in [0, 1].
    pub final_test_accuracy: f64,
    /// Highest test accuracy over the epochs (the seeds' "max"/"best").
    pub best_test_accuracy: f64,
    /// Epoch of `best_test_accuracy`.
    pub best_epoch: usize,
    /// Epoch with the highest validation accuracy.
    pub picked_epoch: usize,
    /// Test accuracy at `picked_epoch`: the number one may honestly report.
    pub picked_test_accuracy: f64,
    /// Mean training seconds per epoch.
    pub seconds_per_epoch: f64,
    /// Epoch whose training loss was not finite, if any.
    pub diverged_at: Option<usize>,
}

impl SummaryRow {
    /// The summary of one run.
    pub fn of(run: &SettingRun) -> Self {
        let (last, best, picked) = (run.last(), run.best_test(), run.picked());
        Self {
            setting: run.setting.name.clone(),
            seed: run
                .setting
                .seed_reported
                .map_or(String::new(), |s| s.text.to_string()),
            seed_percent: run.setting.seed_reported.map(|s| s.percent),
            final_test_accuracy: last.test_accuracy,
            best_test_accuracy: best.test_accuracy,
            best_epoch: best.epoch,
            picked_epoch: picked.epoch,
            picked_test_accuracy: picked.test_accuracy,
            seconds_per_epoch: run.seconds_per_epoch(),
            diverged_at: run.diverged_at,
        }
    }
}

/// Writes `metrics.csv` (every epoch of every setting) and `summary.csv`, and prints the table.
pub fn write_and_print(
    run_dir: &RunDir,
    runs: &[SettingRun],
    train_label: &str,
) -> anyhow::Result<Vec<SummaryRow>> {
    let rows: Vec<_> = runs.iter().flat_map(|r| r.rows.iter().cloned()).collect();
    run_dir.write_csv("metrics.csv", &rows)?;
    let summary: Vec<SummaryRow> = runs.iter().map(SummaryRow::of).collect();
    run_dir.write_csv("summary.csv", &summary)?;
    print_table(&summary, train_label);
    Ok(summary)
}

/// The table: setting, seed, our final and best test accuracy, the validation-picked epoch and
/// its test accuracy, seconds per epoch.
pub fn print_table(summary: &[SummaryRow], train_label: &str) {
    let width = summary
        .iter()
        .map(|r| r.setting.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    println!(
        "\nseed: 60k-train; ours: {train_label}. best = highest test accuracy over the epochs; \
         val-picked = test accuracy at the epoch with the highest validation accuracy."
    );
    println!(
        "{:<width$}  {:>16}  {:>8}  {:>15}  {:>17}  {:>7}",
        "setting", "seed", "final", "best (epoch)", "val-picked (ep)", "s/epoch"
    );
    for r in summary {
        let seed = if r.seed.is_empty() { "-" } else { &r.seed };
        println!(
            "{:<width$}  {seed:>16}  {:>7.2}%  {:>8.2}% ({:>3})  {:>10.2}% ({:>3})  {:>7.3}{}",
            r.setting,
            100.0 * r.final_test_accuracy,
            100.0 * r.best_test_accuracy,
            r.best_epoch,
            100.0 * r.picked_test_accuracy,
            r.picked_epoch,
            r.seconds_per_epoch,
            r.diverged_at
                .map_or(String::new(), |e| format!("  diverged at epoch {e}"))
        );
    }
}

/// Legend text of a run: its name and the seed's number.
pub fn legend(run: &SettingRun) -> String {
    match run.setting.seed_reported {
        Some(s) => format!("{} (seed {})", run.setting.name, s.text),
        None => run.setting.name.clone(),
    }
}

/// Test accuracy (%) per epoch as `file` in `run_dir`, one line per series, best epochs marked;
/// `y_range` fixes the y axis (lines leaving it are cut).
pub fn draw_accuracy(
    run_dir: &RunDir,
    file: &str,
    title: &str,
    series: &[Series],
    y_range: Option<(f64, f64)>,
) -> anyhow::Result<()> {
    plot::draw_line_chart(
        &run_dir.file(file),
        &LineChart {
            title,
            x_label: "epoch",
            y_label: "test accuracy (%)",
            series,
            y_range,
            x_log: false,
            mark_best: true,
        },
    )
}

/// Saves `run`'s final network as `model.json`, with the run's configuration and its summary.
pub fn save_model<T: Serialize>(
    run_dir: &RunDir,
    run: &SettingRun,
    config: &T,
) -> anyhow::Result<()> {
    nn::persist::save_json(
        &run_dir.file("model.json"),
        &run.model,
        Some(run.setting.loss),
        &serde_json::to_value(config)?,
        &serde_json::to_value(SummaryRow::of(run))?,
    )?;
    Ok(())
}
