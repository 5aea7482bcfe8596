//! Writing a file atomically: a temp file in the same directory, fsync, then rename.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The hidden temp path used while `dest` is being written: `.<name>.<tag>-<pid>` in the
/// same directory, so the final rename never crosses a file system.
pub(crate) fn temp_path(dest: &Path, tag: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Removes a temp file left by a failed write, ignoring "not found".
pub(crate) fn discard(tmp: &Path) {
    let _ = fs::remove_file(tmp);
}

/// Flushes `file` to disk and renames `tmp` onto `dest`; removes `tmp` on failure.
pub(crate) fn persist(file: File, tmp: &Path, dest: &Path) -> Result<()> {
    let synced = file.sync_all();
    drop(file);
    let done = synced.and_then(|()| fs::rename(tmp, dest));
    done.map_err(|source| {
        discard(tmp);
        Error::Io {
            path: dest.to_path_buf(),
            source,
        }
    })
}

/// Writes `chunks` one after another into `dest` atomically.
pub(crate) fn write_atomic(dest: &Path, chunks: &[&[u8]]) -> Result<()> {
    let tmp = temp_path(dest, "tmp");
    let io_err = |source: io::Error| Error::Io {
        path: dest.to_path_buf(),
        source,
    };
    let mut file = File::create(&tmp).map_err(io_err)?;
    for chunk in chunks {
        if let Err(e) = file.write_all(chunk) {
            drop(file);
            discard(&tmp);
            return Err(io_err(e));
        }
    }
    persist(file, &tmp, dest)
}
