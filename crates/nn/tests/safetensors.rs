//! Safetensors export: byte layout, round trips, the reader's validation, and (when python3 with
//! numpy is installed) a reading by hand with numpy.

use linalg::{Backend, Matrix};
use nn::safetensors::{load_safetensors, read_safetensors, save_safetensors, to_safetensors_bytes};
use nn::{rng, Activation, DenseConfig, Init, Model, Workspace};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// A fresh file path under Cargo's per-target temporary directory.
fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nn-safetensors-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// 5 → 4 → 3 → 2 with biases on the first two layers, and every invertible activation kind.
fn mixed_model() -> Model {
    let configs = [
        DenseConfig::new(5, 4).with_activation(Activation::Sigmoid),
        DenseConfig::new(4, 3)
            .with_activation(Activation::LeakyRelu(0.01))
            .with_bias_init(Init::Normal { std: 0.5 }),
        DenseConfig::new(3, 2)
            .with_activation(Activation::Tanh)
            .with_bias(false),
    ];
    Model::from_configs(&configs, &mut rng::stream(3, "init")).unwrap()
}

fn predict(model: &Model, x: &Matrix) -> Vec<f32> {
    let mut ws = Workspace::new(model, x.rows());
    model
        .forward(Backend::Pure, &mut ws, x.view())
        .to_matrix()
        .into_vec()
}

fn inputs() -> Matrix {
    Matrix::from_fn(3, 5, |i, j| (i as f32 - 1.0) * 0.7 + j as f32 * 0.3)
}

/// Splits a file into its JSON header (padding included) and data section.
fn split(bytes: &[u8]) -> (Value, &[u8]) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    (serde_json::from_str(header).unwrap(), &bytes[8 + n..])
}

#[test]
fn the_layout_follows_the_safetensors_spec() {
    let model = Model::mlp(
        &[5, 4, 3],
        Activation::Sigmoid,
        Activation::Sigmoid,
        true,
        Init::NormalFanIn,
        Init::Normal { std: 1.0 },
        &mut rng::stream(1, "init"),
    )
    .unwrap();
    let bytes = to_safetensors_bytes(&model);
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0, "the header is padded to a multiple of 8");
    assert_eq!(bytes[8], b'{');
    let (header, data) = split(&bytes);
    assert_eq!(
        header["__metadata__"],
        serde_json::json!({
            "format": "mynet",
            "sizes": "[5,4,3]",
            "activations": "[\"sigmoid\",\"sigmoid\"]",
        })
    );
    let expect = [
        ("layers.0.weight", vec![4, 5], 0, 80),
        ("layers.0.bias", vec![4], 80, 96),
        ("layers.1.weight", vec![3, 4], 96, 144),
        ("layers.1.bias", vec![3], 144, 156),
    ];
    assert_eq!(header.as_object().unwrap().len(), 5);
    for (name, shape, begin, end) in expect {
        let info = &header[name];
        assert_eq!(info["dtype"], "F32", "{name}");
        assert_eq!(info["shape"], serde_json::json!(shape), "{name}");
        assert_eq!(
            info["data_offsets"],
            serde_json::json!([begin, end]),
            "{name}"
        );
    }
    assert_eq!(data.len(), 156);
    // Little-endian f32, row-major in the nn.Linear layout: W[1][2] of layer 1 is value 1·4 + 2.
    let w = model.layers()[1].weights.get(1, 2);
    let at = 96 + 4 * (4 + 2);
    assert_eq!(data[at..at + 4], w.to_le_bytes());
    let b = model.layers()[0].bias.as_ref().unwrap()[3];
    assert_eq!(data[80 + 12..80 + 16], b.to_le_bytes());
}

#[test]
fn save_then_load_reproduces_weights_and_predictions() {
    let model = mixed_model();
    let path = temp_path("mixed.safetensors");
    save_safetensors(&path, &model).unwrap();
    let loaded = load_safetensors(&path).unwrap();
    assert_eq!(
        loaded, model,
        "weights, biases and activations are identical"
    );
    let (x, y) = (inputs(), predict(&model, &inputs()));
    assert_eq!(
        predict(&loaded, &x)
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        y.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );

    let st = read_safetensors(&path).unwrap();
    assert_eq!(st.metadata["sizes"], "[5,4,3,2]");
    assert_eq!(
        st.metadata["activations"],
        r#"["sigmoid","leaky_relu(0.01)","tanh"]"#
    );
    let names: Vec<&str> = st.tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "layers.0.weight",
            "layers.0.bias",
            "layers.1.weight",
            "layers.1.bias",
            "layers.2.weight"
        ]
    );
    assert_eq!(st.get("layers.2.weight").unwrap().shape, [2, 3]);
    let leftovers = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with(".mixed.safetensors.tmp")
        })
        .count();
    assert_eq!(leftovers, 0, "the atomic write leaves no temporary file");
}

/// Builds a file from a header (padded to 8) and a data section.
fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    h.resize(h.len().div_ceil(8) * 8, b' ');
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

const META: &str = r#""__metadata__":{"activations":"[\"identity\"]"}"#;

fn read_bytes(name: &str, bytes: &[u8]) -> nn::Result<nn::safetensors::SafeTensors> {
    let path = temp_path(name);
    std::fs::write(&path, bytes).unwrap();
    read_safetensors(&path)
}

fn assert_rejected(name: &str, bytes: &[u8], needle: &str) {
    match read_bytes(name, bytes) {
        Err(nn::Error::ModelFile { reason, .. }) => {
            assert!(
                reason.contains(needle),
                "{name}: '{reason}' lacks '{needle}'"
            );
        }
        other => panic!("{name}: expected a ModelFile error, got {other:?}"),
    }
}

#[test]
fn a_hand_made_file_is_read_and_loaded() {
    // One 1×2 identity layer, W = [1.5, -2].
    let data: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let header = format!(
        r#"{{{META},"layers.0.weight":{{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}}}"#
    );
    let bytes = file(&header, &data);
    let st = read_bytes("hand.safetensors", &bytes).unwrap();
    assert_eq!(st.tensors[0].data, [1.5, -2.0]);
    let path = temp_path("hand-load.safetensors");
    std::fs::write(&path, &bytes).unwrap();
    let model = load_safetensors(&path).unwrap();
    assert_eq!(model.sizes(), [2, 1]);
    assert_eq!(model.layers()[0].bias, None);
    assert_eq!(model.output_activation(), Activation::Identity);
}

#[test]
fn invalid_files_are_rejected_with_a_reason() {
    let data = [0u8; 8];
    let weight = |dtype: &str, offsets: &str| {
        format!(
            r#"{{{META},"layers.0.weight":{{"dtype":"{dtype}","shape":[1,2],"data_offsets":{offsets}}}}}"#
        )
    };
    assert_rejected("short", &[1, 0, 0], "too short");

    // Header length larger than the file.
    let mut bytes = file(&weight("F32", "[0,8]"), &data);
    let len = bytes.len() as u64;
    bytes[..8].copy_from_slice(&len.to_le_bytes());
    assert_rejected("long-header", &bytes, "header length");
    let mut bytes = file(&weight("F32", "[0,8]"), &data);
    bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_rejected("huge-header", &bytes, "header length");

    assert_rejected("f64", &file(&weight("F64", "[0,8]"), &data), "F64");
    assert_rejected("f16", &file(&weight("F16", "[0,4]"), &data[..4]), "F16");
    assert_rejected(
        "out-of-range",
        &file(&weight("F32", "[0,16]"), &data),
        "data_offsets",
    );
    assert_rejected(
        "reversed",
        &file(&weight("F32", "[8,0]"), &data),
        "data_offsets",
    );
    assert_rejected(
        "hole",
        &file(&weight("F32", "[4,12]"), &[0u8; 12]),
        "data_offsets",
    );
    assert_rejected(
        "trailing-data",
        &file(&weight("F32", "[0,8]"), &[0u8; 12]),
        "cover 8 of the 12",
    );
    let bad_shape = weight("F32", "[0,8]").replace("[1,2]", "[3,2]");
    assert_rejected("shape", &file(&bad_shape, &data), "needs 24 bytes");
    assert_rejected("not-json", &file("{not json", &data), "header");
    assert_rejected("not-object", &file("[1, 2]", &data), "'{'");
    let numeric_meta = weight("F32", "[0,8]").replace(r#""[\"identity\"]""#, "1");
    assert_rejected("meta", &file(&numeric_meta, &data), "__metadata__");

    // Valid files that are not mynet models.
    let no_meta = r#"{"layers.0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}"#;
    let path = temp_path("no-meta.safetensors");
    std::fs::write(&path, file(no_meta, &data)).unwrap();
    let err = load_safetensors(&path).unwrap_err();
    assert!(err.to_string().contains("activations"), "{err}");
    // A zero-size tensor that is not a layer parameter: a valid file, not a mynet model.
    let extra = weight("F32", "[0,8]").replace(
        "}}",
        r#"},"x":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#,
    );
    assert_eq!(
        read_bytes("extra-read", &file(&extra, &data))
            .unwrap()
            .tensors
            .len(),
        2
    );
    let path = temp_path("extra.safetensors");
    std::fs::write(&path, file(&extra, &data)).unwrap();
    let err = load_safetensors(&path).unwrap_err();
    assert!(err.to_string().contains("unexpected tensors"), "{err}");
}

/// Reads the file by hand with numpy (no safetensors package), prints the weights and the
/// forward pass of `x` as JSON.
const NUMPY_READER: &str = r#"
import json, struct, sys
import numpy as np

raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__")
data = raw[8 + n:]
t = {name: np.frombuffer(data[i["data_offsets"][0]:i["data_offsets"][1]], dtype="<f4")
            .reshape(i["shape"]) for name, i in header.items()}
x = np.array(json.loads(sys.argv[2]), dtype=np.float64)
a = x
for i, act in enumerate(json.loads(meta["activations"])):
    z = a @ t[f"layers.{i}.weight"].astype(np.float64).T
    if f"layers.{i}.bias" in t:
        z = z + t[f"layers.{i}.bias"]
    if act == "sigmoid":
        a = 1 / (1 + np.exp(-z))
    elif act == "tanh":
        a = np.tanh(z)
    elif act.startswith("leaky_relu("):
        alpha = float(act[len("leaky_relu("):-1])
        a = np.where(z > 0, z, alpha * z)
    elif act == "identity":
        a = z
    else:
        raise SystemExit(f"unknown activation {act}")
print(json.dumps({"tensors": {k: v.astype(float).ravel().tolist() for k, v in t.items()},
                  "output": a.ravel().tolist()}))
"#;

#[test]
fn numpy_reads_the_same_numbers_by_hand() {
    let has_numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_numpy {
        println!("skipped: python3 with numpy is not available");
        return;
    }
    let model = mixed_model();
    let path = temp_path("numpy.safetensors");
    save_safetensors(&path, &model).unwrap();
    let x = inputs();
    let rows: Vec<&[f32]> = (0..x.rows()).map(|i| x.row(i)).collect();
    let out = Command::new("python3")
        .args(["-c", NUMPY_READER])
        .arg(&path)
        .arg(serde_json::to_string(&rows).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, layer) in model.layers().iter().enumerate() {
        let w: Vec<f32> =
            serde_json::from_value(got["tensors"][format!("layers.{i}.weight")].clone()).unwrap();
        assert_eq!(w, layer.weights.as_slice(), "layer {i} weights");
        let b: Option<Vec<f32>> =
            serde_json::from_value(got["tensors"][format!("layers.{i}.bias")].clone()).unwrap();
        assert_eq!(b, layer.bias, "layer {i} bias");
    }
    let y: Vec<f64> = serde_json::from_value(got["output"].clone()).unwrap();
    let want = predict(&model, &x);
    assert_eq!(y.len(), want.len());
    for (g, w) in y.iter().zip(&want) {
        assert!((g - *w as f64).abs() < 1e-5, "numpy {g} vs mynet {w}");
    }
}
