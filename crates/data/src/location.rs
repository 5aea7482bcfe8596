//! Where the data files are: a `--data-dir` flag, the `MYNET_DATA_DIR` root, or a default.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable naming the root folder that holds `mnist/`, `fashion-mnist/`, `esc50/`.
pub const DATA_DIR_ENV: &str = "MYNET_DATA_DIR";

/// Default root folder (relative to the working directory) when neither flag nor variable is
/// given.
pub const DEFAULT_DATA_ROOT: &str = "datasets";

/// Which rule chose a [`DataDir`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDirSource {
    /// An explicit directory, e.g. a `--data-dir` flag.
    Flag,
    /// `$MYNET_DATA_DIR/<subdir>`.
    Env,
    /// `<default root>/<subdir>`.
    Default,
}

impl fmt::Display for DataDirSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataDirSource::Flag => "--data-dir",
            DataDirSource::Env => "$MYNET_DATA_DIR",
            DataDirSource::Default => "default",
        })
    }
}

/// A resolved dataset directory and the rule that chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// The directory holding the dataset's files.
    pub path: PathBuf,
    /// Which rule chose it.
    pub source: DataDirSource,
}

/// Chooses a dataset directory, without looking at the file system or the environment.
///
/// - `explicit` (the folder holding the files, e.g. from `--data-dir`) wins;
/// - else `env_root/subdir`, when `env_root` (the value of `MYNET_DATA_DIR`) is non-empty;
/// - else `default_root/subdir`.
///
/// ```
/// use std::{ffi::OsStr, path::Path};
/// use data::{resolve_data_dir, DataDirSource};
///
/// let d = resolve_data_dir(None, Some(OsStr::new("/srv/data")), Path::new("datasets"), "mnist");
/// assert_eq!(d.path, Path::new("/srv/data/mnist"));
/// assert_eq!(d.source, DataDirSource::Env);
/// ```
pub fn resolve_data_dir(
    explicit: Option<&Path>,
    env_root: Option<&OsStr>,
    default_root: &Path,
    subdir: &str,
) -> DataDir {
    if let Some(dir) = explicit {
        return DataDir {
            path: dir.to_path_buf(),
            source: DataDirSource::Flag,
        };
    }
    match env_root.filter(|root| !root.is_empty()) {
        Some(root) => DataDir {
            path: Path::new(root).join(subdir),
            source: DataDirSource::Env,
        },
        None => DataDir {
            path: default_root.join(subdir),
            source: DataDirSource::Default,
        },
    }
}

/// [`resolve_data_dir`] with the root read from the `MYNET_DATA_DIR` environment variable and
/// the default root [`DEFAULT_DATA_ROOT`].
pub fn data_dir_from_env(explicit: Option<&Path>, subdir: &str) -> DataDir {
    let env_root = std::env::var_os(DATA_DIR_ENV);
    resolve_data_dir(
        explicit,
        env_root.as_deref(),
        Path::new(DEFAULT_DATA_ROOT),
        subdir,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "datasets";

    #[test]
    fn explicit_dir_wins_over_env_and_default() {
        let d = resolve_data_dir(
            Some(Path::new("/x/mine")),
            Some(OsStr::new("/env")),
            Path::new(DEFAULT),
            "mnist",
        );
        assert_eq!(d.path, Path::new("/x/mine"));
        assert_eq!(d.source, DataDirSource::Flag);
    }

    #[test]
    fn env_root_gets_the_subdir() {
        let d = resolve_data_dir(None, Some(OsStr::new("/env")), Path::new(DEFAULT), "esc50");
        assert_eq!(d.path, Path::new("/env/esc50"));
        assert_eq!(d.source, DataDirSource::Env);
    }

    #[test]
    fn empty_or_absent_env_falls_back_to_default() {
        for env in [None, Some(OsStr::new(""))] {
            let d = resolve_data_dir(None, env, Path::new(DEFAULT), "fashion-mnist");
            assert_eq!(d.path, Path::new("datasets/fashion-mnist"));
            assert_eq!(d.source, DataDirSource::Default);
        }
    }
}
