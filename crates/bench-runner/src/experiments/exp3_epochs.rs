//! "Make your own neural network", experiment 3: training multiple rounds.
//!
//! Seed settings (see [`super::rashid`]): 784-100-10 sigmoid, no biases, squared error,
//! learning rate 0.1, one sample per update in file order, 20 epochs, test accuracy after each
//! epoch. The seed reports 94.9% after one epoch, 96.7% at epoch 5 and 96.1% at epoch 20 with
//! all 60,000 training images.

use super::rashid::{self, Bars, EpochRow, NetArgs, RunControl, Sets, Settings};
use crate::common::{CommonArgs, Context};
use crate::control::{ControlArgs, Ending};
use crate::plot::{self, LineChart, Series};
use crate::run_dir::RunDir;
use anyhow::Context as _;
use serde::Serialize;

/// The seed's published accuracies: (epoch, percent), on the full 60k training set.
pub const SEED_ACCURACY: &[(usize, f64)] = &[(1, 94.9), (5, 96.7), (20, 96.1)];

/// Epochs of `--quick` unless `--epochs` is given.
pub const QUICK_EPOCHS: usize = 2;

/// Flags of `exp3-epochs`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training epochs [default: 20; with --quick: 2].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Learning rate.
    #[arg(long, default_value_t = 0.1)]
    pub lr: f32,
    /// Network, update rule, data slice.
    #[command(flatten)]
    pub net: NetArgs,
    /// Checkpoints, resuming, divergence.
    #[command(flatten)]
    pub control: ControlArgs,
}

/// Every setting of a run, as written to `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// Epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// Network, data and update settings.
    #[serde(flatten)]
    pub settings: Settings,
}

impl Config {
    /// Validates flags into a configuration.
    pub fn from_args(common: &CommonArgs, args: &Args) -> anyhow::Result<Self> {
        let default_epochs = if args.net.quick { QUICK_EPOCHS } else { 20 };
        Ok(Self {
            experiment: "exp3-epochs",
            epochs: rashid::check_epochs(args.epochs.unwrap_or(default_epochs))?,
            lr: rashid::check_lr(args.lr)?,
            settings: Settings::from_args(common, &args.net)?,
        })
    }
}

/// Trains and evaluates; writes `config.json`, `metrics.csv`, `model.json`, `accuracy.png`.
pub fn run(ctx: &Context, config: &Config, control: &ControlArgs) -> anyhow::Result<Ending> {
    let settings = &config.settings;
    let sets = Sets::load(settings)?;
    let (run_dir, resume) = match &control.resume {
        Some(dir) => {
            let run_dir = RunDir::open(dir)?;
            check_resumable(&run_dir, ctx, config)?;
            let ckpt = nn::checkpoint::load(&run_dir.file(CHECKPOINT))?;
            println!(
                "resuming {} after {} completed epochs",
                dir.display(),
                ckpt.completed_epochs
            );
            (run_dir, Some(ckpt))
        }
        None => {
            let run_dir = RunDir::create(&ctx.out, config.experiment)?;
            sets.write_config(&run_dir, ctx, config)?;
            (run_dir, None)
        }
    };
    let checkpoint = (control.checkpoint_every.is_some() || control.resume.is_some()).then(|| {
        (
            run_dir.file(CHECKPOINT),
            control.checkpoint_every.unwrap_or(usize::MAX),
        )
    });
    if control.checkpoint_every == Some(0) {
        anyhow::bail!("--checkpoint-every must be at least 1");
    }
    println!(
        "exp3-epochs: {:?} sigmoid, {:?} backprop, lr {}, batch {}, {} train / {} test images, backend {}, {} threads",
        settings.sizes,
        settings.backprop,
        config.lr,
        settings.batch_size,
        sets.train.len(),
        sets.test.len(),
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());

    let trained = rashid::train_run(
        ctx,
        settings,
        &sets,
        config.epochs,
        config.lr,
        Bars::PerEpoch,
        RunControl {
            checkpoint,
            resume,
            on_divergence: Some(control.on_divergence),
        },
        |rows, _| {
            let r = rows.last().context("no epochs ran")?;
            println!(
                "Epoch {}: {} / {} ({:.2}%)  train loss {:.4}  {:.2}s",
                r.epoch,
                r.test_correct,
                sets.test.len(),
                100.0 * r.test_accuracy,
                r.train_loss,
                r.seconds
            );
            run_dir.write_csv("metrics.csv", rows)
        },
    )?;
    let rows = trained.rows;
    if let Ending::Interrupted { .. } = trained.ending {
        println!("{}", trained.ending.describe());
        return Ok(trained.ending);
    }
    let Some(last) = rows.last() else {
        println!("{}", trained.ending.describe());
        return Ok(trained.ending);
    };
    let metrics = serde_json::json!({ "test_accuracy": last.test_accuracy, "epochs": rows.len(), "ending": trained.ending });
    rashid::save_model(&run_dir, &trained.model, settings, config, &metrics)?;
    let ours = Series::new(
        format!("ours ({} train images)", sets.train.len()),
        rows.iter()
            .map(|r| (r.epoch as f64, 100.0 * r.test_accuracy))
            .collect(),
    );
    let seed = Series::new(
        "seed (60k train images)",
        SEED_ACCURACY.iter().map(|&(e, a)| (e as f64, a)).collect(),
    );
    plot::draw_line_chart(
        &run_dir.file("accuracy.png"),
        &LineChart {
            title: &format!(
                "exp3-epochs: 784-{}-10 sigmoid, lr {}, batch {}",
                settings.sizes[1], config.lr, settings.batch_size
            ),
            x_label: "epoch",
            y_label: "test accuracy (%)",
            series: &[ours, seed],
            y_range: None,
            x_log: false,
            mark_best: true,
        },
    )?;
    print_summary(&rows, sets.train.len());
    if trained.ending != Ending::Completed {
        println!("{}", trained.ending.describe());
    }
    Ok(trained.ending)
}

/// The checkpoint file inside a run directory.
pub const CHECKPOINT: &str = "checkpoint.json";

/// A run can be resumed only with the settings it started with (the epoch count may grow):
/// same configuration, seed, backend and thread count, or the result would not be the same run.
fn check_resumable(run_dir: &RunDir, ctx: &Context, config: &Config) -> anyhow::Result<()> {
    let path = run_dir.file("config.json");
    let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let saved: serde_json::Value =
        serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut want = serde_json::to_value(config)?;
    let mut have = saved["config"].clone();
    for v in [&mut want, &mut have] {
        if let Some(o) = v.as_object_mut() {
            o.remove("epochs");
        }
    }
    if want != have {
        anyhow::bail!(
            "{}: the flags differ from the run being resumed (saved: {have}; now: {want})",
            path.display()
        );
    }
    let now = serde_json::to_value(ctx)?;
    for key in ["seed", "backend", "threads"] {
        if saved["context"][key] != now[key] {
            anyhow::bail!(
                "{}: --{key} was {} in the run being resumed, now {}",
                path.display(),
                saved["context"][key],
                now[key]
            );
        }
    }
    Ok(())
}

fn print_summary(rows: &[EpochRow], train_samples: usize) {
    println!("\nepoch  seed (60k train)  ours ({train_samples} train)");
    for &(epoch, seed) in SEED_ACCURACY {
        let ours = rows
            .iter()
            .find(|r| r.epoch == epoch)
            .map_or("-".to_string(), |r| rashid::percent(r.test_accuracy));
        println!("{epoch:>5}  {seed:>15.1}%  {ours:>10}");
    }
    if let Some(best) = rows
        .iter()
        .max_by(|a, b| a.test_accuracy.total_cmp(&b.test_accuracy))
    {
        println!(
            "best: {:.2}% at epoch {}",
            100.0 * best.test_accuracy,
            best.epoch
        );
    }
}
