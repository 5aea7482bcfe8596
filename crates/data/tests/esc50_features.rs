//! STFT, mel filterbank, log-mel and band statistics on synthetic signals.

use data::esc50::{
    BandStats, Esc50Error, LogMel, LogMelConfig, MelFilterbank, MelNorm, MelScale, Padding, Stft,
};

use crate::esc50_util::{noise, sine};

const SR: u32 = 44_100;

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv {
                (i, x)
            } else {
                (bi, bv)
            }
        })
        .0
}

/// Naive DFT power of one windowed frame, in f64.
fn dft_power(frame: &[f32]) -> Vec<f64> {
    let n = frame.len();
    (0..=n / 2)
        .map(|k| {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (j, &x) in frame.iter().enumerate() {
                let a = -2.0 * std::f64::consts::PI * (k * j % n) as f64 / n as f64;
                re += f64::from(x) * a.cos();
                im += f64::from(x) * a.sin();
            }
            re * re + im * im
        })
        .collect()
}

#[test]
fn the_real_fft_matches_a_naive_dft() {
    for n_fft in [2, 4, 16, 1024] {
        let mut stft = Stft::new(n_fft, n_fft / 2, Padding::None).unwrap();
        let x = noise(3 * n_fft, 7);
        let mut frame = vec![0.0; n_fft];
        let mut power = vec![0.0; stft.num_bins()];
        for t in 0..stft.num_frames(x.len()) {
            stft.windowed_frame(&x, t, &mut frame);
            stft.power_frame(&x, t, &mut power);
            let reference = dft_power(&frame);
            let scale = reference.iter().cloned().fold(0.0, f64::max);
            for (k, (&p, &r)) in power.iter().zip(&reference).enumerate() {
                assert!(
                    (f64::from(p) - r).abs() <= 1e-5 * scale,
                    "n_fft {n_fft} frame {t} bin {k}: {p} vs {r}"
                );
            }
        }
    }
}

#[test]
fn a_pure_tone_lands_in_its_fft_bin() {
    let mut stft = Stft::new(1024, 512, Padding::Zero).unwrap();
    let mut power = vec![0.0; stft.num_bins()];
    // Exactly on bin 40, and between bins 23 and 24 (1000 Hz = bin 23.22).
    for (freq, bin) in [
        (40.0 * f64::from(SR) / 1024.0, 40),
        (1000.0, 23),
        (15_000.0, 348),
    ] {
        let x = sine(freq, SR, SR as usize, 0.5);
        stft.power_frame(&x, 40, &mut power);
        assert_eq!(argmax(&power), bin, "{freq} Hz");
        // Hann leakage: nothing four bins away is within 40 dB of the peak.
        let peak = power[bin];
        for (k, &p) in power.iter().enumerate() {
            if k.abs_diff(bin) >= 4 {
                assert!(p < peak * 1e-4, "{freq} Hz: bin {k} has {p} vs peak {peak}");
            }
        }
    }
    // A bin-centred tone of amplitude A has |X|² = (A·N/4)² with a periodic Hann window.
    let x = sine(40.0 * f64::from(SR) / 1024.0, SR, SR as usize, 0.5);
    stft.power_frame(&x, 40, &mut power);
    assert!(
        (power[40] / (0.5f32 * 256.0).powi(2) - 1.0).abs() < 1e-3,
        "{}",
        power[40]
    );
}

#[test]
fn a_pure_tone_lands_in_the_mel_band_around_it() {
    let mut config = LogMelConfig {
        mel_norm: MelNorm::None,
        ..LogMelConfig::default()
    };
    for norm in [MelNorm::None, MelNorm::Slaney] {
        config.mel_norm = norm;
        let mut lm = LogMel::new(config).unwrap();
        for freq in [300.0, 1000.0, 4000.0, 12_000.0] {
            let x = sine(freq, SR, SR as usize, 0.5);
            let m = lm.compute_matrix(&x);
            let band = argmax(m.row(40));
            let edges = lm.filterbank().edges_hz();
            assert!(
                edges[band] < freq && freq < edges[band + 2],
                "{freq} Hz in band {band} {:?}",
                &edges[band..band + 3]
            );
            if norm == MelNorm::None {
                // Peak-1 triangles: the band whose centre is nearest the tone wins.
                let nearest = (0..lm.num_bands())
                    .min_by(|&a, &b| {
                        (edges[a + 1] - freq)
                            .abs()
                            .total_cmp(&(edges[b + 1] - freq).abs())
                    })
                    .unwrap();
                assert_eq!(band, nearest, "{freq} Hz");
            }
        }
    }
}

#[test]
fn parseval_holds_for_every_frame_and_padding() {
    let x = noise(10_000, 3);
    for padding in [Padding::None, Padding::Zero, Padding::Reflect] {
        for (n_fft, hop) in [(1024, 512), (256, 100), (2048, 512)] {
            let mut stft = Stft::new(n_fft, hop, padding).unwrap();
            let mut frame = vec![0.0; n_fft];
            let mut power = vec![0.0; stft.num_bins()];
            for t in 0..stft.num_frames(x.len()) {
                stft.windowed_frame(&x, t, &mut frame);
                stft.power_frame(&x, t, &mut power);
                let time: f64 = frame.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
                let p: Vec<f64> = power.iter().map(|&v| f64::from(v)).collect();
                let freq = (p[0] + p[n_fft / 2] + 2.0 * p[1..n_fft / 2].iter().sum::<f64>())
                    / n_fft as f64;
                assert!(
                    (time - freq).abs() <= 1e-5 * time.max(1e-12),
                    "{padding:?} {n_fft}/{hop} frame {t}: {time} vs {freq}"
                );
            }
        }
    }
}

#[test]
fn frame_counts_and_padding_follow_librosa() {
    let zero = Stft::new(1024, 512, Padding::Zero).unwrap();
    let none = Stft::new(1024, 512, Padding::None).unwrap();
    assert_eq!(zero.num_frames(220_500), 431);
    assert_eq!(none.num_frames(220_500), 429);
    assert_eq!(
        (
            none.num_frames(1023),
            none.num_frames(1024),
            zero.num_frames(0)
        ),
        (0, 1, 1)
    );

    // Frame 0 of a centred STFT starts 512 samples before the signal.
    let x: Vec<f32> = (1..=2000).map(|i| i as f32).collect();
    let reflect = Stft::new(1024, 512, Padding::Reflect).unwrap();
    let (mut fz, mut fr) = (vec![0.0; 1024], vec![0.0; 1024]);
    zero.windowed_frame(&x, 0, &mut fz);
    reflect.windowed_frame(&x, 0, &mut fr);
    let w = zero.window();
    assert_eq!((w[0], w[512]), (0.0, 1.0));
    for i in 0..1024 {
        let j = i as isize - 512;
        let raw_zero = if j < 0 { 0.0 } else { x[j as usize] };
        assert_eq!(fz[i], raw_zero * w[i]);
        assert_eq!(fr[i], x[j.unsigned_abs()] * w[i]); // reflect: x[-j] = x[j]
    }
    // At the end, reflect mirrors around the last sample: x[n-1+d] = x[n-1-d].
    let last = reflect.num_frames(x.len()) - 1;
    reflect.windowed_frame(&x, last, &mut fr);
    let start = last * 512 - 512;
    for i in 0..1024 {
        let j = start + i;
        let v = if j < 2000 { x[j] } else { x[2 * 1999 - j] };
        assert_eq!(fr[i], v * w[i], "i {i}");
    }
}

#[test]
fn mel_scales_invert_and_hit_known_points() {
    for scale in [MelScale::Slaney, MelScale::Htk] {
        for hz in [0.0, 200.0, 999.0, 1000.0, 5000.0, 22_050.0] {
            assert!(
                (scale.mel_to_hz(scale.hz_to_mel(hz)) - hz).abs() < 1e-6,
                "{scale:?} {hz}"
            );
        }
    }
    assert!((MelScale::Slaney.hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
    assert!((MelScale::Slaney.hz_to_mel(6400.0) - 42.0).abs() < 1e-9);
    assert!((MelScale::Htk.hz_to_mel(700.0) - 2595.0 * 2f64.log10()).abs() < 1e-9);
}

#[test]
fn slaney_filters_have_unit_area_in_hz() {
    // A fine FFT grid makes Σ weight · bin width ≈ the triangle's area, 1 with Slaney norm.
    let fb = MelFilterbank::new(
        SR,
        1 << 16,
        40,
        300.0,
        8000.0,
        MelScale::Slaney,
        MelNorm::Slaney,
    );
    let bin_hz = f64::from(SR) / f64::from(1u32 << 16);
    for m in 0..fb.num_bands() {
        let area: f64 = (0..fb.num_bins())
            .map(|k| f64::from(fb.weight(m, k)) * bin_hz)
            .sum();
        assert!((area - 1.0).abs() < 1e-3, "band {m}: {area}");
    }
    assert_eq!(fb.edges_hz().len(), 42);
    assert!((fb.edges_hz()[0] - 300.0).abs() < 1e-9 && (fb.edges_hz()[41] - 8000.0).abs() < 1e-6);
}

#[test]
fn silence_gives_the_floor_and_top_db_clips_below_the_maximum() {
    let mut lm = LogMel::new(LogMelConfig::default()).unwrap();
    let m = lm.compute_matrix(&vec![0.0; 5000]);
    assert_eq!((m.frames, m.bands), (10, 60));
    assert!(m.data.iter().all(|&v| v == -100.0));

    let mut x = sine(1000.0, SR, 20_000, 0.5);
    x.extend(vec![0.0; 20_000]);
    let config = LogMelConfig {
        top_db: Some(30.0),
        ..LogMelConfig::default()
    };
    let mut clipped = LogMel::new(config).unwrap();
    let (a, b) = (lm.compute_matrix(&x), clipped.compute_matrix(&x));
    let max = a.data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for (&u, &v) in a.data.iter().zip(&b.data) {
        assert_eq!(v, u.max(max - 30.0));
    }
}

#[test]
fn invalid_configurations_are_refused() {
    let d = LogMelConfig::default();
    for bad in [
        LogMelConfig { n_fft: 1023, ..d },
        LogMelConfig { n_fft: 0, ..d },
        LogMelConfig { hop: 0, ..d },
        LogMelConfig { n_mels: 0, ..d },
        LogMelConfig {
            f_max: Some(30_000.0),
            ..d
        },
        LogMelConfig {
            f_min: 9000.0,
            f_max: Some(8000.0),
            ..d
        },
        LogMelConfig { f_min: -1.0, ..d },
        LogMelConfig { floor: 0.0, ..d },
        LogMelConfig {
            floor: f64::NAN,
            ..d
        },
        LogMelConfig {
            top_db: Some(-1.0),
            ..d
        },
        LogMelConfig {
            sample_rate: 0,
            ..d
        },
    ] {
        assert!(
            matches!(LogMel::new(bad), Err(Esc50Error::InvalidConfig { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn band_stats_standardise_each_band() {
    let bands = 3;
    let a: Vec<f32> = noise(30, 1)
        .iter()
        .enumerate()
        .map(|(i, v)| v * (1 + i % 3) as f32 + (i % 3) as f32 * 10.0)
        .collect();
    let b: Vec<f32> = noise(12, 2)
        .iter()
        .enumerate()
        .map(|(i, v)| v * (1 + i % 3) as f32 + (i % 3) as f32 * 10.0)
        .collect();
    let stats = BandStats::fit(bands, [&a[..], &b[..]]);
    let mut all: Vec<f32> = a.iter().chain(&b).copied().collect();
    stats.apply(&mut all);
    for band in 0..bands {
        let col: Vec<f64> = all
            .iter()
            .skip(band)
            .step_by(bands)
            .map(|&v| f64::from(v))
            .collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / col.len() as f64;
        assert!(
            mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
            "band {band}: {mean} {var}"
        );
    }
    let empty = BandStats::fit(2, std::iter::empty::<&[f32]>());
    assert_eq!((empty.mean, empty.std), (vec![0.0; 2], vec![1.0; 2]));
}
