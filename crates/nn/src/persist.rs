//! Versioned JSON model files, written atomically.
//!
//! Layout (`format = "mynet-model"`, `version = 1`): the layer sizes, then per layer its
//! activation, weights (`d_output × d_input`, row-major) and optional bias; the loss; and free-form
//! `training` (the run's configuration) and `metrics` (final results) objects.

use crate::front::FrontRecord;
use crate::{Activation, Dense, Error, Loss, Model, Result};
use linalg::Matrix;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `format` tag of model files.
pub const FORMAT: &str = "mynet-model";
/// The version written by this build; loading accepts only this version.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct LayerRecord {
    d_input: usize,
    d_output: usize,
    activation: Activation,
    weights: Vec<f32>,
    bias: Option<Vec<f32>>,
    /// Dropout probability on the layer's output during training.
    #[serde(default)]
    dropout: f32,
}

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: String,
    version: u32,
    sizes: Vec<usize>,
    /// Convolution/pooling stages before the dense layers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    front: Vec<FrontRecord>,
    layers: Vec<LayerRecord>,
    loss: Option<Loss>,
    #[serde(default)]
    training: serde_json::Value,
    #[serde(default)]
    metrics: serde_json::Value,
}

/// A model read back from a file, with what was saved beside it.
#[derive(Debug, Clone)]
pub struct SavedModel {
    /// The model.
    pub model: Model,
    /// The loss it was trained with, if recorded.
    pub loss: Option<Loss>,
    /// The training configuration, as saved.
    pub training: serde_json::Value,
    /// Final metrics, as saved.
    pub metrics: serde_json::Value,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, `fsync`, then a
/// rename over the target. A crash leaves either the old file or the new one, never half a file.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io(std::io::Error::other("no file name")))?;
    let tmp: PathBuf = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// The JSON document of a model file (what [`save_json`] writes), e.g. to embed in a checkpoint.
pub fn model_to_json(
    model: &Model,
    loss: Option<Loss>,
    training: &serde_json::Value,
    metrics: &serde_json::Value,
) -> serde_json::Value {
    let file = ModelFile {
        format: FORMAT.into(),
        version: VERSION,
        sizes: model.sizes(),
        front: model.front().iter().map(FrontRecord::of).collect(),
        layers: model
            .layers()
            .iter()
            .zip(model.dropout())
            .map(|(l, &dropout)| LayerRecord {
                d_input: l.d_input(),
                d_output: l.d_output(),
                activation: l.activation,
                weights: l.weights.as_slice().to_vec(),
                bias: l.bias.clone(),
                dropout,
            })
            .collect(),
        loss,
        training: training.clone(),
        metrics: metrics.clone(),
    };
    serde_json::to_value(file).expect("model records serialise")
}

/// Saves `model` (and the loss, training configuration and metrics) as JSON at `path`.
///
/// # Errors
/// [`Error::Io`] when the file cannot be written.
pub fn save_json(
    path: &Path,
    model: &Model,
    loss: Option<Loss>,
    training: &serde_json::Value,
    metrics: &serde_json::Value,
) -> Result<()> {
    let json = serde_json::to_vec(&model_to_json(model, loss, training, metrics)).map_err(|e| {
        Error::ModelFile {
            path: path.into(),
            reason: e.to_string(),
        }
    })?;
    write_atomic(path, &json)
}

/// Loads a model saved by [`save_json`], validating format, version and every shape.
///
/// # Errors
/// [`Error::Io`] when unreadable, [`Error::ModelFile`] for bad JSON, an unknown format or
/// version, or inconsistent shapes.
pub fn load_json(path: &Path) -> Result<SavedModel> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::ModelFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    model_from_json(value, path)
}

/// Reads a model document (as made by [`model_to_json`]); `path` names its origin in errors.
///
/// # Errors
/// [`Error::ModelFile`] for an unknown format or version, or inconsistent shapes.
pub fn model_from_json(value: serde_json::Value, path: &Path) -> Result<SavedModel> {
    let bad = |reason: String| Error::ModelFile {
        path: path.to_path_buf(),
        reason,
    };
    let file: ModelFile = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    if file.format != FORMAT {
        return Err(bad(format!(
            "format is '{}', expected '{FORMAT}'",
            file.format
        )));
    }
    if file.version != VERSION {
        return Err(bad(format!(
            "version {} is not supported (this build reads version {VERSION})",
            file.version
        )));
    }
    let mut layers = Vec::with_capacity(file.layers.len());
    let dropout: Vec<f32> = file.layers.iter().map(|r| r.dropout).collect();
    for (i, rec) in file.layers.into_iter().enumerate() {
        let weights =
            Matrix::from_row_major(rec.d_output, rec.d_input, &rec.weights).map_err(|_| {
                bad(format!(
                    "layer {i}: weights do not hold {}x{} values",
                    rec.d_output, rec.d_input
                ))
            })?;
        if let Some(b) = &rec.bias {
            if b.len() != rec.d_output {
                return Err(bad(format!(
                    "layer {i}: bias has {} values, expected {}",
                    b.len(),
                    rec.d_output
                )));
            }
        }
        layers.push(Dense {
            weights,
            bias: rec.bias,
            activation: rec.activation,
        });
    }
    let front = file
        .front
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.build().map_err(|e| bad(format!("front stage {i}: {e}"))))
        .collect::<Result<Vec<_>>>()?;
    let mut model = Model::with_front(front, layers).map_err(|e| bad(e.to_string()))?;
    for (i, &p) in dropout.iter().enumerate().filter(|(_, &p)| p != 0.0) {
        model
            .set_dropout(i, p)
            .map_err(|e| bad(format!("layer {i}: {e}")))?;
    }
    if model.sizes() != file.sizes {
        return Err(bad(format!(
            "sizes {:?} do not match the layers {:?}",
            file.sizes,
            model.sizes()
        )));
    }
    Ok(SavedModel {
        model,
        loss: file.loss,
        training: file.training,
        metrics: file.metrics,
    })
}
