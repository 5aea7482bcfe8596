//! Training end to end on small synthetic data: determinism, splits, persistence.

use linalg::{Backend, Matrix};
use nn::optim::Sgd;
use nn::{
    rng, split_train_validation, Activation, Dataset, InMemoryDataset, Init, Loss, Model,
    NoObserver, TargetEncoding, TrainConfig, Trainer,
};
use rand::Rng;

/// Three Gaussian blobs in 5 dimensions.
fn blobs(n: usize, seed: u64) -> InMemoryDataset {
    let mut r = rng::stream(seed, "data");
    let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
    let x = Matrix::from_fn(n, 5, |i, j| {
        (if j == labels[i] { 2.0 } else { 0.0 }) + r.random_range(-1.0f32..1.0)
    });
    InMemoryDataset::new(x, labels, 3).unwrap()
}

fn train_once(backend: Backend, threads: usize, dropout: f32) -> Model {
    let data = blobs(300, 1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut model = Model::mlp(
            &[5, 64, 3],
            Activation::Relu,
            Activation::Identity,
            true,
            Init::He,
            Init::Zeros,
            &mut rng::stream(7, "init"),
        )
        .unwrap();
        model.set_dropout(0, dropout).unwrap();
        let config = TrainConfig {
            batch_size: 32,
            shuffle: true,
            backend,
            loss: Loss::SoftmaxCrossEntropy,
            ..Default::default()
        };
        let mut trainer = Trainer::new(&model, config, 7).unwrap();
        for epoch in 0..2 {
            trainer
                .train_epoch(
                    &mut model,
                    &mut Sgd::default(),
                    0.1,
                    &data,
                    epoch,
                    &mut NoObserver,
                )
                .unwrap();
        }
        model
    })
}

#[test]
fn same_seed_and_threads_give_bit_identical_weights_on_each_backend() {
    for &backend in Backend::available() {
        for threads in [1, 2] {
            let a = train_once(backend, threads, 0.2);
            let b = train_once(backend, threads, 0.2);
            assert_eq!(a, b, "{backend} with {threads} threads");
        }
        // And the run actually trained: different from the initial weights.
        let init = Model::mlp(
            &[5, 64, 3],
            Activation::Relu,
            Activation::Identity,
            true,
            Init::He,
            Init::Zeros,
            &mut rng::stream(7, "init"),
        )
        .unwrap();
        assert_ne!(
            train_once(backend, 1, 0.0).layers()[0].weights,
            init.layers()[0].weights
        );
    }
}

#[test]
fn split_gives_disjoint_views_in_order() {
    let data = blobs(100, 2);
    let (train, val) = split_train_validation(&data, 80).unwrap();
    assert_eq!((train.len(), val.len()), (80, 20));
    assert_eq!(val.label(0), data.label(80));
    let mut row = vec![0.0; 5 * 70];
    let idx: Vec<usize> = (0..70).rev().collect();
    // More indices than the internal chunk (64) to exercise chunking.
    train.fill_inputs(&idx, &mut row);
    assert_eq!(&row[..5], data.inputs().row(69));
    assert_eq!(&row[5 * 69..], data.inputs().row(0));
    val.fill_inputs(&[3], &mut row[..5]);
    assert_eq!(&row[..5], data.inputs().row(83));
    assert!(split_train_validation(&data, 101).is_err());
}

#[test]
fn trained_model_round_trips_through_json_with_identical_predictions() {
    let data = blobs(200, 3);
    let mut model = Model::mlp(
        &[5, 16, 3],
        Activation::Sigmoid,
        Activation::Identity,
        true,
        Init::XavierUniform,
        Init::Zeros,
        &mut rng::stream(1, "init"),
    )
    .unwrap();
    model.set_dropout(0, 0.1).unwrap();
    let mut trainer = Trainer::new(
        &model,
        TrainConfig {
            batch_size: 20,
            ..Default::default()
        },
        1,
    )
    .unwrap();
    trainer
        .train_epoch(
            &mut model,
            &mut Sgd::default(),
            0.5,
            &data,
            0,
            &mut NoObserver,
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    nn::persist::save_json(
        &path,
        &model,
        Some(Loss::SoftmaxCrossEntropy),
        &serde_json::json!({"lr": 0.5}),
        &serde_json::json!({}),
    )
    .unwrap();
    let saved = nn::persist::load_json(&path).unwrap();
    assert_eq!(saved.model, model);
    assert_eq!(saved.loss, Some(Loss::SoftmaxCrossEntropy));
    let mut preds = Vec::new();
    for m in [&model, &saved.model] {
        let mut p = Vec::new();
        trainer
            .evaluate_with(m, &data, |_, pred| p.push(pred))
            .unwrap();
        preds.push(p);
    }
    assert_eq!(preds[0], preds[1]);
}

#[test]
fn model_files_with_wrong_shapes_or_versions_are_rejected_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let model = Model::mlp(
        &[2, 3, 2],
        Activation::Sigmoid,
        Activation::Sigmoid,
        false,
        Init::NormalFanIn,
        Init::Zeros,
        &mut rng::stream(1, "init"),
    )
    .unwrap();
    let path = dir.path().join("m.json");
    nn::persist::save_json(
        &path,
        &model,
        None,
        &serde_json::Value::Null,
        &serde_json::Value::Null,
    )
    .unwrap();
    let good: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    type Corruption = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Corruption)> = vec![
        ("version", Box::new(|v| v["version"] = 99.into())),
        ("format", Box::new(|v| v["format"] = "other".into())),
        (
            "weights",
            Box::new(|v| {
                v["layers"][0]["weights"]
                    .as_array_mut()
                    .unwrap()
                    .pop()
                    .map(|_| ())
                    .unwrap()
            }),
        ),
        (
            "input size",
            Box::new(|v| v["layers"][1]["d_input"] = 4.into()),
        ),
        ("sizes", Box::new(|v| v["sizes"][0] = 5.into())),
    ];
    for (what, corrupt) in cases {
        let mut v = good.clone();
        corrupt(&mut v);
        let bad = dir
            .path()
            .join(format!("bad-{}.json", what.replace(' ', "-")));
        std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
        let err = nn::persist::load_json(&bad).unwrap_err().to_string();
        assert!(
            err.contains(bad.file_name().unwrap().to_str().unwrap()),
            "{what}: {err}"
        );
    }
    std::fs::write(dir.path().join("trunc.json"), b"{\"format\": \"mynet-mo").unwrap();
    assert!(nn::persist::load_json(&dir.path().join("trunc.json")).is_err());
    let _ = TargetEncoding::RASHID;
}
