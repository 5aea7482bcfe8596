//! `esc50-downscaled`: the seed's second attempt, treating the input as an image and resampling
//! it with the `image` crate before the same MLP ([`super::seed_mlp`]):
//!
//! - `waveform-image`: the 2,205 decimated samples zero-padded to 47 × 47 = 2,209 values, read
//!   row by row as an image and resized to 200 × 200 (`--size`; 40,000 inputs), as the seed
//!   did. Enlarging only interpolates between neighbouring samples 100 apart: it adds inputs,
//!   not information.
//! - `logmel-image`: the full log-mel spectrogram (431 frames × 60 bands) resized *down* to
//!   54 frames × 30 bands (`--logmel-frames`, `--logmel-bands`; 1,620 inputs), then
//!   standardised per (resized) band with statistics of the training folds.
//!
//! Resampling uses `--filter` (default `triangle`, i.e. bilinear, which never overshoots).

use super::clips::{Clips, DataArgs, DataSettings};
use super::examples::Examples;
use super::inputs::{self, Filter};
use super::mlp::train_mlp;
use super::seed_mlp::{MlpArgs, MlpSettings};
use super::{report, start_run, LogMelInfo};
use crate::common::Context;
use anyhow::bail;
use data::esc50::LogMelConfig;
use rayon::prelude::*;
use serde::Serialize;

/// Log-mel values (dB) are mapped from this range onto the `image` crate's `[0, 1]` for
/// resampling (the extractor's floor is −100 dB; ESC-50 clips stay below +40 dB).
const DB_RANGE: (f32, f32) = (-100.0, 60.0);

/// What is resampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Input {
    /// The decimated waveform as a square image, enlarged.
    WaveformImage,
    /// The log-mel spectrogram, shrunk.
    LogmelImage,
}

impl Input {
    fn name(self) -> &'static str {
        match self {
            Input::WaveformImage => "waveform-image",
            Input::LogmelImage => "logmel-image",
        }
    }
}

/// Flags of `esc50-downscaled`.
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
        default_value = "waveform-image,logmel-image"
    )]
    pub inputs: Vec<Input>,
    /// Keep every N-th waveform sample before forming the square.
    #[arg(long, default_value_t = 100)]
    pub decimate: usize,
    /// Side the waveform image is resized to (the seed: 200).
    #[arg(long, default_value_t = 200)]
    pub size: usize,
    /// Frames (time) of the shrunk log-mel image.
    #[arg(long, default_value_t = 54)]
    pub logmel_frames: usize,
    /// Bands (frequency) of the shrunk log-mel image.
    #[arg(long, default_value_t = 30)]
    pub logmel_bands: usize,
    /// Resampling filter.
    #[arg(long, value_enum, default_value_t = Filter::Triangle)]
    pub filter: Filter,
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
    /// Side of the waveform square before resizing (`⌈√samples⌉`, set when loaded).
    pub side: Option<usize>,
    /// Side after resizing.
    pub size: usize,
    /// Shrunk log-mel `(frames, bands)`.
    pub logmel_size: (usize, usize),
    /// Resampling filter.
    pub filter: Filter,
    /// dB range mapped onto `[0, 1]` for resampling the log-mel.
    pub db_range: (f32, f32),
    /// Log-mel parameters.
    pub logmel: LogMelInfo,
}

impl Config {
    /// Validates the flags.
    pub fn from_args(ctx: &Context, args: &Args) -> anyhow::Result<Self> {
        if args.decimate == 0 || args.size == 0 || args.logmel_frames == 0 || args.logmel_bands == 0
        {
            bail!("--decimate, --size, --logmel-frames and --logmel-bands must be at least 1");
        }
        let mut inputs = args.inputs.clone();
        inputs.dedup();
        if inputs.is_empty() {
            bail!("--inputs: name at least one input");
        }
        Ok(Self {
            experiment: "esc50-downscaled",
            quick: args.data.quick,
            data: args.data.settings(ctx)?,
            mlp: args.mlp.settings(args.data.quick)?,
            inputs,
            decimate: args.decimate,
            side: None,
            size: args.size,
            logmel_size: (args.logmel_frames, args.logmel_bands),
            filter: args.filter,
            db_range: DB_RANGE,
            logmel: LogMelInfo::from(&LogMelConfig::default()),
        })
    }
}

/// Resamples each input, cross-validates the seed's MLP on it and writes the run directory.
pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<()> {
    let mut config = Config::from_args(ctx, args)?;
    let clips = Clips::open(&config.data)?;
    if config.inputs.contains(&Input::WaveformImage) {
        let samples = 220_500usize.div_ceil(config.decimate);
        config.side = Some(inputs::square_side(samples));
    }
    println!(
        "esc50-downscaled: {}; {}; folds {:?}; backend {}, {} threads",
        clips.describe(),
        config.mlp.describe(clips.classes),
        config.data.folds,
        ctx.backend,
        ctx.threads
    );
    let run_dir = start_run(ctx, config.experiment, &config)?;
    let mut runs = Vec::new();
    let mut extraction = None;
    for &input in &config.inputs {
        let start = std::time::Instant::now();
        let (ex, standardise) = match input {
            Input::WaveformImage => {
                let side = config.side.expect("set above");
                let rows: Vec<Vec<f32>> = clips
                    .waveforms()?
                    .par_iter()
                    .map(|w| {
                        let d = inputs::decimate(w, config.decimate);
                        inputs::waveform_image(&d, side, config.size, config.filter)
                    })
                    .collect();
                let ex = Examples::new(
                    config.size,
                    config.size,
                    rows,
                    clips.labels.clone(),
                    clips.folds(),
                    clips.classes,
                )?;
                (ex, false)
            }
            Input::LogmelImage => {
                let (mels, stats) = clips.log_mels(&config.data, LogMelConfig::default())?;
                println!("{}", stats.describe());
                extraction = Some(stats);
                let (frames, bands) = config.logmel_size;
                let rows: Vec<Vec<f32>> = mels
                    .par_iter()
                    .map(|m| {
                        let (h, w) = (m.frames, m.bands);
                        inputs::resize(&m.data, (h, w), (frames, bands), DB_RANGE, config.filter)
                    })
                    .collect();
                let ex = Examples::new(
                    frames,
                    bands,
                    rows,
                    clips.labels.clone(),
                    clips.folds(),
                    clips.classes,
                )?;
                (ex, true)
            }
        };
        println!(
            "{}: resampled {} clips in {:.2} s",
            input.name(),
            ex.len(),
            start.elapsed().as_secs_f64()
        );
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
        "esc50-downscaled (seed's MLP on resampled images)",
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
