//! An on-disk cache of log-mel features, one file per clip and parameter set.
//!
//! The key is a 64-bit FNV-1a hash of: a format version, the WAV file's name, size and
//! modification time, the [`WavConfig`] and every [`LogMelConfig`] field. The cache file is
//! `<wav name>.<key as 16 hex digits>.logmel` in the cache directory, so a changed clip or
//! parameter gives a new file (old ones are never deleted). Touching a WAV (new mtime) forces
//! a recompute; the content itself is not hashed, to keep lookups cheap.
//!
//! File layout (little-endian): magic `MYNETLM1`, key `u64`, frames `u32`, bands `u32`,
//! `frames·bands` `f32` values, then an FNV-1a `u64` of all preceding bytes. Files are written
//! atomically (temp file in the same directory, fsync, rename). A file that is short, long,
//! of another key or with a bad checksum is treated as absent and rewritten.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use super::error::{Esc50Error, Result};
use super::features::{FeatureMatrix, LogMel, LogMelConfig};
use super::wav::{read_wav, WavConfig};
use crate::atomic::{discard, persist, temp_path};

const MAGIC: &[u8; 8] = b"MYNETLM1";
const HEADER_LEN: usize = 8 + 8 + 4 + 4;
const CHECKSUM_LEN: usize = 8;
/// Bumped whenever the computation or the file layout changes, to invalidate old entries.
const CACHE_VERSION: u64 = 1;

/// 64-bit FNV-1a: a small stable hash (same value on every platform and Rust version).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv64(u64);

impl Fnv64 {
    pub(crate) fn new() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(crate) fn write_u64(&mut self, v: u64) {
        self.write(&v.to_le_bytes());
    }

    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// Where a feature matrix returned by [`FeatureCache::get_or_compute`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Read from a valid cache file.
    Hit,
    /// No cache file: computed and written.
    Computed,
    /// The cache file was corrupt: computed and rewritten.
    Rewritten,
}

/// A directory of cached feature matrices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureCache {
    dir: PathBuf,
}

impl FeatureCache {
    /// A cache in `dir`, created if absent.
    ///
    /// # Errors
    /// [`Esc50Error::Io`] if the directory cannot be created.
    pub fn new(dir: impl Into<PathBuf>) -> Result<FeatureCache> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| Esc50Error::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(FeatureCache { dir })
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file for `wav` under these parameters (whether or not it exists).
    ///
    /// # Errors
    /// [`Esc50Error::Io`] if `wav` cannot be inspected.
    pub fn path_for(
        &self,
        wav: &Path,
        wav_config: &WavConfig,
        config: &LogMelConfig,
    ) -> Result<PathBuf> {
        let (name, key) = cache_key(wav, wav_config, config)?;
        Ok(self.dir.join(format!("{name}.{key:016x}.logmel")))
    }

    /// The log-mel features of `wav`: read from the cache when a valid entry exists, else
    /// computed with `extractor` and written to the cache.
    ///
    /// # Errors
    /// [`Esc50Error::InvalidConfig`] if `wav_config` and the extractor disagree on the sample
    /// rate, any error of [`read_wav`], [`Esc50Error::Io`] / [`Esc50Error::Data`] if the cache
    /// file cannot be written. A corrupt cache file is not an error.
    pub fn get_or_compute(
        &self,
        wav: &Path,
        wav_config: &WavConfig,
        extractor: &mut LogMel,
    ) -> Result<(FeatureMatrix, CacheStatus)> {
        if wav_config.sample_rate != extractor.config().sample_rate {
            return Err(Esc50Error::InvalidConfig {
                reason: format!(
                    "the WAV config reads {} Hz but the log-mel config expects {} Hz",
                    wav_config.sample_rate,
                    extractor.config().sample_rate
                ),
            });
        }
        let (name, key) = cache_key(wav, wav_config, extractor.config())?;
        let path = self.dir.join(format!("{name}.{key:016x}.logmel"));
        let status = match load(&path, key) {
            Ok(features) => return Ok((features, CacheStatus::Hit)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => CacheStatus::Computed,
            Err(_) => CacheStatus::Rewritten,
        };
        let samples = read_wav(wav, wav_config)?;
        let features = extractor.compute_matrix(&samples);
        store(&path, key, &features)?;
        Ok((features, status))
    }
}

/// The sanitised file name of `wav` and the cache key.
fn cache_key(wav: &Path, wav_config: &WavConfig, config: &LogMelConfig) -> Result<(String, u64)> {
    let meta = fs::metadata(wav).map_err(|source| Esc50Error::Io {
        path: wav.to_path_buf(),
        source,
    })?;
    let name: String = wav
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    let mut h = Fnv64::new();
    h.write(b"mynet-esc50-logmel");
    h.write_u64(CACHE_VERSION);
    let raw_name = wav
        .file_name()
        .map(|n| n.as_encoded_bytes())
        .unwrap_or_default();
    h.write_u64(raw_name.len() as u64);
    h.write(raw_name);
    h.write_u64(meta.len());
    h.write_u64(mtime.as_secs());
    h.write_u64(u64::from(mtime.subsec_nanos()));
    h.write_u64(u64::from(wav_config.sample_rate));
    h.write_u64(wav_config.duration_s.map_or(u64::MAX, f64::to_bits));
    config.hash_into(&mut h);
    Ok((name, h.finish()))
}

/// Reads a cache file; any inconsistency is an `InvalidData` I/O error.
fn load(path: &Path, key: u64) -> io::Result<FeatureMatrix> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut header = [0u8; HEADER_LEN];
    file.read_exact(&mut header)?;
    let u32_at = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().unwrap());
    if &header[..8] != MAGIC || u64::from_le_bytes(header[8..16].try_into().unwrap()) != key {
        return Err(invalid("bad magic or key"));
    }
    let (frames, bands) = (u32_at(16) as usize, u32_at(20) as usize);
    let values = frames
        .checked_mul(bands)
        .ok_or_else(|| invalid("size overflows"))?;
    let expected = values as u64 * 4 + (HEADER_LEN + CHECKSUM_LEN) as u64;
    if len != expected {
        return Err(invalid("length does not match the header"));
    }
    let mut bytes = header.to_vec();
    bytes.resize(expected as usize, 0);
    file.read_exact(&mut bytes[HEADER_LEN..])?;
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    let mut h = Fnv64::new();
    h.write(body);
    if h.finish().to_le_bytes() != checksum {
        return Err(invalid("bad checksum"));
    }
    let data = body[HEADER_LEN..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    Ok(FeatureMatrix {
        frames,
        bands,
        data,
    })
}

/// Writes a cache file atomically.
fn store(path: &Path, key: u64, features: &FeatureMatrix) -> Result<()> {
    let too_big = || Esc50Error::InvalidConfig {
        reason: format!("{}: feature matrix too large to cache", path.display()),
    };
    let frames = u32::try_from(features.frames).map_err(|_| too_big())?;
    let bands = u32::try_from(features.bands).map_err(|_| too_big())?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + 4 * features.data.len() + CHECKSUM_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&key.to_le_bytes());
    bytes.extend_from_slice(&frames.to_le_bytes());
    bytes.extend_from_slice(&bands.to_le_bytes());
    for v in &features.data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let mut h = Fnv64::new();
    h.write(&bytes);
    bytes.extend_from_slice(&h.finish().to_le_bytes());

    // A per-call counter keeps concurrent writers in one process off each other's temp file.
    static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);
    let tag = format!("tmp{}", NEXT_TEMP.fetch_add(1, Ordering::Relaxed));
    let tmp = temp_path(path, &tag);
    let io_err = |source| Esc50Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::create(&tmp).map_err(io_err)?;
    if let Err(e) = file.write_all(&bytes) {
        drop(file);
        discard(&tmp);
        return Err(io_err(e));
    }
    persist(file, &tmp, path)?;
    Ok(())
}
