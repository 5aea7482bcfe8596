//! ESC-50 metadata: `meta/esc50.csv`, one row per clip.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::dataset::esc10_label;
use super::error::{Esc50Error, Result};

/// Number of ESC-50 classes (targets 0..50).
pub const ESC50_CLASSES: usize = 50;
/// Number of ESC-50 cross-validation folds (numbered 1..=5).
pub const ESC50_FOLDS: u8 = 5;
/// The columns [`Metadata::load`] requires, by header name (their order does not matter).
pub const REQUIRED_COLUMNS: [&str; 7] = [
    "filename", "fold", "target", "category", "esc10", "src_file", "take",
];

/// One row of the metadata: an audio clip and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    /// File name inside `audio/`, e.g. `1-100032-A-0.wav` (never contains a path separator).
    pub filename: String,
    /// Cross-validation fold, 1..=5.
    pub fold: u8,
    /// ESC-50 class index, 0..50.
    pub target: u8,
    /// Class name, e.g. `dog`.
    pub category: String,
    /// Whether the clip belongs to the ESC-10 subset.
    pub esc10: bool,
    /// Freesound id of the source recording.
    pub src_file: String,
    /// Which take of the source recording (`A`, `B`, ...).
    pub take: String,
}

/// The parsed metadata file: all clips in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The CSV file that was read.
    pub path: PathBuf,
    /// Every row, in file order.
    pub clips: Vec<Clip>,
}

impl Metadata {
    /// Reads an ESC-50 metadata CSV (e.g. `esc50/meta/esc50.csv`).
    ///
    /// Columns are found by header name, so extra columns and any order are accepted. Line
    /// endings may be CRLF or LF, fields are trimmed. Checked per row: `fold` in 1..=5, `target`
    /// in 0..50, `esc10` `True`/`False` (any case), `filename` a plain, non-empty, unique file
    /// name (no `/`, `\` or `..`, so a hostile CSV cannot point outside `audio/`), and `esc10`
    /// True only for the ten ESC-10 targets ([`super::ESC10_TARGETS`]).
    ///
    /// # Errors
    /// [`Esc50Error::Io`] / [`Esc50Error::Csv`] if the file cannot be read,
    /// [`Esc50Error::MissingColumn`], [`Esc50Error::BadField`] (with line and column),
    /// [`Esc50Error::EmptyMetadata`] if there is no row.
    pub fn load(path: &Path) -> Result<Metadata> {
        let csv_err = |line: Option<u64>, source: csv::Error| {
            if source.is_io_error() {
                if let csv::ErrorKind::Io(source) = source.into_kind() {
                    return Esc50Error::Io {
                        path: path.to_path_buf(),
                        source,
                    };
                }
                unreachable!("is_io_error() implies ErrorKind::Io");
            }
            Esc50Error::Csv {
                path: path.to_path_buf(),
                line,
                source,
            }
        };
        // Read whole (the official file is 100 kB) so that line numbers can be counted from
        // byte offsets: the csv crate's own line count is off by one with CRLF endings.
        let bytes = std::fs::read(path).map_err(|source| Esc50Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut lines = LineCounter::new(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(&bytes[..]);
        let headers = reader.headers().map_err(|e| csv_err(Some(1), e))?.clone();
        let mut index = [0usize; 7];
        for (slot, column) in index.iter_mut().zip(REQUIRED_COLUMNS) {
            *slot = headers.iter().position(|h| h == column).ok_or_else(|| {
                Esc50Error::MissingColumn {
                    path: path.to_path_buf(),
                    column,
                    found: headers.iter().map(str::to_string).collect(),
                }
            })?;
        }
        let mut clips = Vec::new();
        let mut seen = HashSet::new();
        let mut record = csv::StringRecord::new();
        loop {
            let more = reader
                .read_record(&mut record)
                .map_err(|e| csv_err(e.position().map(|p| lines.line_at(p.byte())), e))?;
            if !more {
                break;
            }
            let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
            let field = |i: usize| record.get(index[i]).unwrap_or("");
            let bad = |i: usize, reason: &'static str| Esc50Error::BadField {
                path: path.to_path_buf(),
                line,
                column: REQUIRED_COLUMNS[i],
                value: field(i).to_string(),
                reason,
            };
            let filename = field(0);
            if filename.is_empty()
                || filename == "."
                || filename == ".."
                || filename.contains(['/', '\\'])
            {
                return Err(bad(0, "expected a plain file name"));
            }
            if !seen.insert(filename.to_string()) {
                return Err(bad(0, "duplicate file name"));
            }
            let fold = field(1)
                .parse::<u8>()
                .ok()
                .filter(|f| (1..=ESC50_FOLDS).contains(f))
                .ok_or_else(|| bad(1, "expected a fold 1..=5"))?;
            let target = field(2)
                .parse::<u8>()
                .ok()
                .filter(|&t| usize::from(t) < ESC50_CLASSES)
                .ok_or_else(|| bad(2, "expected a class index 0..50"))?;
            let esc10 = match field(4).to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad(4, "expected True or False")),
            };
            if esc10 && esc10_label(target).is_none() {
                return Err(bad(
                    4,
                    "True, but the target is not one of the ESC-10 classes",
                ));
            }
            clips.push(Clip {
                filename: filename.to_string(),
                fold,
                target,
                category: field(3).to_string(),
                esc10,
                src_file: field(5).to_string(),
                take: field(6).to_string(),
            });
        }
        if clips.is_empty() {
            return Err(Esc50Error::EmptyMetadata {
                path: path.to_path_buf(),
            });
        }
        Ok(Metadata {
            path: path.to_path_buf(),
            clips,
        })
    }

    /// The clips of the ESC-10 subset, in file order.
    pub fn esc10(&self) -> impl Iterator<Item = &Clip> {
        self.clips.iter().filter(|c| c.esc10)
    }
}

/// 1-based line numbers of byte offsets, counted incrementally for increasing offsets.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line holding byte `offset`: 1 + the number of `\n` before it. With CRLF endings the
    /// csv crate reports a record as starting at the `\n` ending the previous line, so an
    /// offset on a `\n` counts as the start of the next line.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut offset = (offset as usize).min(self.bytes.len());
        if self.bytes.get(offset) == Some(&b'\n') {
            offset += 1;
        }
        if offset < self.offset {
            *self = LineCounter::new(self.bytes);
        }
        let newlines = self.bytes[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.offset = offset;
        self.line
    }
}
