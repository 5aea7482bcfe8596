//! Shared by the fuzz targets: the public readers take paths, so each input is written to a
//! scratch file (in RAM under /dev/shm when it exists) and read back through the real API.

use std::path::{Path, PathBuf};

/// A scratch file for this process, named after the target (one fuzzing process per target).
pub fn scratch(target: &str) -> PathBuf {
    let dir = Path::new("/dev/shm");
    let dir = if dir.is_dir() {
        dir.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("mynet-fuzz-{target}-{}", std::process::id()))
}

/// Writes `bytes` to `path`, replacing what was there.
pub fn put(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("the scratch file is writable");
}

/// The message a binary prints for `err`: the whole chain, as anyhow's `{:#}` does.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut msg = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// The contract every reader error keeps: it names the file and fits on one line.
pub fn check_error(err: &dyn std::error::Error, path: &Path) {
    let msg = chain(err);
    assert!(
        msg.contains(&path.display().to_string()),
        "error does not name the file: {msg}"
    );
    assert!(
        !msg.contains('\n'),
        "error message is not one line: {msg:?}"
    );
}
