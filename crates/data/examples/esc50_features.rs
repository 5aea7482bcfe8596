//! Extracts the log-mel features of every ESC-10 clip and prints the throughput.
//!
//! ```text
//! cargo run --release -p data --example esc50_features -- [ESC50_DIR] [--cache DIR]
//! ```
//!
//! `ESC50_DIR` defaults to `$MYNET_DATA_DIR/esc50`, else `datasets/esc50`. With `--cache`, a
//! second and third pass go through a [`FeatureCache`] in `DIR` (cold: compute and write;
//! warm: read back).

use std::path::PathBuf;
use std::time::Instant;

use data::data_dir_from_env;
use data::esc50::{
    read_wav_into, CacheStatus, Esc50, FeatureCache, LogMel, LogMelConfig, Selection, WavConfig,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut cache_dir) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cache" => cache_dir = Some(PathBuf::from(args.next().ok_or("--cache needs a DIR")?)),
            "-h" | "--help" => {
                println!("usage: esc50_features [ESC50_DIR] [--cache DIR]");
                return Ok(());
            }
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let root = data_dir_from_env(dir.as_deref(), "esc50");
    let set = Esc50::open(&root.path, &Selection::esc10(&[]))?;
    let n = set.clips.len();
    println!(
        "{}: {n} ESC-10 clips ({} missing) [{}]",
        root.path.display(),
        set.missing.len(),
        root.source
    );
    if n == 0 {
        return Ok(());
    }

    let wav_config = WavConfig::default();
    let mut logmel = LogMel::new(LogMelConfig::default())?;
    let mut samples = Vec::new();
    let frames = logmel.num_frames(wav_config.target_len().unwrap_or(0));
    let mut features = vec![0.0f32; frames * logmel.num_bands()];

    // One pass, timing the WAV reads and the feature computation separately.
    let (mut read_s, mut compute_s, mut checksum) = (0.0f64, 0.0f64, 0.0f64);
    for clip in &set.clips {
        let start = Instant::now();
        read_wav_into(&set.audio_path(clip), &wav_config, &mut samples)?;
        let read = Instant::now();
        logmel.compute(&samples, &mut features);
        read_s += (read - start).as_secs_f64();
        compute_s += read.elapsed().as_secs_f64();
        checksum += features.iter().map(|&v| f64::from(v)).sum::<f64>();
    }
    let mean_db = checksum / (n * features.len()) as f64;
    println!(
        "features: {frames} frames x {} bands per clip (mean {mean_db:.3} dB)",
        logmel.num_bands()
    );
    println!(
        "WAV read:          {:8.1} clips/s ({read_s:.3} s)",
        n as f64 / read_s
    );
    println!(
        "log-mel:           {:8.1} clips/s ({compute_s:.3} s)",
        n as f64 / compute_s
    );
    println!(
        "WAV -> log-mel:    {:8.1} clips/s ({:.3} s)",
        n as f64 / (read_s + compute_s),
        read_s + compute_s
    );

    if let Some(cache_dir) = cache_dir {
        let cache = FeatureCache::new(cache_dir)?;
        for pass in ["cache pass 1", "cache pass 2"] {
            let start = Instant::now();
            let mut hits = 0;
            for clip in &set.clips {
                let (_, status) =
                    cache.get_or_compute(&set.audio_path(clip), &wav_config, &mut logmel)?;
                hits += usize::from(status == CacheStatus::Hit);
            }
            let s = start.elapsed().as_secs_f64();
            println!(
                "{pass}:      {:8.1} clips/s ({s:.3} s, {hits} hits) in {}",
                n as f64 / s,
                cache.dir().display()
            );
        }
    }
    Ok(())
}
