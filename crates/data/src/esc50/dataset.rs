//! An ESC-50 directory (`audio/`, `meta/esc50.csv`) and a selection of its clips.

use std::path::{Path, PathBuf};

use super::error::{Esc50Error, Result};
use super::meta::{Clip, Metadata, ESC50_FOLDS};

/// Path of the metadata file inside an ESC-50 root.
pub const METADATA_FILE: &str = "meta/esc50.csv";
/// Directory of the audio files inside an ESC-50 root.
pub const AUDIO_DIR: &str = "audio";
/// The ESC-50 targets of the ten ESC-10 classes, ascending; an ESC-10 label is the index of
/// its target in this list (see [`esc10_label`]).
pub const ESC10_TARGETS: [u8; 10] = [0, 1, 10, 11, 12, 20, 21, 38, 40, 41];
/// How many missing file names [`Esc50Error::MissingAudio`] lists.
const MISSING_SHOWN: usize = 5;

/// The ESC-10 label 0..10 of an ESC-50 target, or `None` if the class is not in ESC-10.
///
/// ```
/// assert_eq!(data::esc50::esc10_label(0), Some(0)); // dog
/// assert_eq!(data::esc50::esc10_label(41), Some(9)); // chainsaw
/// assert_eq!(data::esc50::esc10_label(2), None); // pig
/// ```
pub fn esc10_label(target: u8) -> Option<u8> {
    ESC10_TARGETS
        .iter()
        .position(|&t| t == target)
        .map(|i| i as u8)
}

/// Which clips [`Esc50::open`] keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Folds to keep, each in 1..=5; empty keeps all five.
    pub folds: Vec<u8>,
    /// Keep only the ESC-10 subset (`esc10 == True`); absent files are then skipped, not an
    /// error.
    pub esc10_only: bool,
    /// Skip selected clips whose audio file is absent instead of failing.
    pub allow_missing: bool,
}

impl Default for Selection {
    /// All five folds, all 50 classes, missing files are an error.
    fn default() -> Self {
        Selection {
            folds: Vec::new(),
            esc10_only: false,
            allow_missing: false,
        }
    }
}

impl Selection {
    /// The ESC-10 subset of the given folds (empty: all folds).
    pub fn esc10(folds: &[u8]) -> Selection {
        Selection {
            folds: folds.to_vec(),
            esc10_only: true,
            allow_missing: false,
        }
    }

    /// Whether `clip` is selected (ignoring whether its file exists).
    pub fn keeps(&self, clip: &Clip) -> bool {
        (self.folds.is_empty() || self.folds.contains(&clip.fold))
            && (clip.esc10 || !self.esc10_only)
    }
}

/// The selected clips of an ESC-50 directory whose audio files exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Esc50 {
    /// The root directory (holding `audio/` and `meta/`).
    pub root: PathBuf,
    /// The selected clips present on disk, in metadata order.
    pub clips: Vec<Clip>,
    /// File names of selected clips that are absent (skipped), in metadata order.
    pub missing: Vec<String>,
    /// Whether the selection was ESC-10 only (labels are then 0..10, see [`Esc50::label`]).
    pub esc10_only: bool,
}

impl Esc50 {
    /// Reads `root/meta/esc50.csv`, keeps the clips `selection` asks for and checks that their
    /// files exist in `root/audio/`.
    ///
    /// Absent files are skipped, and listed in [`Esc50::missing`], when the selection is
    /// ESC-10 only or `allow_missing` is set; otherwise they are an error.
    ///
    /// # Errors
    /// [`Esc50Error::BadFold`] for a fold outside 1..=5, any error of [`Metadata::load`],
    /// [`Esc50Error::MissingAudio`] (count and first few names) for absent files.
    pub fn open(root: &Path, selection: &Selection) -> Result<Esc50> {
        if let Some(&fold) = selection
            .folds
            .iter()
            .find(|f| !(1..=ESC50_FOLDS).contains(f))
        {
            return Err(Esc50Error::BadFold { fold });
        }
        let meta = Metadata::load(&root.join(METADATA_FILE))?;
        let audio = root.join(AUDIO_DIR);
        let (mut clips, mut missing) = (Vec::new(), Vec::new());
        for clip in meta.clips.into_iter().filter(|c| selection.keeps(c)) {
            if audio.join(&clip.filename).is_file() {
                clips.push(clip);
            } else {
                missing.push(clip.filename);
            }
        }
        if !missing.is_empty() && !selection.esc10_only && !selection.allow_missing {
            return Err(Esc50Error::MissingAudio {
                dir: audio,
                count: missing.len(),
                selected: clips.len() + missing.len(),
                first: missing.into_iter().take(MISSING_SHOWN).collect(),
            });
        }
        Ok(Esc50 {
            root: root.to_path_buf(),
            clips,
            missing,
            esc10_only: selection.esc10_only,
        })
    }

    /// The path of a clip's audio file.
    pub fn audio_path(&self, clip: &Clip) -> PathBuf {
        self.root.join(AUDIO_DIR).join(&clip.filename)
    }

    /// Number of classes of the labels [`Esc50::label`] returns: 10 for an ESC-10 selection,
    /// else 50.
    pub fn num_classes(&self) -> usize {
        if self.esc10_only {
            ESC10_TARGETS.len()
        } else {
            super::meta::ESC50_CLASSES
        }
    }

    /// A clip's class label: its ESC-10 label (0..10) for an ESC-10 selection, else its ESC-50
    /// target (0..50).
    pub fn label(&self, clip: &Clip) -> u8 {
        if self.esc10_only {
            // Metadata::load checked that every esc10 clip has an ESC-10 target.
            esc10_label(clip.target).unwrap_or(u8::MAX)
        } else {
            clip.target
        }
    }

    /// The clips of one fold, e.g. for leave-one-fold-out cross-validation.
    pub fn fold(&self, fold: u8) -> impl Iterator<Item = &Clip> {
        self.clips.iter().filter(move |c| c.fold == fold)
    }
}
