//! Downloading the official MNIST and Fashion-MNIST files, verified by MD5.
//!
//! Each file is streamed into a hidden temp file next to its destination
//! (`.<name>.part-<pid>`) while its MD5 is computed; only a verified file is fsynced and renamed
//! into place. A mirror that fails (HTTP error, broken transfer, wrong checksum) is skipped and
//! the next one is tried; when all fail, [`Error::Download`] lists every failure.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use md5::{Digest, Md5};

use crate::atomic::{discard, persist, temp_path};
use crate::error::{Error, FailureReason, MirrorFailure, Result};

/// Largest body accepted from a mirror; the real files are at most a few tens of MB.
const MAX_BODY_BYTES: u64 = 1 << 30;

/// A file to download and its expected MD5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name, appended to a mirror's base URL and used as the local name.
    pub name: &'static str,
    /// Expected MD5 of the file as downloaded, lowercase hex.
    pub md5: &'static str,
}

/// A dataset's files and the mirrors that serve them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteDataset {
    /// Base URLs (ending in `/`), tried in order.
    pub mirrors: &'static [&'static str],
    /// The files, each stored under `mirror + name`.
    pub files: &'static [RemoteFile],
}

/// The official MNIST gzip files.
pub const MNIST: RemoteDataset = RemoteDataset {
    mirrors: &[
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
    files: &[
        RemoteFile {
            name: "train-images-idx3-ubyte.gz",
            md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        },
        RemoteFile {
            name: "train-labels-idx1-ubyte.gz",
            md5: "d53e105ee54ea40749a09fcbcd1e9432",
        },
        RemoteFile {
            name: "t10k-images-idx3-ubyte.gz",
            md5: "9fb629c4189551a2d022fa330f9573f3",
        },
        RemoteFile {
            name: "t10k-labels-idx1-ubyte.gz",
            md5: "ec29112dd5afa0611ce80d1b7f02629c",
        },
    ],
};

/// The official (upstream) Fashion-MNIST gzip files.
pub const FASHION_MNIST: RemoteDataset = RemoteDataset {
    mirrors: &[
        "https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ],
    files: &[
        RemoteFile {
            name: "train-images-idx3-ubyte.gz",
            md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        },
        RemoteFile {
            name: "train-labels-idx1-ubyte.gz",
            md5: "25c81989df183df01b3e8a0aad5dffbe",
        },
        RemoteFile {
            name: "t10k-images-idx3-ubyte.gz",
            md5: "bef4ecab320f06d8554ea6380940ec79",
        },
        RemoteFile {
            name: "t10k-labels-idx1-ubyte.gz",
            md5: "bb300cfdad3c16e7a12a480ee83cd310",
        },
    ],
};

/// Receives progress reports during downloads. The library never prints; a binary implements
/// this, e.g. with a progress bar.
///
/// For every mirror that answers a request, `start` is called once, then `advance` any number
/// of times, then `finish`, whether the transfer then verified or not.
pub trait DownloadProgress {
    /// An attempt at `file` begins; `total_bytes` is the announced size, if any.
    fn start(&mut self, file: &str, total_bytes: Option<u64>);
    /// `bytes` more bytes arrived.
    fn advance(&mut self, bytes: u64);
    /// The attempt at `file` ended.
    fn finish(&mut self, file: &str);
}

/// A [`DownloadProgress`] that ignores every report.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl DownloadProgress for NoProgress {
    fn start(&mut self, _file: &str, _total_bytes: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
    fn finish(&mut self, _file: &str) {}
}

/// Downloads `file` into `dest_dir` (created if needed) from the first mirror that delivers it
/// with the right MD5, and returns its final path `dest_dir/file.name`.
///
/// An existing file of that name is replaced only by a verified download.
///
/// # Errors
/// [`Error::Download`] listing each mirror's failure when none delivered a verified file;
/// [`Error::Io`] when the local directory or temp file cannot be written.
pub fn download_file(
    mirrors: &[&str],
    file: &RemoteFile,
    dest_dir: &Path,
    progress: &mut dyn DownloadProgress,
) -> Result<PathBuf> {
    let dest = dest_dir.join(file.name);
    fs::create_dir_all(dest_dir).map_err(|source| Error::Io {
        path: dest_dir.to_path_buf(),
        source,
    })?;
    let agent = agent();
    let mut attempts = Vec::new();
    for base in mirrors {
        let url = format!("{}/{}", base.trim_end_matches('/'), file.name);
        let outcome = match request(&agent, &url) {
            Err(reason) => Ok(Err(reason)),
            Ok(body) => {
                progress.start(file.name, body.content_length());
                let saved = save_verified(body, file, &dest, progress);
                progress.finish(file.name);
                saved
            }
        };
        match outcome? {
            Ok(()) => return Ok(dest),
            Err(reason) => attempts.push(MirrorFailure { url, reason }),
        }
    }
    Err(Error::Download {
        path: dest,
        attempts,
    })
}

/// Downloads those of `files` that are absent from `dir` (under their name, or their name
/// without `.gz`), trying `mirrors` in order for each. Returns the paths downloaded.
///
/// # Errors
/// As [`download_file`], for the first file that could not be obtained.
pub fn ensure_files(
    mirrors: &[&str],
    files: &[RemoteFile],
    dir: &Path,
    progress: &mut dyn DownloadProgress,
) -> Result<Vec<PathBuf>> {
    let mut fetched = Vec::new();
    for file in files {
        let plain = file.name.strip_suffix(".gz").unwrap_or(file.name);
        if dir.join(file.name).is_file() || dir.join(plain).is_file() {
            continue;
        }
        fetched.push(download_file(mirrors, file, dir, progress)?);
    }
    Ok(fetched)
}

/// Downloads whichever of the four MNIST files are missing from `dir` from the official
/// mirrors. Returns the paths downloaded.
///
/// # Errors
/// As [`download_file`].
pub fn ensure_mnist(dir: &Path, progress: &mut dyn DownloadProgress) -> Result<Vec<PathBuf>> {
    ensure_files(MNIST.mirrors, MNIST.files, dir, progress)
}

/// Downloads whichever of the four Fashion-MNIST files are missing from `dir` from the official
/// mirrors. Returns the paths downloaded.
///
/// # Errors
/// As [`download_file`].
pub fn ensure_fashion_mnist(
    dir: &Path,
    progress: &mut dyn DownloadProgress,
) -> Result<Vec<PathBuf>> {
    ensure_files(FASHION_MNIST.mirrors, FASHION_MNIST.files, dir, progress)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(20)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        // Ask for the bytes as stored: the MD5 is of the gzip file itself.
        .accept_encoding(ureq::config::AutoHeaderValue::None)
        .build()
        .new_agent()
}

/// Sends the request; a failure here means "try the next mirror".
fn request(agent: &ureq::Agent, url: &str) -> Result<ureq::Body, FailureReason> {
    match agent.get(url).call() {
        Ok(response) => Ok(response.into_body()),
        Err(ureq::Error::StatusCode(code)) => Err(FailureReason::Status(code)),
        Err(e) => Err(FailureReason::Transfer(e.to_string())),
    }
}

/// Streams `body` into a temp file, checks its MD5 and renames it onto `dest`. The outer
/// `Result` is a local failure (stop), the inner one a mirror failure (try the next mirror).
/// The temp file never outlives a failed attempt.
fn save_verified(
    body: ureq::Body,
    file: &RemoteFile,
    dest: &Path,
    progress: &mut dyn DownloadProgress,
) -> Result<Result<(), FailureReason>> {
    let mut reader = body.into_with_config().limit(MAX_BODY_BYTES).reader();

    let tmp = temp_path(dest, "part");
    let local_err = |source: io::Error| Error::Io {
        path: tmp.clone(),
        source,
    };
    let mut out = File::create(&tmp).map_err(local_err)?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                drop(out);
                discard(&tmp);
                return Ok(Err(FailureReason::Transfer(e.to_string())));
            }
        };
        hasher.update(&buf[..n]);
        if let Err(e) = out.write_all(&buf[..n]) {
            drop(out);
            discard(&tmp);
            return Err(local_err(e));
        }
        progress.advance(n as u64);
    }
    let actual = hex(&hasher.finalize());
    if !actual.eq_ignore_ascii_case(file.md5) {
        drop(out);
        discard(&tmp);
        return Ok(Err(FailureReason::Checksum {
            expected: file.md5.to_ascii_lowercase(),
            actual,
        }));
    }
    persist(out, &tmp, dest).map(Ok)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
