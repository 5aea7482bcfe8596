//! `nielsen`: the NeuralNetworkFromScratch seed, Nielsen's `network.py`, and the seed's "things to
//! improve" beside it.
//!
//! Seed settings: `[784, 30, 10]`, sigmoid, quadratic loss, weights and biases `N(0, 1)`, inputs
//! `/255`, one-hot targets, 50k train / 10k validation / 10k test, reshuffled every epoch,
//! mini-batches of 10 (`network.py`'s call; the seed's README says 100), η 3.0, 15 epochs, the test
//! accuracy printed after every epoch as `Epoch k: n / 10000, Test_Accuracy : x %`. Published:
//! 89.86, 92.35, 92.59, 93.31 … 94.32, 94.49, 94.21% (we read the elided middle as epochs 5-12,
//! so the last three are epochs 13-15).
//!
//! Beside it, from a copy of the same initial network: the cross-entropy loss (Nielsen's
//! `network2`, `C = −Σ[t ln a + (1−t) ln(1−a)]`, whose output error drops the `σ'(z)` factor that
//! slows saturated sigmoid outputs; η 0.5 as in `network2`'s examples, since without the `σ' ≤ ¼`
//! factor the same η gives steps about 4× larger), and for both losses the epoch picked by
//! validation accuracy, whose test accuracy is the number one may honestly report (the seed
//! watched the test set, which makes "best epoch" an optimistic choice).

use super::family::{self, Base, Extras, NetArgs, SavedModel};
use super::runs::{EpochRow, SettingRun};
use super::seed_json::NetworkPy;
use super::setting::Setting;
use crate::common::{CommonArgs, Context};
use crate::plot::{self, LineChart, Series};
use nn::Loss;

/// The seed's log: (epoch from 1, test accuracy %), 60k-train data.
pub const SEED_LOG: &[(usize, f64)] = &[
    (1, 89.86),
    (2, 92.35),
    (3, 92.59),
    (4, 93.31),
    (13, 94.32),
    (14, 94.49),
    (15, 94.21),
];

/// Flags of `nielsen`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Mini-batch size (network.py's call: 10; the seed's README says 100).
    #[arg(long, default_value_t = 10)]
    pub batch_size: usize,
    /// Learning rate of the quadratic-loss network (the seed's).
    #[arg(long, default_value_t = 3.0)]
    pub eta: f64,
    /// Learning rate of the cross-entropy network (network2's examples: 0.5).
    #[arg(long, default_value_t = 0.5)]
    pub ce_eta: f64,
    /// Network, epochs, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Trains both networks and writes the run directory (see [`family::run`]), plus `network.json`
/// (the seed's network in the seed's layout) and `improvements.png`.
pub fn run(ctx: &Context, common: &CommonArgs, args: &Args) -> anyhow::Result<()> {
    let base = Base::from_args("nielsen", common, &args.net, 15)?;
    anyhow::ensure!(args.batch_size >= 1, "--batch-size must be at least 1");
    super::setting::check_positive_list("--eta", &[args.eta])?;
    super::setting::check_positive_list("--ce-eta", &[args.ce_eta])?;
    let sets = base.load()?;
    let settings = vec![
        Setting::nielsen("quadratic", args.batch_size, args.eta).with_seed(94.21, "94.21% final"),
        Setting::nielsen("cross-entropy", args.batch_size, args.ce_eta)
            .with_loss(Loss::BinaryCrossEntropy),
    ];
    let config = base.config(settings, false, SavedModel::FirstSetting);
    let mut seed_points: Vec<(f64, f64)> = SEED_LOG.iter().map(|&(e, a)| (e as f64, a)).collect();
    // Break the line over the epochs the seed's log elides.
    seed_points.insert(4, (8.5, f64::NAN));
    let extras = Extras {
        series: vec![Series::new("seed network.py (60k-train)", seed_points)],
        seed_log: true,
    };
    let title = format!(
        "nielsen: {:?} sigmoid, B {}, {}",
        config.sizes,
        args.batch_size,
        sets.label()
    );
    let done = family::run(ctx, &sets, &config, &title, extras)?;
    NetworkPy::of(&done.runs[0].model).save(&done.run_dir.file("network.json"))?;
    draw_improvements(&done.run_dir, &done.runs, &sets.label())?;
    print_epochs(&done.runs, &sets.label());
    Ok(())
}

/// Test and validation accuracy of both losses, with the validation-picked epochs marked.
fn draw_improvements(
    run_dir: &crate::run_dir::RunDir,
    runs: &[SettingRun],
    label: &str,
) -> anyhow::Result<()> {
    // The bottom of the plot, where the picked-epoch markers start.
    let bottom = runs
        .iter()
        .flat_map(|r| &r.rows)
        .map(|r| 100.0 * r.test_accuracy.min(r.validation_accuracy))
        .fold(100.0, f64::min);
    let mut series = Vec::new();
    for run in runs {
        let name = &run.setting.name;
        let curve = |f: fn(&EpochRow) -> f64| -> Vec<(f64, f64)> {
            run.rows
                .iter()
                .map(|r| (r.epoch as f64, 100.0 * f(r)))
                .collect()
        };
        series.push(Series::new(
            format!("{name}: test"),
            curve(|r| r.test_accuracy),
        ));
        series.push(Series::new(
            format!("{name}: validation"),
            curve(|r| r.validation_accuracy),
        ));
        // A vertical line up to the test accuracy of the epoch validation picks.
        let picked = run.picked();
        let (x, y) = (picked.epoch as f64, 100.0 * picked.test_accuracy);
        series.push(Series::new(
            format!(
                "{name}: epoch {} picked by validation, test {y:.2}%",
                picked.epoch
            ),
            vec![(x, bottom), (x, y)],
        ));
    }
    plot::draw_line_chart(
        &run_dir.file("improvements.png"),
        &LineChart {
            title: &format!("nielsen: quadratic vs cross-entropy loss ({label})"),
            x_label: "epoch",
            y_label: "accuracy (%)",
            series: &series,
            y_range: None,
            x_log: false,
            mark_best: false,
        },
    )
}

/// Test accuracy per epoch: the seed's log beside ours.
fn print_epochs(runs: &[SettingRun], label: &str) {
    print!("\n{:>5}  {:>16}", "epoch", "seed (60k-train)");
    for run in runs {
        print!("  {:>24}", format!("{} ({label})", run.setting.name));
    }
    println!();
    let epochs = runs.iter().map(|r| r.rows.len()).max().unwrap_or(0);
    for epoch in 1..=epochs {
        let seed = SEED_LOG
            .iter()
            .find(|&&(e, _)| e == epoch)
            .map_or("-".to_string(), |&(_, a)| format!("{a:.2}%"));
        print!("{epoch:>5}  {seed:>16}");
        for run in runs {
            let ours = run.rows.get(epoch - 1).map_or("-".to_string(), |r| {
                format!(
                    "{:.2}% (val {:.2}%)",
                    100.0 * r.test_accuracy,
                    100.0 * r.validation_accuracy
                )
            });
            print!("  {ours:>24}");
        }
        println!();
    }
}
