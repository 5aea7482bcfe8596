//! A CNN as a `Model`: conv → pool → conv → dense → dense, gradients by finite differences
//! through the whole stack, training on a toy image task, and a model-file round trip.

use linalg::{Backend, Matrix};
use nn::conv2d::{Conv2dConfig, Shape3};
use nn::front::FrontLayer;
use nn::maxpool2d::MaxPool2d;
use nn::optim::Sgd;
use nn::{
    rng, Activation, DenseConfig, InMemoryDataset, Init, Loss, Model, NoObserver, TargetEncoding,
    TrainConfig, Trainer, Workspace,
};
use rand::Rng;

fn cnn(seed: u64) -> Model {
    let r = &mut rng::stream(seed, "init");
    let c1 = Conv2dConfig {
        padding: (1, 1),
        activation: Activation::Tanh,
        ..Conv2dConfig::new(Shape3::new(1, 8, 8), 3, (3, 3))
    };
    let conv1 = c1.init(r).unwrap();
    let pool = MaxPool2d::new(conv1.output_shape(), (2, 2), (2, 2)).unwrap();
    let c2 = Conv2dConfig {
        activation: Activation::Sigmoid,
        ..Conv2dConfig::new(pool.output_shape(), 4, (2, 2))
    };
    let conv2 = c2.init(r).unwrap();
    let flat = conv2.output_shape().len();
    let front = vec![
        FrontLayer::Conv2d(conv1),
        FrontLayer::MaxPool2d(pool),
        FrontLayer::Conv2d(conv2),
    ];
    let dense = vec![
        DenseConfig::new(flat, 6)
            .with_activation(Activation::Relu)
            .with_weight_init(Init::He)
            .init(r),
        DenseConfig::new(6, 2)
            .with_activation(Activation::Identity)
            .with_bias_init(Init::Normal { std: 0.1 })
            .init(r),
    ];
    Model::with_front(front, dense).unwrap()
}

/// conv(tanh, padded, strided) → conv(sigmoid) → dense(tanh) → dense: no kinks anywhere.
fn smooth_cnn(seed: u64) -> Model {
    let r = &mut rng::stream(seed, "init");
    let c1 = Conv2dConfig {
        padding: (1, 1),
        stride: (2, 1),
        activation: Activation::Tanh,
        ..Conv2dConfig::new(Shape3::new(2, 6, 5), 3, (3, 2))
    };
    let conv1 = c1.init(r).unwrap();
    let c2 = Conv2dConfig {
        activation: Activation::Sigmoid,
        ..Conv2dConfig::new(conv1.output_shape(), 2, (2, 2))
    };
    let conv2 = c2.init(r).unwrap();
    let flat = conv2.output_shape().len();
    let dense = vec![
        DenseConfig::new(flat, 5)
            .with_activation(Activation::Tanh)
            .with_weight_init(Init::XavierNormal)
            .init(r),
        DenseConfig::new(5, 2)
            .with_activation(Activation::Identity)
            .init(r),
    ];
    Model::with_front(
        vec![FrontLayer::Conv2d(conv1), FrontLayer::Conv2d(conv2)],
        dense,
    )
    .unwrap()
}

fn loss(m: &Model, x: &Matrix, labels: &[usize]) -> f64 {
    let mut ws = Workspace::new(m, x.rows());
    let out = m.forward(Backend::Pure, &mut ws, x.view());
    (0..x.rows())
        .map(|i| {
            Loss::SoftmaxCrossEntropy.sample_loss(out.row(i), labels[i], TargetEncoding::ONE_HOT)
        })
        .sum::<f64>()
        / x.rows() as f64
}

/// Central differences of the batch loss for every parameter, against backprop; returns how many
/// disagree beyond the tolerance.
fn gradient_mismatches(
    model: &mut Model,
    x: &Matrix,
    labels: &[usize],
    eps: f32,
) -> (usize, usize) {
    let mut ws = Workspace::new(model, x.rows());
    let mut grads = model.zero_grads();
    model.forward(Backend::Pure, &mut ws, x.view());
    model.output_delta(
        &mut ws,
        labels,
        Loss::SoftmaxCrossEntropy,
        TargetEncoding::ONE_HOT,
    );
    model.backward(Backend::Pure, &mut ws, x.view(), &mut grads);
    let mut analytic = Vec::new();
    model
        .clone()
        .visit_params_mut(&grads, |_, _, g| analytic.push(g.to_vec()));
    let (mut checked, mut bad) = (0, 0);
    for (slot, g) in analytic.iter().enumerate() {
        for (k, &a) in g.iter().enumerate() {
            let nudge = |m: &mut Model, d: f32| {
                let mut s = 0;
                m.visit_params_mut(&grads, |_, p, _| {
                    if s == slot {
                        p[k] += d;
                    }
                    s += 1;
                });
            };
            nudge(model, eps);
            let plus = loss(model, x, labels);
            nudge(model, -2.0 * eps);
            let minus = loss(model, x, labels);
            nudge(model, eps);
            let numeric = (plus - minus) / (2.0 * eps as f64);
            if (numeric - a as f64).abs() > 2e-2 * numeric.abs().max(a.abs() as f64) + 5e-4 {
                eprintln!("slot {slot}[{k}]: numeric {numeric} vs analytic {a}");
                bad += 1;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, model.num_params());
    (checked, bad)
}

#[test]
fn smooth_cnn_gradients_match_finite_differences_through_every_stage() {
    let mut model = smooth_cnn(1);
    let mut r = rng::stream(2, "x");
    let x = Matrix::from_fn(3, 60, |_, _| r.random_range(-1.0..1.0));
    let (checked, bad) = gradient_mismatches(&mut model, &x, &[0, 1, 1], 1e-2);
    assert_eq!(bad, 0, "{bad} of {checked} gradients disagree");
}

#[test]
fn cnn_with_pooling_and_relu_matches_finite_differences_away_from_kinks() {
    let mut model = cnn(1);
    assert_eq!(model.d_input(), 64);
    let mut r = rng::stream(2, "x");
    let x = Matrix::from_fn(3, 64, |_, _| r.random_range(-1.0..1.0));
    // A small step keeps most max-pool winners and ReLU signs in place; a few may still switch.
    let (checked, bad) = gradient_mismatches(&mut model, &x, &[0, 1, 1], 1e-3);
    assert!(bad * 50 <= checked, "{bad} of {checked} gradients disagree");
}

/// 8×8 images: class 0 has a bright vertical bar, class 1 a horizontal one, at random places.
fn bars(n: usize, seed: u64) -> InMemoryDataset {
    let mut r = rng::stream(seed, "bars");
    let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let mut x = Matrix::zeros(n, 64);
    for (i, &l) in labels.iter().enumerate() {
        let at = r.random_range(1..7usize);
        for t in 1..7 {
            let (y, xx) = if l == 0 { (t, at) } else { (at, t) };
            x.set(i, y * 8 + xx, 1.0);
        }
        for v in x.row_mut(i) {
            *v += r.random_range(-0.2..0.2);
        }
    }
    InMemoryDataset::new(x, labels, 2).unwrap()
}

#[test]
fn a_small_cnn_learns_bar_orientation_on_each_backend() {
    let (train, test) = (bars(200, 1), bars(100, 2));
    for &backend in Backend::available() {
        let mut model = cnn(3);
        let config = TrainConfig {
            batch_size: 10,
            backend,
            loss: Loss::SoftmaxCrossEntropy,
            ..Default::default()
        };
        let mut trainer = Trainer::new(&model, config, 3).unwrap();
        let before = trainer.evaluate(&model, &test).unwrap().accuracy();
        for e in 0..40 {
            trainer
                .train_epoch(
                    &mut model,
                    &mut Sgd::plain(),
                    0.3,
                    &train,
                    e,
                    &mut NoObserver,
                )
                .unwrap();
        }
        let after = trainer.evaluate(&model, &test).unwrap().accuracy();
        assert!(after >= 0.95, "{backend}: accuracy {before} → {after}");
    }
}

#[test]
fn a_cnn_round_trips_through_the_model_file_and_refuses_dense_only_exports() {
    let model = cnn(4);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cnn.json");
    nn::persist::save_json(
        &path,
        &model,
        Some(Loss::SoftmaxCrossEntropy),
        &serde_json::Value::Null,
        &serde_json::Value::Null,
    )
    .unwrap();
    let back = nn::persist::load_json(&path).unwrap().model;
    assert_eq!(back, model);
    assert!(
        nn::safetensors::save_safetensors(&dir.path().join("cnn.safetensors"), &model).is_err()
    );
    assert!(nn::backquery(&model, 0, TargetEncoding::RASHID).is_err());
    assert!(Trainer::new(
        &model,
        TrainConfig {
            loss: Loss::Quadratic,
            backprop: nn::Backprop::RawError,
            ..Default::default()
        },
        1
    )
    .is_err());
}
