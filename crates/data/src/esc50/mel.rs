//! Mel scales and a triangular mel filterbank over power-spectrum bins.
//!
//! The filterbank follows librosa's `filters.mel`: `n_mels + 2` points equally spaced on the
//! mel scale between `f_min` and `f_max`, converted back to Hz; filter `m` rises linearly from
//! point `m` to 1 at point `m + 1` and falls to 0 at point `m + 2`, evaluated at the bin
//! frequencies `k · sample_rate / n_fft`. With [`MelNorm::Slaney`] filter `m` is scaled by
//! `2 / (f[m + 2] − f[m])` (constant energy per band, librosa's `norm="slaney"`).

/// The Hz ↔ mel mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MelScale {
    /// Slaney's Auditory Toolbox scale (librosa's default, `htk=False`): linear below 1 kHz
    /// (`mel = 3·f / 200`), logarithmic above (`mel = 15 + 27·ln(f / 1000) / ln 6.4`).
    Slaney,
    /// The HTK scale `mel = 2595·log10(1 + f / 700)` (librosa's `htk=True`).
    Htk,
}

/// How each triangular filter is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MelNorm {
    /// Peak 1 for every filter.
    None,
    /// Area normalisation `2 / (f_hi − f_lo)` (librosa's default `norm="slaney"`).
    Slaney,
}

const SLANEY_F_SP: f64 = 200.0 / 3.0;
const SLANEY_MIN_LOG_HZ: f64 = 1000.0;
const SLANEY_MIN_LOG_MEL: f64 = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;

fn slaney_logstep() -> f64 {
    6.4f64.ln() / 27.0
}

impl MelScale {
    /// Frequency `hz` on this mel scale.
    pub fn hz_to_mel(self, hz: f64) -> f64 {
        match self {
            MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
            MelScale::Slaney if hz >= SLANEY_MIN_LOG_HZ => {
                SLANEY_MIN_LOG_MEL + (hz / SLANEY_MIN_LOG_HZ).ln() / slaney_logstep()
            }
            MelScale::Slaney => hz / SLANEY_F_SP,
        }
    }

    /// The frequency in Hz of `mel` on this scale.
    pub fn mel_to_hz(self, mel: f64) -> f64 {
        match self {
            MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
            MelScale::Slaney if mel >= SLANEY_MIN_LOG_MEL => {
                SLANEY_MIN_LOG_HZ * (slaney_logstep() * (mel - SLANEY_MIN_LOG_MEL)).exp()
            }
            MelScale::Slaney => SLANEY_F_SP * mel,
        }
    }
}

/// A triangular mel filterbank stored sparsely: each band keeps only its non-zero weights.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilterbank {
    num_bins: usize,
    /// Per band: index of the first bin with a non-zero weight, and the weights from there.
    bands: Vec<(usize, Vec<f32>)>,
    /// The `n_mels + 2` band edge frequencies in Hz.
    edges_hz: Vec<f64>,
}

impl MelFilterbank {
    /// Builds `n_mels` filters between `f_min` and `f_max` Hz over the `n_fft / 2 + 1` bins of
    /// a power spectrum at `sample_rate`.
    ///
    /// Weights are computed in `f64` and stored as `f32`. A band can be empty (all weights
    /// zero) when bands are narrower than the bin spacing; it then always yields 0.
    /// Arguments are not checked here; [`super::LogMel::new`] validates them.
    pub fn new(
        sample_rate: u32,
        n_fft: usize,
        n_mels: usize,
        f_min: f64,
        f_max: f64,
        scale: MelScale,
        norm: MelNorm,
    ) -> MelFilterbank {
        let num_bins = n_fft / 2 + 1;
        let (lo, hi) = (scale.hz_to_mel(f_min), scale.hz_to_mel(f_max));
        let edges_hz: Vec<f64> = (0..n_mels + 2)
            .map(|i| scale.mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
            .collect();
        let bin_hz = |k: usize| k as f64 * f64::from(sample_rate) / n_fft as f64;
        let bands = (0..n_mels)
            .map(|m| {
                let (f0, f1, f2) = (edges_hz[m], edges_hz[m + 1], edges_hz[m + 2]);
                let scale = match norm {
                    MelNorm::None => 1.0,
                    MelNorm::Slaney => 2.0 / (f2 - f0),
                };
                let weight = |k: usize| {
                    let f = bin_hz(k);
                    let rising = (f - f0) / (f1 - f0);
                    let falling = (f2 - f) / (f2 - f1);
                    rising.min(falling).max(0.0) * scale
                };
                match (0..num_bins).position(|k| weight(k) > 0.0) {
                    Some(first) => {
                        let last = (first..num_bins).rev().find(|&k| weight(k) > 0.0);
                        let last = last.unwrap_or(first);
                        (first, (first..=last).map(|k| weight(k) as f32).collect())
                    }
                    None => (0, Vec::new()),
                }
            })
            .collect();
        MelFilterbank {
            num_bins,
            bands,
            edges_hz,
        }
    }

    /// Number of mel bands.
    pub fn num_bands(&self) -> usize {
        self.bands.len()
    }

    /// Number of power-spectrum bins the filterbank expects, `n_fft / 2 + 1`.
    pub fn num_bins(&self) -> usize {
        self.num_bins
    }

    /// The `n_mels + 2` band edges in Hz: band `m` spans `edges[m] .. edges[m + 2]` and peaks
    /// at `edges[m + 1]`.
    pub fn edges_hz(&self) -> &[f64] {
        &self.edges_hz
    }

    /// The weight of bin `k` in band `m` (0 outside the band's support).
    pub fn weight(&self, m: usize, k: usize) -> f32 {
        let (first, w) = &self.bands[m];
        k.checked_sub(*first)
            .and_then(|i| w.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// Writes the band energies `Σ_k weight(m, k) · power[k]` into `out`.
    ///
    /// # Panics
    /// If `power.len() != num_bins()` or `out.len() != num_bands()`.
    pub fn apply(&self, power: &[f32], out: &mut [f32]) {
        assert_eq!(
            power.len(),
            self.num_bins,
            "MelFilterbank::apply: bad power length"
        );
        assert_eq!(
            out.len(),
            self.bands.len(),
            "MelFilterbank::apply: bad out length"
        );
        for (o, (first, w)) in out.iter_mut().zip(&self.bands) {
            *o = w.iter().zip(&power[*first..]).map(|(a, b)| a * b).sum();
        }
    }
}
