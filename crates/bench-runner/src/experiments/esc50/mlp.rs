//! `esc50-mlp`: the seed's MLP ([`super::seed_mlp`]) on two inputs, each cross-validated:
//!
//! - `waveform`: every 100th sample of the 16-bit waveform (`--decimate`), 2,205 inputs for
//!   5 s at 44.1 kHz, scaled to `[-1, 1)` (`int16 / 32768`), as the seed fed it;
//! - `logmel`: the log-mel spectrogram (60 bands), averaged over runs of 4 frames in time
//!   (`--time-pool`, 431 → 107 frames, 6,420 inputs, as the CNN sees it), each band
//!   standardised with statistics of the training folds.
//!
//! The seed plotted accuracy against time; we record test accuracy after every epoch, against
//! epochs and training seconds.

use super::clips::{Clips, DataArgs, DataSettings};
use super::cv::{self, SettingRun};
use super::examples::{Examples, FoldSet, Layout};
use super::seed_mlp::{MlpArgs, MlpSettings};
use super::{inputs, logmel_examples, report, start_run, LogMelInfo};
use crate::common::Context;
use anyhow::bail;
use data::esc50::LogMelConfig;
use serde::Serialize;

/// What the MLP is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// Every `--decimate`-th waveform sample.
    Waveform,
    /// The time-pooled, standardised log-mel spectrogram.
    Logmel,
}

impl Input {
    fn name(self) -> &'static str {
        match self {
            Input::Waveform => "waveform",
            Input::Logmel => "logmel",
        }
    }
}

/// Flags of `esc50-mlp`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Clips, folds, cache.
    #[command(flatten)]
    pub data: DataArgs,
    /// The seed's network and rate.
    #[command(flatten)]
    pub mlp: MlpArgs,
    /// Inputs to cross-validate, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "waveform,logmel"
    )]
    pub inputs: Vec<Input>,
    /// Keep every N-th waveform sample.
    #[arg(long, default_value_t = 100)]
    pub decimate: usize,
    /// Average the log-mel over runs of N frames in time.
    #[arg(long, default_value_t = 4)]
    pub time_pool: usize,
}

/// Every setting of a run (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// `--quick` was given.
    pub quick: bool,
    /// The data.
    pub data: DataSettings,
    /// The network and its training.
    pub mlp: MlpSettings,
    /// The inputs, in order.
    pub inputs: Vec<Input>,
    /// Waveform decimation step.
    pub decimate: usize,
    /// Log-mel time pooling.
    pub time_pool: usize,
    /// Log-mel parameters.
    pub logmel: LogMelInfo,
}

impl Config {
    /// Validates the flags.
    pub fn from_args(ctx: &Context, args: &Args) -> anyhow::Result<Self> {
        if args.decimate == 0 || args.time_pool == 0 {
            bail!("--decimate and --time-pool must be at least 1");
        }
        let mut inputs = args.inputs.clone();
        inputs.dedup();
        if inputs.is_empty() {
            bail!("--inputs: name at least one input");
        }
        Ok(Self {
            experiment: "esc50-mlp",
            quick: args.data.quick,
            data: args.data.settings(ctx)?,
            mlp: args.mlp.settings(args.data.quick)?,
            inputs,
            decimate: args.decimate,
            time_pool: args.time_pool,
            logmel: LogMelInfo::from(&LogMelConfig::default()),
        })
    }
}

/// Cross-validates the seed's MLP on each input and writes the run directory.
pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<()> {
    let config = Config::from_args(ctx, args)?;
    let clips = Clips::open(&config.data)?;
    println!(
        "esc50-mlp: {}; {}; folds {:?}; backend {}, {} threads",
        clips.describe(),
        config.mlp.describe(clips.classes),
        config.data.folds,
        ctx.backend,
        ctx.threads
    );
    let run_dir = start_run(ctx, config.experiment, &config)?;
    let mut runs: Vec<SettingRun> = Vec::new();
    let mut extraction = None;
    for &input in &config.inputs {
        let (ex, standardise) = match input {
            Input::Waveform => {
                let waves = clips.waveforms()?;
                let rows: Vec<Vec<f32>> = waves
                    .iter()
                    .map(|w| inputs::decimate(w, config.decimate))
                    .collect();
                let n = rows[0].len();
                let ex = Examples::new(
                    n,
                    1,
                    rows,
                    clips.labels.clone(),
                    clips.folds(),
                    clips.classes,
                )?;
                (ex, false)
            }
            Input::Logmel => {
                let (ex, stats) = logmel_examples(&clips, &config.data, config.time_pool)?;
                extraction = Some(stats);
                (ex, true)
            }
        };
        runs.push(train_mlp(
            ctx,
            &config.mlp,
            input.name(),
            &ex,
            standardise,
            &config.data,
        )?);
    }
    report::write(
        &run_dir,
        "esc50-mlp (seed's MLP)",
        &runs,
        config.data.esc10,
        serde_json::json!({
            "extraction": extraction,
            "cpu_seconds": super::process_cpu_seconds(),
        }),
    )?;
    report::print_summary(&runs, config.data.esc10);
    Ok(())
}

/// Cross-validates the seed's MLP on `ex` (flat inputs, standardised per band when asked).
pub fn train_mlp(
    ctx: &Context,
    mlp: &MlpSettings,
    name: &str,
    ex: &Examples,
    standardise: bool,
    data: &DataSettings,
) -> anyhow::Result<SettingRun> {
    println!("{name}: {} inputs per clip", ex.dim());
    cv::cross_validate(
        ctx,
        name,
        &data.folds,
        &mlp.plan(),
        mlp.train_config(ctx),
        |fold| {
            let (train, test) = ex.split(fold, &data.folds);
            let stats = standardise.then(|| ex.band_stats(&train));
            Ok((
                FoldSet::new(ex, train, stats.clone(), Layout::Flat),
                FoldSet::new(ex, test, stats, Layout::Flat),
            ))
        },
        |rng| mlp.model(ex.dim(), ex.classes, rng),
    )
}
