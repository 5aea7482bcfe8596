//! Which clips an ESC-50 run uses (`--esc10`, `--folds`, `--clips-per-fold`) and their inputs:
//! waveforms read with `data::esc50::read_wav`, log-mel features computed (in parallel, through
//! the on-disk [`FeatureCache`]) with `data::esc50::LogMel`.

use crate::common::Context;
use anyhow::{bail, Context as _};
use data::esc50::{
    CacheStatus, Clip, Esc50, FeatureCache, FeatureMatrix, LogMel, LogMelConfig, Selection,
    WavConfig, ESC50_FOLDS,
};
use rayon::prelude::*;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// The default feature cache, relative to the working directory (ignored by git).
pub const DEFAULT_CACHE_DIR: &str = "datasets/esc50-cache";

/// Flags choosing the data, shared by every ESC-50 subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Use only the ESC-10 subset (10 classes, 400 clips; labels 0..10, 10 network outputs).
    #[arg(long)]
    pub esc10: bool,
    /// Folds taking part in the cross-validation (each is the test fold once) [default: 1-5;
    /// with --quick: 1,2].
    #[arg(long, value_delimiter = ',')]
    pub folds: Option<Vec<u8>>,
    /// Keep only N clips of each fold, taking the classes in turn [with --quick: 20].
    #[arg(long)]
    pub clips_per_fold: Option<usize>,
    /// Skip clips whose audio file is absent instead of failing (implied by --esc10, whose
    /// absent files are always skipped, and by --quick).
    #[arg(long)]
    pub allow_missing: bool,
    /// Folder of the log-mel feature cache.
    #[arg(long, default_value = DEFAULT_CACHE_DIR)]
    pub cache_dir: PathBuf,
    /// Compute every feature afresh (no cache read or written), e.g. to measure throughput.
    #[arg(long)]
    pub no_cache: bool,
    /// A smoke run: folds 1 and 2, 20 clips each, 2 epochs.
    #[arg(long)]
    pub quick: bool,
}

/// The validated data choice (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct DataSettings {
    /// The ESC-50 root (`audio/`, `meta/esc50.csv`).
    pub root: PathBuf,
    /// ESC-10 subset only.
    pub esc10: bool,
    /// Cross-validation folds, ascending.
    pub folds: Vec<u8>,
    /// Clips kept per fold, if limited.
    pub clips_per_fold: Option<usize>,
    /// Absent audio files are skipped.
    pub allow_missing: bool,
    /// Feature cache folder, `None` with `--no-cache`.
    pub cache_dir: Option<PathBuf>,
    /// `--quick` was given.
    pub quick: bool,
}

impl DataArgs {
    /// Validates the flags.
    pub fn settings(&self, ctx: &Context) -> anyhow::Result<DataSettings> {
        let mut folds = self.folds.clone().unwrap_or_else(|| {
            if self.quick {
                vec![1, 2]
            } else {
                (1..=ESC50_FOLDS).collect()
            }
        });
        folds.sort_unstable();
        folds.dedup();
        if let Some(f) = folds.iter().find(|f| !(1..=ESC50_FOLDS).contains(f)) {
            bail!("--folds: {f} is not an ESC-50 fold (1..=5)");
        }
        if folds.len() < 2 {
            bail!("--folds: cross-validation needs at least two folds, got {folds:?}");
        }
        let clips_per_fold = self.clips_per_fold.or(self.quick.then_some(20));
        if clips_per_fold == Some(0) {
            bail!("--clips-per-fold must be at least 1");
        }
        Ok(DataSettings {
            root: ctx.dataset_dir("esc50"),
            esc10: self.esc10,
            folds,
            clips_per_fold,
            allow_missing: self.allow_missing || self.quick,
            cache_dir: (!self.no_cache).then(|| self.cache_dir.clone()),
            quick: self.quick,
        })
    }
}

/// The selected clips with their labels.
#[derive(Debug, Clone)]
pub struct Clips {
    /// The opened dataset (root, clip list, absent files).
    pub set: Esc50,
    /// Class label of each clip (0..10 with `--esc10`, else the ESC-50 target).
    pub labels: Vec<usize>,
    /// Network outputs: 10 with `--esc10`, else 50.
    pub classes: usize,
}

impl Clips {
    /// Opens the dataset and keeps the selected clips.
    ///
    /// # Errors
    /// Bad metadata (naming the file), absent audio without `--allow-missing`, or a fold left
    /// with no clip.
    pub fn open(settings: &DataSettings) -> anyhow::Result<Self> {
        let selection = Selection {
            folds: settings.folds.clone(),
            esc10_only: settings.esc10,
            allow_missing: settings.allow_missing,
        };
        let mut set = Esc50::open(&settings.root, &selection).map_err(|e| match e {
            data::Esc50Error::MissingAudio { .. } => anyhow::anyhow!(
                "{e} (only part of ESC-50 present? --esc10 uses the ESC-10 subset, \
                 --allow-missing skips absent clips)"
            ),
            e => anyhow::Error::from(e),
        })?;
        if let Some(n) = settings.clips_per_fold {
            set.clips = balanced(std::mem::take(&mut set.clips), n);
        }
        for &fold in &settings.folds {
            if set.fold(fold).next().is_none() {
                bail!(
                    "{}: no clip of fold {fold} is selected and present",
                    settings.root.display()
                );
            }
        }
        let labels = set
            .clips
            .iter()
            .map(|c| usize::from(set.label(c)))
            .collect();
        let classes = set.num_classes();
        Ok(Self {
            set,
            labels,
            classes,
        })
    }

    /// Number of clips.
    pub fn len(&self) -> usize {
        self.set.clips.len()
    }

    /// The fold of every clip.
    pub fn folds(&self) -> Vec<u8> {
        self.set.clips.iter().map(|c| c.fold).collect()
    }

    /// A one-line description for the console.
    pub fn describe(&self) -> String {
        let missing = if self.set.missing.is_empty() {
            String::new()
        } else {
            format!(
                " ({} selected clips absent, skipped)",
                self.set.missing.len()
            )
        };
        format!(
            "{} clips, {} classes, from {}{missing}",
            self.len(),
            self.classes,
            self.set.root.display()
        )
    }

    /// Reads every clip's waveform (5 s, mono, `int16 / 32768`), in parallel.
    pub fn waveforms(&self) -> anyhow::Result<Vec<Vec<f32>>> {
        let config = WavConfig::default();
        self.set
            .clips
            .par_iter()
            .map(|c| Ok(data::esc50::read_wav(&self.set.audio_path(c), &config)?))
            .collect()
    }

    /// Every clip's log-mel features (frames × bands) and how they were obtained.
    pub fn log_mels(
        &self,
        settings: &DataSettings,
        config: LogMelConfig,
    ) -> anyhow::Result<(Vec<FeatureMatrix>, Extraction)> {
        let cache = settings
            .cache_dir
            .as_ref()
            .map(FeatureCache::new)
            .transpose()
            .context("opening the feature cache")?;
        LogMel::new(config)?;
        let start = Instant::now();
        let wav = WavConfig::default();
        let one = |lm: &mut LogMel, clip: &Clip| -> anyhow::Result<(FeatureMatrix, bool)> {
            let path = self.set.audio_path(clip);
            Ok(match &cache {
                Some(cache) => {
                    let (m, status) = cache.get_or_compute(&path, &wav, lm)?;
                    (m, status == CacheStatus::Hit)
                }
                None => (
                    lm.compute_matrix(&data::esc50::read_wav(&path, &wav)?),
                    false,
                ),
            })
        };
        let results: Vec<(FeatureMatrix, bool)> = self
            .set
            .clips
            .par_iter()
            .map_init(
                || LogMel::new(config).expect("validated above"),
                |lm, clip| one(lm, clip),
            )
            .collect::<anyhow::Result<_>>()?;
        let seconds = start.elapsed().as_secs_f64();
        let cached = results.iter().filter(|r| r.1).count();
        let stats = Extraction {
            clips: results.len(),
            cached,
            computed: results.len() - cached,
            seconds,
            clips_per_second: results.len() as f64 / seconds.max(1e-9),
            threads: rayon::current_num_threads(),
            cache_dir: settings.cache_dir.clone(),
        };
        Ok((results.into_iter().map(|r| r.0).collect(), stats))
    }
}

/// The first `n` clips of each fold, taking classes in turn (the first clip of every class,
/// then the second, ...), so a small slice still holds every class; metadata order otherwise.
fn balanced(clips: Vec<Clip>, n: usize) -> Vec<Clip> {
    use std::collections::HashMap;
    let mut seen: HashMap<(u8, u8), usize> = HashMap::new();
    let mut keyed: Vec<(u8, usize, usize, Clip)> = clips
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let rank = seen.entry((c.fold, c.target)).or_default();
            *rank += 1;
            (c.fold, *rank, i, c)
        })
        .collect();
    keyed.sort_by_key(|k| (k.0, k.1, k.2));
    let mut taken: HashMap<u8, usize> = HashMap::new();
    let mut kept: Vec<(usize, Clip)> = keyed
        .into_iter()
        .filter(|k| {
            let t = taken.entry(k.0).or_default();
            *t += 1;
            *t <= n
        })
        .map(|k| (k.2, k.3))
        .collect();
    kept.sort_by_key(|k| k.0);
    kept.into_iter().map(|k| k.1).collect()
}

/// How the log-mel features of a run were obtained (in `summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Extraction {
    /// Clips processed.
    pub clips: usize,
    /// Read from the cache.
    pub cached: usize,
    /// Computed (WAV read + STFT + mel), and written to the cache when there is one.
    pub computed: usize,
    /// Wall-clock seconds for all of them.
    pub seconds: f64,
    /// `clips / seconds`: the extraction throughput when `computed == clips`.
    pub clips_per_second: f64,
    /// Threads of the pool that did the work.
    pub threads: usize,
    /// The cache folder, if any.
    pub cache_dir: Option<PathBuf>,
}

impl Extraction {
    /// A one-line description for the console.
    pub fn describe(&self) -> String {
        format!(
            "log-mel features: {} clips ({} computed, {} from the cache) in {:.2} s = {:.1} \
             clips/s on {} threads",
            self.clips,
            self.computed,
            self.cached,
            self.seconds,
            self.clips_per_second,
            self.threads
        )
    }
}
