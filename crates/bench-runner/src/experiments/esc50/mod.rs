//! The ESC-50 experiments: environmental sound classification, evaluated by the dataset's
//! 5-fold cross-validation (train on four folds, test on the fifth, mean ± std over the folds).
//!
//! | subcommand | module | what |
//! |---|---|---|
//! | `esc50-spectrogram` | [`spectrogram`] | log-mel spectrogram PNGs of one clip per class |
//! | `esc50-mlp` | [`mlp`] | the seed's MLP ([`seed_mlp`]) on every 100th waveform sample, and on the log-mel spectrogram |
//! | `esc50-downscaled` | [`downscaled`] | the seed's second attempt: the input treated as an image and resampled before the MLP |
//! | `esc50-cnn` | [`cnn`] | a CNN on log-mel spectrograms in the spirit of Piczak's 2015 baseline |
//!
//! Data: `--data-dir` (or `$MYNET_DATA_DIR/esc50`, else `datasets/esc50`) in the official
//! layout. `--esc10` keeps the ESC-10 subset (10 classes, 400 clips), whose absent files are
//! skipped, so it also runs where only those clips exist; otherwise every selected clip must be
//! present (or `--allow-missing`). Log-mel features (`data::esc50::LogMel`: n_fft 1024, hop
//! 512, 60 mel bands, 431 frames for 5 s) are computed in parallel and cached on disk
//! (`--cache-dir`, default `datasets/esc50-cache`; `--no-cache` recomputes, which is how the
//! extraction throughput is measured). Standardisation statistics are fitted on the training
//! folds of each split only.
//!
//! Every training subcommand writes `<out>/<subcommand>-<timestamp>/` with `config.json`,
//! `metrics.csv` (setting, fold, epoch, rate, losses, test accuracy, seconds), `folds.csv`,
//! `summary.csv`, `summary.json` (with the feature-extraction throughput and the published
//! reference points), `model.json` (the first setting's network for test fold 1, when under
//! 2M parameters), `accuracy_vs_epoch.png`, `accuracy_vs_seconds.png` and
//! `fold_accuracy.png`. Results are in `RESULTS.md` next to this file.

pub mod clips;
pub mod cnn;
pub mod cv;
pub mod downscaled;
pub mod examples;
pub mod inputs;
pub mod mlp;
pub mod optim;
pub mod report;
pub mod seed_mlp;
pub mod spectrogram;

use crate::common::{CommonArgs, Context};
use crate::cpu_time::process_cpu_seconds;
use crate::run_dir::RunDir;
use data::esc50::LogMelConfig;
use examples::Examples;
use serde::Serialize;

/// The ESC-50 subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// ESC-50: log-mel spectrogram PNGs (image crate) of one clip per class, plus an overview.
    #[command(name = "esc50-spectrogram")]
    Spectrogram {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: spectrogram::Args,
    },
    /// ESC-50: the seed's sigmoid MLP ([in, 1024, 512, out], batch 64, lr 100; --arch code for
    /// [in, 256, 128, out], batch 256) on every 100th waveform sample and on the log-mel
    /// spectrogram, 5-fold cross-validation.
    #[command(name = "esc50-mlp")]
    Mlp {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: mlp::Args,
    },
    /// ESC-50: the seed's second attempt, the input as an image resampled with the image crate
    /// (waveform 47×47 → 200×200, log-mel 431×60 → 54×30) before the same MLP.
    #[command(name = "esc50-downscaled")]
    Downscaled {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: downscaled::Args,
    },
    /// ESC-50: a Piczak-style CNN (two conv + max-pool stages, dense layer with dropout) on
    /// time-pooled log-mel spectrograms with random time shifts, Adam, 5-fold cross-validation.
    #[command(name = "esc50-cnn")]
    Cnn {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: cnn::Args,
    },
}

/// Runs an ESC-50 subcommand.
pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Spectrogram { common, args } => spectrogram::run(&Context::new(&common)?, &args),
        Command::Mlp { common, args } => mlp::run(&Context::new(&common)?, &args),
        Command::Downscaled { common, args } => downscaled::run(&Context::new(&common)?, &args),
        Command::Cnn { common, args } => cnn::run(&Context::new(&common)?, &args),
    }
}

/// The log-mel parameters a run used (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct LogMelInfo {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// FFT size.
    pub n_fft: usize,
    /// Hop in samples.
    pub hop: usize,
    /// Mel bands.
    pub n_mels: usize,
}

impl From<&LogMelConfig> for LogMelInfo {
    fn from(c: &LogMelConfig) -> Self {
        Self {
            sample_rate: c.sample_rate,
            n_fft: c.n_fft,
            hop: c.hop,
            n_mels: c.n_mels,
        }
    }
}

/// Creates the run directory and writes `config.json` (the configuration and the context).
fn start_run<T: Serialize>(ctx: &Context, name: &str, config: &T) -> anyhow::Result<RunDir> {
    let run_dir = RunDir::create(&ctx.out, name)?;
    run_dir.write_json(
        "config.json",
        &serde_json::json!({ "config": config, "context": ctx }),
    )?;
    println!("run directory: {}", run_dir.path().display());
    Ok(run_dir)
}

/// The clips' log-mel spectrograms, each pooled over runs of `time_pool` frames, as examples
/// (`frames × 60` per clip), and how the features were obtained.
fn logmel_examples(
    clips: &clips::Clips,
    settings: &clips::DataSettings,
    time_pool: usize,
) -> anyhow::Result<(Examples, clips::Extraction)> {
    let (mels, extraction) = clips.log_mels(settings, LogMelConfig::default())?;
    println!("{}", extraction.describe());
    let (frames, bands) = (mels[0].frames, mels[0].bands);
    let pooled = frames / time_pool.max(1);
    let ex = Examples::new(
        pooled,
        bands,
        mels.iter()
            .map(|m| inputs::pool_time(&m.data, m.frames, m.bands, time_pool).1),
        clips.labels.clone(),
        clips.folds(),
        clips.classes,
    )?;
    Ok((ex, extraction))
}
