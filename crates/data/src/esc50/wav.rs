//! Reading WAV files into mono `f32` samples of a fixed length.
//!
//! `hound` parses and validates the header (RIFF/WAVE, `fmt `, `WAVE_FORMAT_EXTENSIBLE`,
//! skipped chunks); the data chunk is then read in 64 KiB blocks and decoded here with the
//! same conventions as hound's sample readers (several times faster than one `hound` call
//! per sample, which had dominated feature extraction).
//!
//! Accepted encodings: integer PCM of 8, 16, 24 (in 3- or 4-byte containers) or 32 bits and
//! 32-bit IEEE float, any number of channels (down-mixed by averaging). Integers are scaled by
//! `1 / 2^(bits-1)`, so 16-bit samples land in `[-1, 1)` exactly as `int16 / 32768`.
//!
//! **No resampling.** A file whose rate differs from [`WavConfig::sample_rate`] is refused with
//! [`Esc50Error::SampleRateMismatch`] naming the file and both rates. Every ESC-50 clip is
//! 44.1 kHz, so a resampler (and its dependencies) would only serve other data, where silently
//! changing the signal is worse than a clear error; resample such files once, offline.
//!
//! **Bounded allocation.** The data-chunk size in the header is checked against the file's
//! length before anything is allocated, and the output holds at most the configured number
//! of samples (or, with no configured duration, what the file can actually hold).

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use hound::SampleFormat;

use super::error::{Esc50Error, Result};
use super::pcm::Encoding;

/// How [`read_wav`] shapes the signal it returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WavConfig {
    /// Required sample rate in Hz; other rates are an error (no resampling). Default 44,100.
    pub sample_rate: u32,
    /// Length to crop or zero-pad to, in seconds; `None` keeps the file's length.
    /// Default `Some(5.0)` (an ESC-50 clip).
    pub duration_s: Option<f64>,
}

impl Default for WavConfig {
    fn default() -> Self {
        WavConfig {
            sample_rate: 44_100,
            duration_s: Some(5.0),
        }
    }
}

impl WavConfig {
    /// The configured length in samples, `round(duration_s * sample_rate)`, if any.
    pub fn target_len(&self) -> Option<usize> {
        self.duration_s
            .map(|d| (d * f64::from(self.sample_rate)).round().max(0.0) as usize)
    }
}

/// What [`read_wav_into`] found in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    /// Channels in the file (the output is their average).
    pub channels: u16,
    /// Bits per sample (valid bits for WAVE_FORMAT_EXTENSIBLE).
    pub bits_per_sample: u16,
    /// Whether samples are IEEE float (else integer PCM).
    pub float: bool,
    /// Samples per channel in the file, before cropping or padding.
    pub frames_in_file: usize,
}

/// Reads `path` as mono `f32` samples at `config.sample_rate`, cropped or zero-padded to
/// `config.duration_s`.
///
/// # Errors
/// As [`read_wav_into`].
pub fn read_wav(path: &Path, config: &WavConfig) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    read_wav_into(path, config, &mut out)?;
    Ok(out)
}

/// As [`read_wav`], into a caller's buffer (cleared first, its capacity reused).
///
/// # Errors
/// [`Esc50Error::Io`]; [`Esc50Error::WavEmpty`] for a zero-byte file or one with no samples;
/// [`Esc50Error::WavMalformed`] for a broken header; [`Esc50Error::WavUnsupported`] for
/// encodings other than those listed in the module docs; [`Esc50Error::SampleRateMismatch`];
/// [`Esc50Error::WavTruncated`] when the data chunk claims more bytes than the file holds.
pub fn read_wav_into(path: &Path, config: &WavConfig, out: &mut Vec<f32>) -> Result<WavInfo> {
    let io_err = |source| Esc50Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len();
    if file_len == 0 {
        return Err(Esc50Error::WavEmpty {
            path: path.to_path_buf(),
        });
    }
    let pos = Cell::new(0u64);
    let counting = Counting {
        inner: BufReader::new(file),
        pos: &pos,
    };
    // hound reports running out of bytes as `ErrorKind::Other`, so "at end of file" is judged
    // from the position reached.
    let at_eof = || pos.get() >= file_len;
    let reader = hound::WavReader::new(counting).map_err(|e| hound_error(path, e, at_eof()))?;
    let spec = reader.spec();
    let (float, bits) = (
        spec.sample_format == SampleFormat::Float,
        spec.bits_per_sample,
    );
    if spec.sample_rate != config.sample_rate {
        return Err(Esc50Error::SampleRateMismatch {
            path: path.to_path_buf(),
            found: spec.sample_rate,
            expected: config.sample_rate,
        });
    }
    let total = u64::from(reader.len());
    if total == 0 {
        return Err(Esc50Error::WavEmpty {
            path: path.to_path_buf(),
        });
    }
    // hound stops right after the data chunk's 8-byte header and has checked that the chunk
    // size is a whole number of samples; read that size back for the container width.
    let data_offset = pos.get();
    let mut data = reader.into_inner().inner;
    let mut len_field = [0u8; 4];
    data.seek(SeekFrom::Start(data_offset - 4))
        .and_then(|_| data.read_exact(&mut len_field))
        .map_err(io_err)?;
    let claimed_bytes = u64::from(u32::from_le_bytes(len_field));
    let width = (claimed_bytes / total) as usize;
    let Some(encoding) = Encoding::new(float, width, bits) else {
        let kind = if float { "IEEE float" } else { "integer PCM" };
        return Err(Esc50Error::WavUnsupported {
            path: path.to_path_buf(),
            reason: format!(
                "{bits}-bit {kind} in {width}-byte containers (supported: 8/16/24/32-bit \
                 integer, 32-bit float)"
            ),
        });
    };
    let available_bytes = file_len.saturating_sub(data_offset);
    if claimed_bytes > available_bytes {
        return Err(Esc50Error::WavTruncated {
            path: path.to_path_buf(),
            data_offset,
            claimed_bytes,
            available_bytes,
        });
    }
    let channels = usize::from(spec.channels);
    let frames_in_file = (total / u64::from(spec.channels)) as usize;
    let len = config.target_len().unwrap_or(frames_in_file);
    out.clear();
    out.resize(len, 0.0);
    let block = channels * width;
    let chunk_frames = (CHUNK_BYTES / block).max(1);
    let mut buf = vec![0u8; chunk_frames.min(len.max(1)) * block];
    let read = frames_in_file.min(len);
    for dest in out[..read].chunks_mut(chunk_frames) {
        let bytes = &mut buf[..dest.len() * block];
        data.read_exact(bytes).map_err(|e| match e.kind() {
            // The length check above makes this rare: the file shrank while being read.
            io::ErrorKind::UnexpectedEof => Esc50Error::WavTruncated {
                path: path.to_path_buf(),
                data_offset,
                claimed_bytes,
                available_bytes,
            },
            _ => io_err(e),
        })?;
        encoding.decode(bytes, dest, channels);
    }
    Ok(WavInfo {
        channels: spec.channels,
        bits_per_sample: bits,
        float,
        frames_in_file,
    })
}

/// Bytes decoded per read: the data is read in chunks of about this size.
const CHUNK_BYTES: usize = 1 << 16;

/// A hound error met while reading the header, as an [`Esc50Error`] naming `path`.
fn hound_error(path: &Path, e: hound::Error, at_eof: bool) -> Esc50Error {
    let path = path.to_path_buf();
    match e {
        hound::Error::IoError(e) if at_eof || e.kind() == io::ErrorKind::UnexpectedEof => {
            Esc50Error::WavMalformed {
                path,
                reason: "the file ends inside the WAV header".into(),
            }
        }
        hound::Error::IoError(source) => Esc50Error::Io { path, source },
        hound::Error::FormatError(reason) => Esc50Error::WavMalformed {
            path,
            reason: reason.into(),
        },
        hound::Error::Unsupported | hound::Error::TooWide => Esc50Error::WavUnsupported {
            path,
            reason: format!(
                "{e} (supported: 8/16/24/32-bit integer PCM, 32-bit float, any channel count)"
            ),
        },
        e => Esc50Error::WavMalformed {
            path,
            reason: e.to_string(),
        },
    }
}

/// A reader that counts the bytes read through it, to learn where the data chunk starts.
struct Counting<'a, R> {
    inner: R,
    pos: &'a Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }
}
