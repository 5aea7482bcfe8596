//! Model weights in the [safetensors](https://huggingface.co/docs/safetensors) format, for
//! PyTorch and NumPy users.
//!
//! # Layout
//! 1. 8 bytes: `N`, the header length, a little-endian `u64`;
//! 2. `N` bytes: a UTF-8 JSON object, padded with trailing spaces so `8 + N` is a multiple of 8:
//!    ```json
//!    {"__metadata__": {"format": "mynet", "sizes": "[784,100,10]",
//!                      "activations": "[\"sigmoid\",\"sigmoid\"]"},
//!     "layers.0.weight": {"dtype": "F32", "shape": [100, 784], "data_offsets": [0, 313600]},
//!     "layers.0.bias":   {"dtype": "F32", "shape": [100], "data_offsets": [313600, 314000]},
//!     "layers.1.weight": …}
//!    ```
//! 3. the tensors' raw little-endian `f32` bytes, row-major, layer by layer, weight before bias.
//!    `data_offsets = [begin, end)` count bytes from the start of this data section; the tensors
//!    are contiguous, in that order, and cover it exactly.
//!
//! Weights keep the PyTorch `nn.Linear` layout `[d_output, d_input]`, so layer `i` is
//! `a = f(x·Wᵀ + b)` in both. Metadata values are strings (the format requires it): `sizes` and
//! `activations` are JSON arrays inside those strings. Activation names are `identity`,
//! `sigmoid`, `tanh`, `relu` and `leaky_relu(α)` (α printed exactly, e.g. `leaky_relu(0.01)`).
//!
//! # Loading in Python
//! With the `safetensors` package and PyTorch, a module whose linear layers sit in a
//! `ModuleList` named `layers` loads the file directly:
//! ```python
//! import json, torch
//! from safetensors import safe_open
//! from safetensors.torch import load_file
//!
//! with safe_open("model.safetensors", "pt") as f:
//!     meta = f.metadata()
//! sizes, acts = json.loads(meta["sizes"]), json.loads(meta["activations"])
//! state = load_file("model.safetensors")
//!
//! class Net(torch.nn.Module):
//!     def __init__(self):
//!         super().__init__()
//!         self.layers = torch.nn.ModuleList(
//!             torch.nn.Linear(i, o, bias=f"layers.{k}.bias" in state)
//!             for k, (i, o) in enumerate(zip(sizes, sizes[1:])))
//!         fs = {"identity": torch.nn.Identity(), "sigmoid": torch.sigmoid, "tanh": torch.tanh,
//!               "relu": torch.relu}  # leaky_relu(α): torch.nn.LeakyReLU(α)
//!         self.fs = [fs[a] for a in acts]
//!     def forward(self, x):
//!         for layer, f in zip(self.layers, self.fs):
//!             x = f(layer(x))
//!         return x
//!
//! net = Net()
//! net.load_state_dict(state)
//! ```
//! With NumPy alone, by hand:
//! ```python
//! import json, struct, numpy as np
//!
//! raw = open("model.safetensors", "rb").read()
//! (n,) = struct.unpack("<Q", raw[:8])
//! header = json.loads(raw[8:8 + n])
//! meta = header.pop("__metadata__")
//! data = raw[8 + n:]
//! t = {name: np.frombuffer(data[info["data_offsets"][0]:info["data_offsets"][1]], dtype="<f4")
//!             .reshape(info["shape"]) for name, info in header.items()}
//! a = x  # one sample per row
//! for i, act in enumerate(json.loads(meta["activations"])):
//!     z = a @ t[f"layers.{i}.weight"].T + t.get(f"layers.{i}.bias", 0)
//!     a = 1 / (1 + np.exp(-z)) if act == "sigmoid" else z  # and so on
//! ```
//! (`safetensors.numpy.load_file` returns the same dictionary of arrays.)

use crate::persist::write_atomic;
use crate::{Activation, Dense, Error, Model, Result};
use linalg::Matrix;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The `format` value in the metadata of files written here.
pub const FORMAT: &str = "mynet";

/// Largest header accepted when reading (100 MB, the limit of the reference implementation).
pub const MAX_HEADER_LEN: u64 = 100_000_000;

/// One tensor read from a safetensors file.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Its name, e.g. `layers.0.weight`.
    pub name: String,
    /// Its shape, outermost first (row-major).
    pub shape: Vec<usize>,
    /// `Π shape` values, row-major.
    pub data: Vec<f32>,
}

/// The contents of a safetensors file with only `F32` tensors.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SafeTensors {
    /// The `__metadata__` string map (empty when absent).
    pub metadata: BTreeMap<String, String>,
    /// The tensors, in the order of their data in the file.
    pub tensors: Vec<Tensor>,
}

impl SafeTensors {
    /// The tensor named `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

/// The file name of parameter `kind` (`weight` or `bias`) of layer `i`: `layers.{i}.{kind}`.
fn param_name(i: usize, kind: &str) -> String {
    format!("layers.{i}.{kind}")
}

/// The metadata name of an activation: [`Activation::name`], with α for leaky ReLU.
fn activation_name(a: Activation) -> String {
    match a {
        Activation::LeakyRelu(alpha) => format!("leaky_relu({alpha})"),
        other => other.name().to_string(),
    }
}

/// Inverse of [`activation_name`].
fn parse_activation(name: &str) -> Option<Activation> {
    Some(match name {
        "identity" => Activation::Identity,
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        "relu" => Activation::Relu,
        _ => {
            let alpha = name.strip_prefix("leaky_relu(")?.strip_suffix(')')?;
            Activation::LeakyRelu(alpha.parse().ok()?)
        }
    })
}

/// The whole file for `model` in memory: header length, padded JSON header, then the data.
pub fn to_safetensors_bytes(model: &Model) -> Vec<u8> {
    let mut entries: Vec<(String, Value)> = Vec::new();
    let sizes = Value::from(model.sizes()).to_string();
    let activations: Vec<String> = model
        .layers()
        .iter()
        .map(|l| activation_name(l.activation))
        .collect();
    entries.push((
        "__metadata__".into(),
        json!({
            "format": FORMAT,
            "sizes": sizes,
            "activations": Value::from(activations).to_string(),
        }),
    ));
    let mut data = Vec::with_capacity(4 * model.num_params());
    let mut push = |name: String, shape: Vec<usize>, values: &[f32]| {
        let begin = data.len();
        for v in values {
            data.extend_from_slice(&v.to_le_bytes());
        }
        let info = json!({"dtype": "F32", "shape": shape, "data_offsets": [begin, data.len()]});
        entries.push((name, info));
    };
    for (i, layer) in model.layers().iter().enumerate() {
        push(
            param_name(i, "weight"),
            vec![layer.d_output(), layer.d_input()],
            layer.weights.as_slice(),
        );
        if let Some(b) = &layer.bias {
            push(param_name(i, "bias"), vec![b.len()], b);
        }
    }
    // Written by hand to keep the entries in file order (serde_json's map would sort them).
    let body: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
        .collect();
    let mut header = format!("{{{}}}", body.join(",")).into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + header.len() + data.len());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}

/// Writes `model` as a safetensors file at `path`, atomically (see the [module docs](self) for
/// the layout and how to load it in Python).
///
/// # Errors
/// [`Error::Io`] when the file cannot be written.
///
/// Models with convolution stages are refused ([`Error::Config`]): this layout holds dense
/// layers only.
pub fn save_safetensors(path: &Path, model: &Model) -> Result<()> {
    if !model.front().is_empty() {
        return Err(Error::Config(format!(
            "{}: safetensors export covers dense models only; this model has convolution stages",
            path.display()
        )));
    }
    write_atomic(path, &to_safetensors_bytes(model))
}

/// A tensor's entry in the header.
#[derive(Deserialize)]
struct TensorInfo {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// Parses and validates a whole file; the error is the reason.
fn parse(bytes: &[u8]) -> std::result::Result<SafeTensors, String> {
    let n = u64::from_le_bytes(
        *bytes
            .first_chunk::<8>()
            .ok_or_else(|| format!("{} bytes, too short for the header length", bytes.len()))?,
    );
    let available = bytes.len() as u64 - 8;
    if n > available || n > MAX_HEADER_LEN {
        return Err(format!(
            "header length {n} exceeds the {available} bytes after it (or {MAX_HEADER_LEN})"
        ));
    }
    let header = &bytes[8..8 + n as usize];
    let data = &bytes[8 + n as usize..];
    if header.first() != Some(&b'{') {
        return Err("the header does not start with '{'".into());
    }
    let mut map: HashMap<String, Value> =
        serde_json::from_slice(header).map_err(|e| format!("header: {e}"))?;
    let metadata = match map.remove("__metadata__") {
        None => BTreeMap::new(),
        Some(v) => serde_json::from_value(v)
            .map_err(|e| format!("__metadata__ must map strings to strings: {e}"))?,
    };
    let mut infos: Vec<(String, TensorInfo)> = Vec::with_capacity(map.len());
    for (name, v) in map {
        let info: TensorInfo =
            serde_json::from_value(v).map_err(|e| format!("tensor {name}: {e}"))?;
        infos.push((name, info));
    }
    infos.sort_by_key(|(_, info)| info.data_offsets);
    let mut expected_begin = 0u64;
    let mut tensors = Vec::with_capacity(infos.len());
    for (name, info) in infos {
        if info.dtype != "F32" {
            return Err(format!(
                "tensor {name}: dtype {} is not supported (only F32)",
                info.dtype
            ));
        }
        let [begin, end] = info.data_offsets;
        if begin != expected_begin || end < begin || end > data.len() as u64 {
            return Err(format!(
                "tensor {name}: data_offsets [{begin}, {end}) are not contiguous from byte \
                 {expected_begin} within the {} data bytes",
                data.len()
            ));
        }
        let count = info
            .shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
            .and_then(|c| c.checked_mul(4))
            .ok_or_else(|| format!("tensor {name}: shape {:?} overflows", info.shape))?;
        if count != end - begin {
            return Err(format!(
                "tensor {name}: shape {:?} needs {count} bytes, data_offsets span {}",
                info.shape,
                end - begin
            ));
        }
        let values = data[begin as usize..end as usize]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        tensors.push(Tensor {
            name,
            shape: info.shape,
            data: values,
        });
        expected_begin = end;
    }
    if expected_begin != data.len() as u64 {
        return Err(format!(
            "the tensors cover {expected_begin} of the {} data bytes",
            data.len()
        ));
    }
    Ok(SafeTensors { metadata, tensors })
}

/// Reads and validates a safetensors file holding only `F32` tensors: the header length must fit
/// in the file (and [`MAX_HEADER_LEN`]), the header must be a JSON object whose `__metadata__`
/// maps strings to strings, and the tensors' `data_offsets` must match their shapes and tile the
/// data section exactly.
///
/// # Errors
/// [`Error::Io`] when unreadable, [`Error::ModelFile`] for anything invalid or unsupported.
pub fn read_safetensors(path: &Path) -> Result<SafeTensors> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&bytes).map_err(|reason| Error::ModelFile {
        path: path.to_path_buf(),
        reason,
    })
}

/// Rebuilds the model from tensors `layers.{i}.weight` (`[d_output, d_input]`), optional
/// `layers.{i}.bias` (`[d_output]`) and the `activations` metadata.
fn to_model(st: &SafeTensors) -> std::result::Result<Model, String> {
    let names: Vec<String> = serde_json::from_str(
        st.metadata
            .get("activations")
            .ok_or("no \"activations\" in __metadata__")?,
    )
    .map_err(|e| format!("activations metadata: {e}"))?;
    let mut layers = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let activation = parse_activation(name)
            .ok_or_else(|| format!("layer {i}: unknown activation {name}"))?;
        let w = st
            .get(&param_name(i, "weight"))
            .ok_or_else(|| format!("no tensor {}", param_name(i, "weight")))?;
        let &[rows, cols] = w.shape.as_slice() else {
            return Err(format!("{}: shape {:?} is not 2-D", w.name, w.shape));
        };
        let bias = match st.get(&param_name(i, "bias")) {
            Some(b) if b.shape != [rows] => {
                return Err(format!(
                    "{}: shape {:?}, expected [{rows}]",
                    b.name, b.shape
                ))
            }
            b => b.map(|b| b.data.clone()),
        };
        layers.push(Dense {
            weights: Matrix::from_row_major(rows, cols, &w.data).map_err(|e| e.to_string())?,
            bias,
            activation,
        });
    }
    let expected = layers.len() + layers.iter().filter(|l| l.bias.is_some()).count();
    if st.tensors.len() != expected {
        return Err(format!(
            "{} tensors for {} layers: unexpected tensors besides layers.{{i}}.weight/bias",
            st.tensors.len(),
            layers.len()
        ));
    }
    let model = Model::new(layers).map_err(|e| e.to_string())?;
    if let Some(sizes) = st.metadata.get("sizes") {
        let sizes: Vec<usize> =
            serde_json::from_str(sizes).map_err(|e| format!("sizes metadata: {e}"))?;
        if sizes != model.sizes() {
            return Err(format!(
                "sizes metadata {sizes:?} does not match the tensors {:?}",
                model.sizes()
            ));
        }
    }
    Ok(model)
}

/// Loads a model written by [`save_safetensors`] (or any file with the same tensor names and an
/// `activations` metadata entry), checking that every shape fits.
///
/// # Errors
/// As [`read_safetensors`]; [`Error::ModelFile`] also for missing or extra tensors, missing or
/// unknown activations, or layers that do not chain.
pub fn load_safetensors(path: &Path) -> Result<Model> {
    let st = read_safetensors(path)?;
    to_model(&st).map_err(|reason| Error::ModelFile {
        path: path.to_path_buf(),
        reason,
    })
}
