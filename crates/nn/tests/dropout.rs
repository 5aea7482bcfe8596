//! Dropout: gradients match finite differences in evaluation mode and, with the mask held fixed,
//! in training mode; the mask drops the right fraction and preserves the expected activation.

use linalg::{Backend, Matrix};
use nn::{rng, Activation, Init, Loss, Model, TargetEncoding, Workspace};
use rand::Rng;

const B: usize = 6;
const EPS: f32 = 1e-2;

fn model(p: f32) -> (Model, Matrix, Vec<usize>) {
    let mut r = rng::stream(21, "test");
    let mut m = Model::mlp(
        &[4, 7, 3],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Normal { std: 0.1 },
        &mut r,
    )
    .unwrap();
    m.set_dropout(0, p).unwrap();
    let x = Matrix::from_fn(B, 4, |_, _| r.random_range(-1.0..1.0));
    (m, x, (0..B).map(|i| i % 3).collect())
}

/// Mean loss; in training mode the mask comes from a fresh stream of a fixed seed, so every
/// call draws the same mask.
fn loss(m: &Model, x: &Matrix, labels: &[usize], train: bool) -> f64 {
    let mut ws = Workspace::new(m, B);
    let out = if train {
        m.forward_train(
            Backend::Pure,
            &mut ws,
            x.view(),
            &mut rng::stream(5, "mask"),
        )
    } else {
        m.forward(Backend::Pure, &mut ws, x.view())
    };
    (0..B)
        .map(|i| {
            Loss::SoftmaxCrossEntropy.sample_loss(out.row(i), labels[i], TargetEncoding::ONE_HOT)
        })
        .sum::<f64>()
        / B as f64
}

fn check(train: bool) {
    let (mut m, x, labels) = model(0.4);
    let mut ws = Workspace::new(&m, B);
    let mut grads = m.zero_grads();
    if train {
        m.forward_train(
            Backend::Pure,
            &mut ws,
            x.view(),
            &mut rng::stream(5, "mask"),
        );
    } else {
        m.forward(Backend::Pure, &mut ws, x.view());
    }
    m.output_delta(
        &mut ws,
        &labels,
        Loss::SoftmaxCrossEntropy,
        TargetEncoding::ONE_HOT,
    );
    m.backward(Backend::Pure, &mut ws, x.view(), &mut grads);
    let w = grads.layers[0].weights.clone();
    let mut zero_grads = 0;
    for i in 0..w.rows() {
        for j in 0..w.cols() {
            let orig = m.layers()[0].weights.get(i, j);
            m.layers_mut()[0].weights.set(i, j, orig + EPS);
            let plus = loss(&m, &x, &labels, train);
            m.layers_mut()[0].weights.set(i, j, orig - EPS);
            let minus = loss(&m, &x, &labels, train);
            m.layers_mut()[0].weights.set(i, j, orig);
            let numeric = (plus - minus) / (2.0 * EPS as f64);
            let a = w.get(i, j) as f64;
            assert!(
                (numeric - a).abs() <= 2e-2 * numeric.abs().max(a.abs()) + 2e-4,
                "train={train} ({i},{j}): {numeric} vs {a}"
            );
            zero_grads += usize::from(a == 0.0);
        }
    }
    if train {
        // Some hidden units were dropped for every sample... or at least the mask mattered:
        // the training-mode gradient differs from the evaluation-mode one.
        let (m2, x2, l2) = model(0.4);
        let mut ws = Workspace::new(&m2, B);
        let mut g2 = m2.zero_grads();
        m2.forward(Backend::Pure, &mut ws, x2.view());
        m2.output_delta(
            &mut ws,
            &l2,
            Loss::SoftmaxCrossEntropy,
            TargetEncoding::ONE_HOT,
        );
        m2.backward(Backend::Pure, &mut ws, x2.view(), &mut g2);
        assert_ne!(g2.layers[0].weights, w, "dropout changed nothing");
    } else {
        assert_eq!(zero_grads, 0);
    }
}

#[test]
fn gradients_match_finite_differences_in_eval_mode() {
    check(false);
}

#[test]
fn gradients_match_finite_differences_with_a_fixed_training_mask() {
    check(true);
}

#[test]
fn mask_drops_p_and_keeps_the_expected_activation() {
    let p = 0.3;
    let layer = nn::DenseConfig::new(1, 2000)
        .with_activation(Activation::Identity)
        .with_bias(false)
        .with_weight_init(Init::Normal { std: 0.0 });
    let mut m = Model::new(vec![
        layer.init(&mut rng::stream(1, "init")),
        nn::DenseConfig::new(2000, 1).init(&mut rng::stream(1, "init")),
    ])
    .unwrap();
    m.layers_mut()[0].bias = Some(vec![1.0; 2000]);
    m.set_dropout(0, p).unwrap();
    let x = Matrix::zeros(50, 1);
    let mut ws = Workspace::new(&m, 50);
    m.forward_train(
        Backend::Pure,
        &mut ws,
        x.view(),
        &mut rng::stream(2, "dropout"),
    );
    let hidden = ws.activation(0, 50);
    let values = hidden.data();
    let dropped = values.iter().filter(|&&v| v == 0.0).count() as f64 / values.len() as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64;
    assert!(
        (dropped - p as f64).abs() < 0.01,
        "dropped fraction {dropped}"
    );
    assert!(
        (mean - 1.0).abs() < 0.02,
        "mean activation {mean} (expected 1 after 1/(1-p) scaling)"
    );
    m.forward(Backend::Pure, &mut ws, x.view());
    assert!(
        ws.activation(0, 50).data().iter().all(|&v| v == 1.0),
        "eval mode applies no dropout"
    );
}

#[test]
fn dropout_is_rejected_out_of_range_and_on_the_output_layer() {
    let (mut m, _, _) = model(0.0);
    assert!(m.set_dropout(0, 1.0).is_err());
    assert!(m.set_dropout(0, -0.1).is_err());
    assert!(m.set_dropout(1, 0.5).is_err(), "last layer");
}
