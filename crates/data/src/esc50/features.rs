//! Log-mel features: STFT power → mel filterbank → decibels.
//!
//! For frame `t` and band `m`:
//! `out[t·n_mels + m] = 10·log10(max(Σ_k mel[m][k]·|X_t[k]|², floor))`, optionally clipped
//! below at `max(out) − top_db` (librosa's `power_to_db(S, ref=1.0, amin=floor, top_db)`
//! applied to `melspectrogram(power=2.0)`).
//!
//! # Shapes
//! Input: mono samples at [`LogMelConfig::sample_rate`]. Output: row-major
//! `frames × n_mels` (one contiguous row of bands per frame, time-major), with
//! `frames = LogMel::num_frames(len)`; for a 5 s ESC-50 clip at the defaults, 431 × 60.

use super::cache::Fnv64;
use super::error::{Esc50Error, Result};
use super::mel::{MelFilterbank, MelNorm, MelScale};
use super::stft::{Padding, Stft};

/// Parameters of [`LogMel`]. The defaults follow Piczak's ESC-50 baseline (1024-sample
/// frames, hop 512, 60 mel bands), at the clips' native 44.1 kHz, with librosa's defaults for
/// the rest (centred zero-padded frames, Slaney mel scale and norm, floor 1e-10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogMelConfig {
    /// Sample rate of the input in Hz. Default 44,100.
    pub sample_rate: u32,
    /// Frame length (FFT size) in samples, even. Default 1024 (23.2 ms at 44.1 kHz).
    pub n_fft: usize,
    /// Hop between frames in samples. Default 512.
    pub hop: usize,
    /// Framing at the signal's ends. Default [`Padding::Zero`] (centred, as librosa ≥ 0.10).
    pub padding: Padding,
    /// Number of mel bands. Default 60.
    pub n_mels: usize,
    /// Lowest filter edge in Hz. Default 0.
    pub f_min: f64,
    /// Highest filter edge in Hz; `None` is `sample_rate / 2`. Default `None`.
    pub f_max: Option<f64>,
    /// Mel scale. Default [`MelScale::Slaney`].
    pub mel_scale: MelScale,
    /// Filter normalisation. Default [`MelNorm::Slaney`].
    pub mel_norm: MelNorm,
    /// Power below which values are clamped before the log (librosa's `amin`). Default 1e-10,
    /// i.e. −100 dB.
    pub floor: f64,
    /// If set, values more than `top_db` below the clip's maximum are raised to that level.
    /// Default `None` (absolute levels, comparable across clips).
    pub top_db: Option<f64>,
}

impl Default for LogMelConfig {
    fn default() -> Self {
        LogMelConfig {
            sample_rate: 44_100,
            n_fft: 1024,
            hop: 512,
            padding: Padding::Zero,
            n_mels: 60,
            f_min: 0.0,
            f_max: None,
            mel_scale: MelScale::Slaney,
            mel_norm: MelNorm::Slaney,
            floor: 1e-10,
            top_db: None,
        }
    }
}

impl LogMelConfig {
    /// The upper filter edge in Hz: `f_max`, or the Nyquist frequency.
    pub fn f_max_hz(&self) -> f64 {
        self.f_max.unwrap_or(f64::from(self.sample_rate) / 2.0)
    }

    /// Checks every field.
    ///
    /// # Errors
    /// [`Esc50Error::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        let nyquist = f64::from(self.sample_rate) / 2.0;
        let problem = if self.sample_rate == 0 {
            Some("sample_rate must be > 0".to_string())
        } else if self.n_fft < 2 || !self.n_fft.is_multiple_of(2) {
            Some(format!("n_fft must be even and >= 2, got {}", self.n_fft))
        } else if self.hop == 0 {
            Some("hop must be >= 1".to_string())
        } else if self.n_mels == 0 {
            Some("n_mels must be >= 1".to_string())
        } else if !(self.f_min >= 0.0 && self.f_min < self.f_max_hz() && self.f_max_hz() <= nyquist)
        {
            Some(format!(
                "need 0 <= f_min < f_max <= {nyquist} Hz, got f_min {} and f_max {}",
                self.f_min,
                self.f_max_hz()
            ))
        } else if !(self.floor > 0.0 && self.floor.is_finite() && (self.floor as f32) > 0.0) {
            Some(format!(
                "floor must be positive and finite in f32, got {}",
                self.floor
            ))
        } else if self.top_db.is_some_and(|t| t.is_nan() || t < 0.0) {
            Some(format!("top_db must be >= 0, got {:?}", self.top_db))
        } else {
            None
        };
        match problem {
            Some(reason) => Err(Esc50Error::InvalidConfig { reason }),
            None => Ok(()),
        }
    }

    /// Feeds every field, in a fixed order and encoding, to a stable hash (cache keys).
    pub(crate) fn hash_into(&self, h: &mut Fnv64) {
        h.write(b"LogMelConfig/1");
        h.write_u64(u64::from(self.sample_rate));
        h.write_u64(self.n_fft as u64);
        h.write_u64(self.hop as u64);
        h.write_u64(self.padding as u64);
        h.write_u64(self.n_mels as u64);
        h.write_u64(self.f_min.to_bits());
        h.write_u64(self.f_max_hz().to_bits());
        h.write_u64(self.mel_scale as u64);
        h.write_u64(self.mel_norm as u64);
        h.write_u64(self.floor.to_bits());
        h.write_u64(self.top_db.map_or(u64::MAX, f64::to_bits));
    }
}

/// A feature matrix, row-major `frames × bands`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    /// Number of frames (rows).
    pub frames: usize,
    /// Number of bands (columns).
    pub bands: usize,
    /// `frames * bands` values, frame after frame.
    pub data: Vec<f32>,
}

impl FeatureMatrix {
    /// The bands of frame `t`.
    pub fn row(&self, t: usize) -> &[f32] {
        &self.data[t * self.bands..(t + 1) * self.bands]
    }
}

/// A log-mel extractor: owns the FFT plan, window, filterbank and per-frame buffers, so
/// [`LogMel::compute`] allocates nothing.
///
/// ```
/// use data::esc50::{LogMel, LogMelConfig};
///
/// # fn main() -> Result<(), data::esc50::Esc50Error> {
/// let mut lm = LogMel::new(LogMelConfig::default())?;
/// let tone: Vec<f32> = (0..44_100).map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 44_100.0).sin()).collect();
/// let mut out = vec![0.0; lm.num_frames(tone.len()) * lm.num_bands()];
/// lm.compute(&tone, &mut out);
/// assert_eq!(out.len(), 87 * 60);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct LogMel {
    config: LogMelConfig,
    stft: Stft,
    mel: MelFilterbank,
    power: Vec<f32>,
}

impl LogMel {
    /// Plans the STFT and builds the filterbank.
    ///
    /// # Errors
    /// [`Esc50Error::InvalidConfig`] if [`LogMelConfig::validate`] fails.
    pub fn new(config: LogMelConfig) -> Result<LogMel> {
        config.validate()?;
        let stft = Stft::new(config.n_fft, config.hop, config.padding)?;
        let mel = MelFilterbank::new(
            config.sample_rate,
            config.n_fft,
            config.n_mels,
            config.f_min,
            config.f_max_hz(),
            config.mel_scale,
            config.mel_norm,
        );
        let power = vec![0.0; stft.num_bins()];
        Ok(LogMel {
            config,
            stft,
            mel,
            power,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LogMelConfig {
        &self.config
    }

    /// The filterbank.
    pub fn filterbank(&self) -> &MelFilterbank {
        &self.mel
    }

    /// Number of bands per frame (`n_mels`).
    pub fn num_bands(&self) -> usize {
        self.config.n_mels
    }

    /// Number of frames for a signal of `len` samples.
    pub fn num_frames(&self, len: usize) -> usize {
        self.stft.num_frames(len)
    }

    /// Writes the log-mel features of `samples` into `out`, row-major frames × bands.
    ///
    /// # Panics
    /// If `out.len() != num_frames(samples.len()) * num_bands()`.
    pub fn compute(&mut self, samples: &[f32], out: &mut [f32]) {
        let bands = self.num_bands();
        assert_eq!(
            out.len(),
            self.num_frames(samples.len()) * bands,
            "LogMel::compute: out must hold frames * bands values"
        );
        let floor = self.config.floor as f32;
        for (t, row) in out.chunks_exact_mut(bands).enumerate() {
            self.stft.power_frame(samples, t, &mut self.power);
            self.mel.apply(&self.power, row);
            for v in row.iter_mut() {
                *v = 10.0 * v.max(floor).log10();
            }
        }
        if let Some(top_db) = self.config.top_db {
            let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let low = max - top_db as f32;
            out.iter_mut().for_each(|v| *v = v.max(low));
        }
    }

    /// As [`LogMel::compute`], into a new [`FeatureMatrix`].
    pub fn compute_matrix(&mut self, samples: &[f32]) -> FeatureMatrix {
        let frames = self.num_frames(samples.len());
        let mut data = vec![0.0; frames * self.num_bands()];
        self.compute(samples, &mut data);
        FeatureMatrix {
            frames,
            bands: self.num_bands(),
            data,
        }
    }
}
