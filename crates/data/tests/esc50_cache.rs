//! The feature cache: hits, keys that follow every input, corrupt files rewritten.

use data::esc50::{
    read_wav, CacheStatus, Esc50Error, FeatureCache, LogMel, LogMelConfig, WavConfig,
};

use crate::esc50_util::{noise, write_float_wav};

const WAV: WavConfig = WavConfig {
    sample_rate: 16_000,
    duration_s: Some(0.25),
};

fn config() -> LogMelConfig {
    LogMelConfig {
        sample_rate: 16_000,
        n_fft: 512,
        hop: 256,
        n_mels: 20,
        ..LogMelConfig::default()
    }
}

#[test]
fn features_are_computed_once_then_read_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_float_wav(dir.path(), "clip.wav", 1, 16_000, &noise(3000, 5));
    let cache = FeatureCache::new(dir.path().join("cache/nested")).unwrap();
    let mut lm = LogMel::new(config()).unwrap();
    let (first, status) = cache.get_or_compute(&wav, &WAV, &mut lm).unwrap();
    assert_eq!(status, CacheStatus::Computed);
    assert_eq!((first.frames, first.bands), (16, 20));
    // Same as computing directly.
    let direct = lm.compute_matrix(&read_wav(&wav, &WAV).unwrap());
    assert_eq!(first, direct);
    let (second, status) = cache.get_or_compute(&wav, &WAV, &mut lm).unwrap();
    assert_eq!((status, &second), (CacheStatus::Hit, &first));
    // One file, no temp files left behind.
    let files: Vec<_> = std::fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        cache.dir().join(&files[0]),
        cache.path_for(&wav, &WAV, &config()).unwrap()
    );
    assert!(files[0].to_string_lossy().starts_with("clip.wav."));
}

#[test]
fn every_parameter_and_the_clip_are_part_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_float_wav(dir.path(), "clip.wav", 1, 16_000, &noise(3000, 5));
    let other = write_float_wav(dir.path(), "other.wav", 1, 16_000, &noise(3000, 5));
    let cache = FeatureCache::new(dir.path().join("cache")).unwrap();
    let base = cache.path_for(&wav, &WAV, &config()).unwrap();
    let variants = [
        LogMelConfig {
            n_mels: 21,
            ..config()
        },
        LogMelConfig {
            hop: 255,
            ..config()
        },
        LogMelConfig {
            n_fft: 1024,
            ..config()
        },
        LogMelConfig {
            padding: data::esc50::Padding::Reflect,
            ..config()
        },
        LogMelConfig {
            f_min: 20.0,
            ..config()
        },
        LogMelConfig {
            f_max: Some(7000.0),
            ..config()
        },
        LogMelConfig {
            mel_scale: data::esc50::MelScale::Htk,
            ..config()
        },
        LogMelConfig {
            mel_norm: data::esc50::MelNorm::None,
            ..config()
        },
        LogMelConfig {
            floor: 1e-9,
            ..config()
        },
        LogMelConfig {
            top_db: Some(80.0),
            ..config()
        },
    ];
    let mut paths = vec![base.clone()];
    for v in variants {
        paths.push(cache.path_for(&wav, &WAV, &v).unwrap());
    }
    paths.push(
        cache
            .path_for(
                &wav,
                &WavConfig {
                    duration_s: Some(0.5),
                    ..WAV
                },
                &config(),
            )
            .unwrap(),
    );
    paths.push(cache.path_for(&other, &WAV, &config()).unwrap());
    let unique: std::collections::HashSet<_> = paths.iter().collect();
    assert_eq!(unique.len(), paths.len());
    // f_max None and f_max = Nyquist are the same features, hence the same key.
    let nyquist = LogMelConfig {
        f_max: Some(8000.0),
        ..config()
    };
    assert_eq!(cache.path_for(&wav, &WAV, &nyquist).unwrap(), base);

    // A rewritten clip (new size) gets a new key and is recomputed.
    let mut lm = LogMel::new(config()).unwrap();
    assert_eq!(
        cache.get_or_compute(&wav, &WAV, &mut lm).unwrap().1,
        CacheStatus::Computed
    );
    write_float_wav(dir.path(), "clip.wav", 1, 16_000, &noise(3500, 6));
    assert_ne!(cache.path_for(&wav, &WAV, &config()).unwrap(), base);
    assert_eq!(
        cache.get_or_compute(&wav, &WAV, &mut lm).unwrap().1,
        CacheStatus::Computed
    );
}

#[test]
fn corrupt_cache_files_are_ignored_and_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_float_wav(dir.path(), "clip.wav", 1, 16_000, &noise(4000, 9));
    let cache = FeatureCache::new(dir.path().join("cache")).unwrap();
    let mut lm = LogMel::new(config()).unwrap();
    let (good, _) = cache.get_or_compute(&wav, &WAV, &mut lm).unwrap();
    let path = cache.path_for(&wav, &WAV, &config()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 24 + 4 * 16 * 20 + 8);

    let mut flipped = bytes.clone();
    flipped[100] ^= 0x40;
    let mut huge_header = bytes.clone();
    huge_header[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    let corruptions: Vec<Vec<u8>> = vec![
        Vec::new(),
        bytes[..10].to_vec(),
        bytes[..bytes.len() - 1].to_vec(),
        [&bytes[..], b"x"].concat(),
        flipped,
        huge_header,
        b"not a cache file at all".to_vec(),
    ];
    for (i, bad) in corruptions.into_iter().enumerate() {
        std::fs::write(&path, bad).unwrap();
        let (features, status) = cache.get_or_compute(&wav, &WAV, &mut lm).unwrap();
        assert_eq!(
            (status, &features),
            (CacheStatus::Rewritten, &good),
            "corruption {i}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "corruption {i}: rewritten as before"
        );
        assert_eq!(
            cache.get_or_compute(&wav, &WAV, &mut lm).unwrap().1,
            CacheStatus::Hit
        );
    }
}

#[test]
fn mismatched_sample_rates_and_missing_clips_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cache = FeatureCache::new(dir.path()).unwrap();
    let wav = write_float_wav(dir.path(), "clip.wav", 1, 16_000, &[0.0; 100]);
    let mut lm = LogMel::new(LogMelConfig::default()).unwrap(); // 44.1 kHz
    let err = cache.get_or_compute(&wav, &WAV, &mut lm).unwrap_err();
    assert!(matches!(err, Esc50Error::InvalidConfig { .. }), "{err}");
    let absent = dir.path().join("absent.wav");
    let mut lm = LogMel::new(config()).unwrap();
    let err = cache.get_or_compute(&absent, &WAV, &mut lm).unwrap_err();
    assert!(matches!(err, Esc50Error::Io { .. }), "{err}");
    crate::esc50_util::assert_names(&err, &absent);
}
