//! Turning clips into network inputs: decimated waveforms, time-pooled log-mels, and both
//! treated as grey images and resampled with the `image` crate.

use image::imageops::FilterType;
use image::{ImageBuffer, Luma};
use serde::Serialize;

/// Every `step`-th sample, starting with the first (the seed's 2,205 inputs for 5 s at
/// 44.1 kHz with step 100).
pub fn decimate(samples: &[f32], step: usize) -> Vec<f32> {
    samples.iter().step_by(step.max(1)).copied().collect()
}

/// Averages each run of `factor` consecutive frames of a row-major `frames × bands` matrix,
/// dropping the last `frames % factor` frames; returns the pooled frame count and values.
pub fn pool_time(data: &[f32], frames: usize, bands: usize, factor: usize) -> (usize, Vec<f32>) {
    let factor = factor.max(1);
    let pooled = frames / factor;
    let mut out = vec![0.0f32; pooled * bands];
    for (p, dst) in out.chunks_exact_mut(bands).enumerate() {
        for t in p * factor..(p + 1) * factor {
            for (d, &v) in dst.iter_mut().zip(&data[t * bands..(t + 1) * bands]) {
                *d += v;
            }
        }
        dst.iter_mut().for_each(|d| *d /= factor as f32);
    }
    (pooled, out)
}

/// The smallest side `s` with `s² ≥ n` (47 for the seed's 2,205 samples).
pub fn square_side(n: usize) -> usize {
    let mut s = (n as f64).sqrt().floor() as usize;
    while s * s < n {
        s += 1;
    }
    s
}

/// The resampling filter of the `image` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Filter {
    /// Nearest neighbour.
    Nearest,
    /// Linear (bilinear in 2-D): never overshoots.
    Triangle,
    /// Cubic (Catmull-Rom).
    CatmullRom,
    /// Gaussian.
    Gaussian,
    /// Lanczos with window 3.
    Lanczos3,
}

impl Filter {
    fn image(self) -> FilterType {
        match self {
            Filter::Nearest => FilterType::Nearest,
            Filter::Triangle => FilterType::Triangle,
            Filter::CatmullRom => FilterType::CatmullRom,
            Filter::Gaussian => FilterType::Gaussian,
            Filter::Lanczos3 => FilterType::Lanczos3,
        }
    }
}

/// Resamples a row-major `height × width` grid of values in `[lo, hi]` to
/// `new_height × new_width` with the `image` crate's [`image::imageops::resize`].
///
/// The crate keeps `f32` pixels in `[0, 1]` (it clamps there), so values are mapped affinely
/// onto `[0, 1]` (clamping anything outside `[lo, hi]`), resampled, and mapped back.
///
/// # Panics
/// If `values.len() != width · height` or a size is zero.
pub fn resize(
    values: &[f32],
    (height, width): (usize, usize),
    (new_height, new_width): (usize, usize),
    (lo, hi): (f32, f32),
    filter: Filter,
) -> Vec<f32> {
    assert_eq!(values.len(), width * height, "resize: grid size");
    assert!(
        width * height * new_width * new_height > 0,
        "resize: zero size"
    );
    let span = hi - lo;
    let unit: Vec<f32> = values
        .iter()
        .map(|&v| ((v - lo) / span).clamp(0.0, 1.0))
        .collect();
    let img: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_raw(width as u32, height as u32, unit).expect("size checked above");
    let out = image::imageops::resize(&img, new_width as u32, new_height as u32, filter.image());
    out.into_raw().into_iter().map(|u| lo + u * span).collect()
}

/// The seed's "waveform as an image": `samples` zero-padded to `side²` values, read row by row
/// as a `side × side` image, resampled to `size × size`; samples are in `[-1, 1]`.
pub fn waveform_image(samples: &[f32], side: usize, size: usize, filter: Filter) -> Vec<f32> {
    let mut square = vec![0.0f32; side * side];
    let n = samples.len().min(side * side);
    square[..n].copy_from_slice(&samples[..n]);
    resize(&square, (side, side), (size, size), (-1.0, 1.0), filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_every_step_th_sample() {
        let x: Vec<f32> = (0..220_500).map(|i| i as f32).collect();
        let d = decimate(&x, 100);
        assert_eq!(d.len(), 2205);
        assert_eq!((d[0], d[1], d[2204]), (0.0, 100.0, 220_400.0));
        assert_eq!(square_side(2205), 47);
        assert_eq!(square_side(2209), 47);
        assert_eq!(square_side(2210), 48);
    }

    #[test]
    fn pooling_averages_runs_of_frames() {
        // 5 frames × 2 bands, pooled by 2: frames (0,1) and (2,3); frame 4 dropped.
        let x = [0.0, 10.0, 2.0, 12.0, 4.0, 14.0, 6.0, 16.0, 8.0, 18.0];
        assert_eq!(pool_time(&x, 5, 2, 2), (2, vec![1.0, 11.0, 5.0, 15.0]));
        assert_eq!(pool_time(&x, 5, 2, 1).1, x.to_vec());
    }

    #[test]
    fn resizing_keeps_constants_and_negative_values() {
        let flat = vec![-0.5f32; 6 * 4];
        for filter in [Filter::Nearest, Filter::Triangle, Filter::Lanczos3] {
            let out = resize(&flat, (6, 4), (3, 2), (-1.0, 1.0), filter);
            assert_eq!(out.len(), 6);
            assert!(
                out.iter().all(|v| (v + 0.5).abs() < 1e-5),
                "{filter:?}: {out:?}"
            );
        }
        let img = waveform_image(&[1.0, -1.0, 0.5], 2, 4, Filter::Nearest);
        assert_eq!(img.len(), 16);
        // Nearest neighbour doubling: the top-left 2×2 block is the first sample.
        assert_eq!((img[0], img[1], img[4], img[5]), (1.0, 1.0, 1.0, 1.0));
        assert_eq!(img[2], -1.0);
        assert_eq!(img[15], 0.0); // the zero padding
    }
}
