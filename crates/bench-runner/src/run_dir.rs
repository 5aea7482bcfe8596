//! A run directory `<out>/<name>-<UTC timestamp>/` and the atomic writes into it.

use anyhow::Context as _;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A freshly created, uniquely named folder for one run's outputs.
#[derive(Debug, Clone)]
pub struct RunDir {
    path: PathBuf,
}

/// `YYYYMMDD-HHMMSS` in UTC for seconds since the Unix epoch (civil-from-days, proleptic
/// Gregorian).
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl RunDir {
    /// Creates `<out>/<name>-<timestamp>` (with `-2`, `-3`, … appended if taken).
    pub fn create(out: &Path, name: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let base = format!("{name}-{}", utc_stamp(secs));
        for attempt in 1.. {
            let dir = if attempt == 1 {
                out.join(&base)
            } else {
                out.join(format!("{base}-{attempt}"))
            };
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Self { path: dir }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
            }
        }
        unreachable!("the loop returns")
    }

    /// An existing run directory (to resume a run in it).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            anyhow::bail!("{}: not a run directory", dir.display());
        }
        Ok(Self {
            path: dir.to_path_buf(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `file` inside the folder.
    pub fn file(&self, file: &str) -> PathBuf {
        self.path.join(file)
    }

    /// Writes `value` as pretty JSON into `file`, atomically.
    pub fn write_json<T: Serialize>(&self, file: &str, value: &T) -> anyhow::Result<()> {
        let path = self.file(file);
        let json = serde_json::to_vec_pretty(value)
            .with_context(|| format!("serialising {}", path.display()))?;
        nn::persist::write_atomic(&path, &json)?;
        Ok(())
    }

    /// Writes rows as CSV into `file`, atomically (the whole file is rewritten each call, so a
    /// run interrupted between epochs keeps every finished row).
    pub fn write_csv<T: Serialize>(&self, file: &str, rows: &[T]) -> anyhow::Result<()> {
        let path = self.file(file);
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in rows {
            w.serialize(row)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        nn::persist::write_atomic(&path, &bytes)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::utc_stamp;

    #[test]
    fn stamps_known_instants() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
        // Checked with Python: datetime.utcfromtimestamp(1795000000).
        assert_eq!(utc_stamp(1_795_000_000), "20261118-110640");
    }
}
