//! Checkpoints: the whole training state in one file, written atomically (temporary file,
//! `fsync`, rename), so a run can stop anywhere — between batches, on Ctrl-C, or killed while
//! writing — and resume to bit-identical weights.
//!
//! A checkpoint holds the model (in the [`crate::persist`] JSON layout), the optimizer's state,
//! the schedule's state, the trainer's state (RNG positions, and for an interrupted epoch its
//! sample order and batch position), the number of completed epochs and a free-form `extra`
//! object for the caller (e.g. the metrics rows so far).

use crate::optim::{Optimizer, OptimizerState};
use crate::persist::{model_from_json, model_to_json, write_atomic};
use crate::schedule::{Schedule, ScheduleState};
use crate::{Error, Model, Result, Trainer, TrainerState};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` tag of checkpoint files.
pub const FORMAT: &str = "mynet-checkpoint";
/// The version written by this build; loading accepts only this version.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct CheckpointFile {
    format: String,
    version: u32,
    completed_epochs: usize,
    model: serde_json::Value,
    optimizer: Option<OptimizerState>,
    schedule: Option<ScheduleState>,
    trainer: TrainerState,
    #[serde(default)]
    extra: serde_json::Value,
}

/// A checkpoint read back by [`load`].
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The file it was read from.
    pub path: PathBuf,
    /// The model's parameters (and dropout settings).
    pub model: Model,
    /// The optimizer's state, if it has one.
    pub optimizer: Option<OptimizerState>,
    /// The schedule's state, if it has one.
    pub schedule: Option<ScheduleState>,
    /// The trainer's state.
    pub trainer: TrainerState,
    /// Epochs finished before the checkpoint (an interrupted epoch is not counted).
    pub completed_epochs: usize,
    /// What the caller stored beside it.
    pub extra: serde_json::Value,
}

impl Checkpoint {
    /// Puts the saved state into freshly built training objects (built with the same
    /// configuration as the original run) and returns the model.
    ///
    /// # Errors
    /// [`Error::ModelFile`] naming the checkpoint when its model is not the architecture the
    /// trainer was built for (another hidden size, say); as the `load_state` methods for state
    /// that does not fit the optimizer, schedule or trainer.
    pub fn restore(
        self,
        optimizer: &mut dyn Optimizer,
        schedule: Option<&mut dyn Schedule>,
        trainer: &mut Trainer,
    ) -> Result<Model> {
        trainer.fits(&self.model).map_err(|e| Error::ModelFile {
            path: self.path.clone(),
            reason: format!("its model does not fit this run: {e}"),
        })?;
        if let Some(state) = &self.optimizer {
            optimizer.load_state(state)?;
        }
        if let (Some(state), Some(schedule)) = (&self.schedule, schedule) {
            schedule.load_state(state)?;
        }
        trainer.load_state(&self.trainer)?;
        Ok(self.model)
    }
}

/// Writes a checkpoint of the current training state to `path`, atomically.
///
/// # Errors
/// [`Error::Io`] when the file cannot be written.
pub fn save(
    path: &Path,
    model: &Model,
    optimizer: &dyn Optimizer,
    schedule: Option<&dyn Schedule>,
    trainer: &Trainer,
    completed_epochs: usize,
    extra: &serde_json::Value,
) -> Result<()> {
    let file = CheckpointFile {
        format: FORMAT.into(),
        version: VERSION,
        completed_epochs,
        model: model_to_json(
            model,
            None,
            &serde_json::Value::Null,
            &serde_json::Value::Null,
        ),
        optimizer: optimizer.state(),
        schedule: schedule.and_then(|s| s.state()),
        trainer: trainer.state(),
        extra: extra.clone(),
    };
    let bytes = serde_json::to_vec(&file).map_err(|e| Error::ModelFile {
        path: path.into(),
        reason: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}

/// Reads a checkpoint written by [`save`], validating its format and version.
///
/// # Errors
/// [`Error::Io`] when unreadable, [`Error::ModelFile`] for anything malformed.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let bad = |reason: String| Error::ModelFile {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file: CheckpointFile =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("checkpoint: {e}")))?;
    if file.format != FORMAT {
        return Err(bad(format!(
            "format is '{}', expected '{FORMAT}'",
            file.format
        )));
    }
    if file.version != VERSION {
        return Err(bad(format!(
            "checkpoint version {} is not supported (this build reads {VERSION})",
            file.version
        )));
    }
    let model = model_from_json(file.model, path)?.model;
    Ok(Checkpoint {
        path: path.to_path_buf(),
        model,
        optimizer: file.optimizer,
        schedule: file.schedule,
        trainer: file.trainer,
        completed_epochs: file.completed_epochs,
        extra: file.extra,
    })
}
