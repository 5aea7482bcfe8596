//! Short-time Fourier transform of a real signal: periodic Hann window, power spectrum.
//!
//! Frame `t` covers samples `t·hop − p .. t·hop − p + n_fft` of the signal, where `p` is
//! `n_fft / 2` when frames are centred ([`Padding::Zero`], [`Padding::Reflect`]) and 0
//! otherwise ([`Padding::None`]). It is multiplied by the periodic Hann window
//! `w[n] = 0.5 − 0.5·cos(2πn / n_fft)` and transformed with the unnormalised DFT
//! `X[k] = Σ x[n]·w[n]·e^(−2πikn/n_fft)`; the power spectrum is `|X[k]|²` for
//! `k = 0 ..= n_fft/2` (bin `k` is at `k · sample_rate / n_fft` Hz).
//!
//! The real transform of length `n_fft` is computed as one complex FFT of length `n_fft / 2`
//! (even and odd samples as real and imaginary parts) plus a twiddle pass, so `n_fft` must be
//! even. The plan, window and buffers are made once in [`Stft::new`]; no call allocates.

use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use super::error::{Esc50Error, Result};

/// How frames near the ends of the signal are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Not centred: frame `t` starts at sample `t·hop`; only whole frames inside the signal
    /// (`1 + (len − n_fft) / hop` of them, none if `len < n_fft`).
    None,
    /// Centred, with `n_fft / 2` zeros on each side: `1 + len / hop` frames. This is librosa's
    /// default since 0.10 (`center=True, pad_mode="constant"`).
    Zero,
    /// Centred, mirrored around the end samples without repeating them (NumPy's `reflect`,
    /// librosa's `pad_mode="reflect"`, the default before 0.10): `1 + len / hop` frames.
    Reflect,
}

/// A planned STFT: FFT plan, window, twiddles and scratch buffers, reused for every frame.
pub struct Stft {
    n_fft: usize,
    hop: usize,
    padding: Padding,
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// `e^(−2πik/n_fft)` for `k = 0 ..= n_fft/2`.
    twiddles: Vec<Complex<f32>>,
    frame: Vec<f32>,
    half: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .field("padding", &self.padding)
            .finish_non_exhaustive()
    }
}

impl Stft {
    /// Plans an STFT with frames of `n_fft` samples (even, ≥ 2) every `hop` (≥ 1) samples.
    ///
    /// # Errors
    /// [`Esc50Error::InvalidConfig`] if `n_fft` is odd or below 2, or `hop` is 0.
    pub fn new(n_fft: usize, hop: usize, padding: Padding) -> Result<Stft> {
        if n_fft < 2 || !n_fft.is_multiple_of(2) || hop == 0 {
            return Err(Esc50Error::InvalidConfig {
                reason: format!(
                    "STFT needs an even n_fft >= 2 and hop >= 1, got {n_fft} and {hop}"
                ),
            });
        }
        let fft = FftPlanner::new().plan_fft_forward(n_fft / 2);
        let tau = 2.0 * std::f64::consts::PI / n_fft as f64;
        let window = (0..n_fft)
            .map(|n| (0.5 - 0.5 * (tau * n as f64).cos()) as f32)
            .collect();
        let twiddles = (0..=n_fft / 2)
            .map(|k| {
                let a = -tau * k as f64;
                Complex::new(a.cos() as f32, a.sin() as f32)
            })
            .collect();
        let scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
        Ok(Stft {
            n_fft,
            hop,
            padding,
            fft,
            window,
            twiddles,
            frame: vec![0.0; n_fft],
            half: vec![Complex::default(); n_fft / 2],
            scratch,
        })
    }

    /// Frame length in samples.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop between frame starts, in samples.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Number of power-spectrum bins, `n_fft / 2 + 1`.
    pub fn num_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// The periodic Hann window.
    pub fn window(&self) -> &[f32] {
        &self.window
    }

    /// Number of frames of a signal of `len` samples.
    pub fn num_frames(&self, len: usize) -> usize {
        match self.padding {
            Padding::None if len < self.n_fft => 0,
            Padding::None => 1 + (len - self.n_fft) / self.hop,
            Padding::Zero | Padding::Reflect => 1 + len / self.hop,
        }
    }

    /// Writes frame `t` of `signal`, padded as configured and multiplied by the window, into
    /// `out` (`n_fft` values).
    ///
    /// # Panics
    /// If `out.len() != n_fft`.
    pub fn windowed_frame(&self, signal: &[f32], t: usize, out: &mut [f32]) {
        assert_eq!(
            out.len(),
            self.n_fft,
            "windowed_frame: out must hold n_fft values"
        );
        let pad = match self.padding {
            Padding::None => 0,
            Padding::Zero | Padding::Reflect => self.n_fft / 2,
        };
        let start = (t * self.hop) as isize - pad as isize;
        let n = signal.len() as isize;
        if start >= 0 && start + self.n_fft as isize <= n {
            let src = &signal[start as usize..start as usize + self.n_fft];
            for ((o, &x), &w) in out.iter_mut().zip(src).zip(&self.window) {
                *o = x * w;
            }
            return;
        }
        for (i, (o, &w)) in out.iter_mut().zip(&self.window).enumerate() {
            let j = start + i as isize;
            let x = if (0..n).contains(&j) {
                signal[j as usize]
            } else if self.padding == Padding::Reflect && n > 0 {
                signal[reflect(j, n)]
            } else {
                0.0
            };
            *o = x * w;
        }
    }

    /// Writes the power spectrum `|X[k]|²`, `k = 0 ..= n_fft/2`, of frame `t` into `power`.
    ///
    /// # Panics
    /// If `power.len() != n_fft / 2 + 1`.
    pub fn power_frame(&mut self, signal: &[f32], t: usize, power: &mut [f32]) {
        assert_eq!(
            power.len(),
            self.num_bins(),
            "power_frame: power must hold n_fft/2+1 values"
        );
        let mut frame = std::mem::take(&mut self.frame);
        self.windowed_frame(signal, t, &mut frame);
        for (h, pair) in self.half.iter_mut().zip(frame.chunks_exact(2)) {
            *h = Complex::new(pair[0], pair[1]);
        }
        self.frame = frame;
        self.fft
            .process_with_scratch(&mut self.half, &mut self.scratch);
        // Z = FFT(even + i·odd): E[k] = (Z[k] + conj Z[M−k]) / 2, O[k] = (Z[k] − conj Z[M−k]) / 2i,
        // X[k] = E[k] + e^(−2πik/N)·O[k], with Z indices taken mod M = N/2; at k = 0 and k = M
        // this is X = Re Z[0] ± Im Z[0].
        let m = self.n_fft / 2;
        let z0 = self.half[0];
        power[0] = (z0.re + z0.im) * (z0.re + z0.im);
        power[m] = (z0.re - z0.im) * (z0.re - z0.im);
        let bins = power[1..m].iter_mut().zip(&self.twiddles[1..m]);
        for (k, (p, &tw)) in (1..m).zip(bins) {
            let z = self.half[k];
            let zc = self.half[m - k].conj();
            let even = (z + zc) * 0.5;
            let odd = (z - zc) * Complex::new(0.0, -0.5);
            *p = (even + tw * odd).norm_sqr();
        }
    }

    /// Writes the power spectrogram of `signal`, frames × bins row-major, into `out`
    /// (`num_frames(signal.len()) * num_bins()` values).
    ///
    /// # Panics
    /// If `out` has the wrong length.
    pub fn power_spectrogram(&mut self, signal: &[f32], out: &mut [f32]) {
        let bins = self.num_bins();
        assert_eq!(
            out.len(),
            self.num_frames(signal.len()) * bins,
            "power_spectrogram: bad out length"
        );
        for (t, row) in out.chunks_exact_mut(bins).enumerate() {
            self.power_frame(signal, t, row);
        }
    }
}

/// Index of sample `j` (outside `0..n`) after mirror padding without repeating the end samples.
fn reflect(j: isize, n: isize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let r = j.rem_euclid(period);
    (if r < n { r } else { period - r }) as usize
}
