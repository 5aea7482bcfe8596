//! `blog-mnist-run`: one training job of [`blog-mnist`](super::mnist), alone, for sweeps
//! (`experiments/blog-mnist-lr.toml`, `experiments/blog-mnist-init.toml`).
//!
//! The job is the blog's 784-300-10 network from initialisation `--init-index` of `--init`
//! (weights and epoch shuffles from seed `--seed + init-index`, exactly as initialisation `i` of
//! `blog-mnist`), trained at `--lr` with batches of `--batch-size` on the 11/12 split of the
//! training file, the held-out twelfth scored after every epoch. Its `metrics.csv` rows are the
//! rows `blog-mnist` writes for the same job (same seed and backend), except that the test set
//! is scored after every epoch, not only after the last (scoring does not change training).
//! `--full-train` trains on the whole training file instead (blog-mnist's final model) and
//! scores no held-out slice.

use super::mnist::{self, load_sets, run_job, Config, Job, Reduction};
use super::InitArg;
use crate::common::{CommonArgs, Context};
use crate::plot::{self, LineChart, Series};
use crate::run_dir::RunDir;
use indicatif::{ProgressBar, ProgressStyle};
use nn::Loss;

/// Flags of `blog-mnist-run`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Learning rate (in the convention of --reduction).
    #[arg(long, default_value_t = 0.01)]
    pub lr: f32,
    /// Samples per update.
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Epochs [default: 5; with --quick: 1].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Weight initialiser (biases start at zero).
    #[arg(long, value_enum, default_value_t = InitArg::FanIn)]
    pub init: InitArg,
    /// Which random initialisation: weights and shuffles come from seed `--seed + N`.
    #[arg(long, default_value_t = 0)]
    pub init_index: usize,
    /// What the rate multiplies: the gradient of the batch's summed loss (`sum`, the blog's)
    /// or of its mean loss (`mean`).
    #[arg(long, value_enum, default_value_t = Reduction::Sum)]
    pub reduction: Reduction,
    /// Train on the whole training file, holding nothing out (blog-mnist's final model).
    #[arg(long)]
    pub full_train: bool,
    /// Train on the first N training images only [with --quick: 1200].
    #[arg(long)]
    pub limit_train: Option<usize>,
    /// A smoke run: 1,200 training images, 1 epoch.
    #[arg(long)]
    pub quick: bool,
}

/// The job's configuration: `blog-mnist`'s with this job's rate, batch size and initialiser.
pub fn config(common: &CommonArgs, args: &Args) -> anyhow::Result<Config> {
    let shared = mnist::Args {
        lr: args.lr,
        batch_size: args.batch_size,
        epochs: args.epochs,
        inits: args.init_index + 1,
        rates: vec![args.lr],
        final_lr: args.lr,
        final_batch_size: args.batch_size,
        ma_window: 15,
        init: args.init,
        reduction: args.reduction,
        limit_train: args.limit_train,
        quick: args.quick,
    };
    let mut config = Config::from_args(common, &shared)?;
    config.experiment = "blog-mnist-run";
    Ok(config)
}

/// Trains the job; writes `config.json`, `metrics.csv` (one row per epoch), `model.json` and
/// `loss.png` (train and held-out loss per epoch). Returns the final test accuracy.
pub fn run(ctx: &Context, config: &Config, args: &Args) -> anyhow::Result<f64> {
    let sets = load_sets(config)?;
    let job = Job {
        name: if args.full_train {
            format!("b{} lr {} full train", config.batch_size, config.lr)
        } else {
            format!(
                "b{} lr {} init {}",
                config.batch_size, config.lr, args.init_index
            )
        },
        lr: config.lr,
        batch_size: config.batch_size,
        init: args.init_index,
        split: !args.full_train,
        test_every_epoch: true,
    };
    let run_dir = RunDir::create(&ctx.out, config.experiment)?;
    run_dir.write_json(
        "config.json",
        &serde_json::json!({
            "config": config, "context": ctx, "init_index": args.init_index,
            "full_train": args.full_train,
            "train_samples": if args.full_train { sets.full.len() } else { sets.fit.len() },
            "validation_samples": if args.full_train { 0 } else { sets.validation.len() },
            "test_samples": sets.test.len(),
        }),
    )?;
    println!(
        "blog-mnist-run: {}, rate {} on the batch's {} loss, {} epochs, backend {}, {} threads",
        job.name,
        config.lr,
        config.reduction.name(),
        config.epochs,
        ctx.backend,
        ctx.threads
    );
    println!("run directory: {}", run_dir.path().display());
    let bar = ProgressBar::new(config.epochs as u64);
    bar.set_style(
        ProgressStyle::with_template("[{bar:30}] {pos}/{len} epochs  {elapsed}<{eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let done = run_job(ctx, config, &sets, &job, &bar)?;
    bar.finish_and_clear();
    run_dir.write_csv("metrics.csv", &done.epochs)?;
    nn::persist::save_json(
        &run_dir.file("model.json"),
        &done.model,
        Some(Loss::SoftmaxCrossEntropy),
        &serde_json::to_value(config)?,
        &serde_json::json!({ "test_accuracy": done.test.accuracy(), "confusion": done.confusion }),
    )?;
    let per_epoch = |f: &dyn Fn(&mnist::EpochRow) -> Option<f64>| -> Vec<(f64, f64)> {
        done.epochs
            .iter()
            .filter_map(|r| f(r).map(|y| (r.epoch as f64, y)))
            .collect()
    };
    let mut series = vec![Series::new("train", per_epoch(&|r| Some(r.train_loss)))];
    if !args.full_train {
        series.push(Series::new("held out", per_epoch(&|r| r.validation_loss)));
    }
    plot::draw_line_chart(
        &run_dir.file("loss.png"),
        &LineChart {
            title: &format!("blog-mnist-run: {}", job.name),
            x_label: "epoch",
            y_label: "mean cross-entropy loss",
            series: &series,
            y_range: None,
            x_log: false,
            mark_best: false,
        },
    )?;
    println!(
        "{:>6} {:>11} {:>14} {:>14}",
        "epoch", "train loss", "held-out acc", "test acc"
    );
    for r in &done.epochs {
        let pct = |x: Option<f64>| x.map_or("-".to_string(), |a| format!("{:.2}%", 100.0 * a));
        println!(
            "{:>6} {:>11.4} {:>14} {:>14}",
            r.epoch,
            r.train_loss,
            pct(r.validation_accuracy),
            pct(r.test_accuracy)
        );
    }
    Ok(done.test.accuracy())
}
