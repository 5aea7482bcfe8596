//! Backquery against the book's steps worked by hand on tiny models, its error cases, and its
//! behaviour on a trained network that tells "left half lit" from "right half lit".

use linalg::Matrix;
use nn::backquery::{backquery, backquery_output, rescale, INPUT_RANGE};
use nn::{
    optim::Sgd, rng, Activation, Dense, InMemoryDataset, Init, Loss, Model, NoObserver,
    TargetEncoding, TrainConfig, Trainer,
};
use rand::Rng;

fn dense(rows: usize, cols: usize, w: &[f32], bias: Option<Vec<f32>>, f: Activation) -> Dense {
    Dense {
        weights: Matrix::from_vec(rows, cols, w.to_vec()).unwrap(),
        bias,
        activation: f,
    }
}

fn assert_close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() < 1e-5,
            "element {i}: got {g}, want {w}"
        );
    }
}

fn assert_in_range(image: &[f32]) {
    for &v in image {
        assert!(
            !v.is_nan() && (0.01..=0.99).contains(&v),
            "{v} outside [0.01, 0.99]"
        );
    }
}

/// The book's rescale to [0.01, 0.99], by hand.
fn book_rescale(x: &[f64]) -> Vec<f64> {
    let min = x.iter().copied().fold(f64::INFINITY, f64::min);
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    x.iter()
        .map(|v| (v - min) / (max - min) * 0.98 + 0.01)
        .collect()
}

#[test]
fn one_sigmoid_layer_matches_the_hand_computation() {
    // W (2 outputs × 3 inputs), no bias.
    let w = [1.0, -1.0, 0.5, 0.5, 2.0, -1.0];
    let model = Model::new(vec![dense(2, 3, &w, None, Activation::Sigmoid)]).unwrap();
    // Targets [0.99, 0.01] → z = [ln 99, −ln 99] = L·[1, −1];
    // x = zᵀ·W = L·([1, −1, 0.5] − [0.5, 2, −1]) = L·[0.5, −3, 1.5];
    // rescale: min −3L ↦ 0.01, max 1.5L ↦ 0.99, 0.5L ↦ 3.5/4.5·0.98 + 0.01.
    let image = backquery(&model, 0, TargetEncoding::RASHID).unwrap();
    assert_close(&image, &[3.5 / 4.5 * 0.98 + 0.01, 0.01, 0.99]);
    assert_in_range(&image);
    // Label 1 flips z, hence x, hence the image.
    let image = backquery(&model, 1, TargetEncoding::RASHID).unwrap();
    assert_close(&image, &[1.0 / 4.5 * 0.98 + 0.01, 0.99, 0.01]);
}

#[test]
fn a_bias_is_subtracted_before_going_back_through_the_weights() {
    let w = [1.0, -1.0, 0.5, 0.5, 2.0, -1.0];
    let b = vec![1.0, -0.5];
    let model = Model::new(vec![dense(2, 3, &w, Some(b), Activation::Sigmoid)]).unwrap();
    let l = 99f64.ln();
    let z = [l - 1.0, -l + 0.5];
    let x: Vec<f64> = (0..3)
        .map(|i| z[0] * w[i] as f64 + z[1] * w[3 + i] as f64)
        .collect();
    let image = backquery(&model, 0, TargetEncoding::RASHID).unwrap();
    assert_close(&image, &book_rescale(&x));
}

#[test]
fn two_layers_match_the_hand_computation_with_sigmoid_or_tanh_hidden() {
    // W2 (1 × 2) = [2, −1]; W1 (2 × 3) = [[1, 0, −1], [0, 1, 1]].
    // a2 = [0.99] → z2 = L → h = L·[2, −1] → rescaled to the hidden range: [hi, lo]
    // → z1 = [f⁻¹(hi), f⁻¹(lo)] = c·[1, −1] (sigmoid and tanh ranges are symmetric)
    // → x = c·([1, 0, −1] − [0, 1, 1]) = c·[1, −1, −2] → [0.99, 0.01 + 0.98/3, 0.01].
    for hidden in [Activation::Sigmoid, Activation::Tanh] {
        let model = Model::new(vec![
            dense(2, 3, &[1.0, 0.0, -1.0, 0.0, 1.0, 1.0], None, hidden),
            dense(1, 2, &[2.0, -1.0], None, Activation::Sigmoid),
        ])
        .unwrap();
        let image = backquery_output(&model, &[0.99]).unwrap();
        assert_close(&image, &[0.99, 0.01 + 0.98 / 3.0, 0.01]);
    }
}

#[test]
fn a_constant_vector_becomes_the_middle_of_the_range_not_nan() {
    // Identical columns: x = zᵀ·W is constant.
    let w = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0];
    let model = Model::new(vec![dense(2, 3, &w, None, Activation::Sigmoid)]).unwrap();
    let image = backquery(&model, 0, TargetEncoding::RASHID).unwrap();
    assert_close(&image, &[0.5, 0.5, 0.5]);

    let mut x = [3.0f32; 4];
    rescale(&mut x, -0.99, 0.99);
    assert_eq!(x, [0.0; 4]);
    let mut x = [1.0f32, f32::MAX, -f32::MAX];
    rescale(&mut x, INPUT_RANGE.0, INPUT_RANGE.1);
    assert!(x.iter().all(|v| v.is_finite()));
}

#[test]
fn relu_models_bad_labels_and_out_of_range_targets_are_errors() {
    let relu = Model::new(vec![
        dense(2, 2, &[1.0, 0.0, 0.0, 1.0], None, Activation::Relu),
        dense(2, 2, &[1.0, 0.0, 0.0, 1.0], None, Activation::Sigmoid),
    ])
    .unwrap();
    let err = backquery(&relu, 0, TargetEncoding::RASHID).unwrap_err();
    assert!(matches!(err, nn::Error::Config(_)), "{err}");
    assert!(err.to_string().contains("relu"), "{err}");

    let sigmoid = Model::new(vec![dense(
        2,
        2,
        &[1.0, 0.0, 0.0, 1.0],
        None,
        Activation::Sigmoid,
    )])
    .unwrap();
    assert!(matches!(
        backquery(&sigmoid, 2, TargetEncoding::RASHID),
        Err(nn::Error::Config(_))
    ));
    // Sigmoid⁻¹(1) = ∞: one-hot targets cannot go back through a sigmoid.
    let err = backquery(&sigmoid, 0, TargetEncoding::ONE_HOT).unwrap_err();
    assert!(matches!(err, nn::Error::Config(_)), "{err}");
    assert!(matches!(
        backquery_output(&sigmoid, &[0.5]),
        Err(nn::Error::Shape { .. })
    ));
    // Identity outputs accept any target (logits).
    let identity = Model::new(vec![dense(
        2,
        2,
        &[1.0, 0.0, 0.0, 1.0],
        None,
        Activation::Identity,
    )])
    .unwrap();
    let image = backquery(&identity, 1, TargetEncoding::ONE_HOT).unwrap();
    assert_close(&image, &[0.01, 0.99]);
}

/// 16 inputs; class 0 lights the left 8, class 1 the right 8 (values 0.01..1 as in the book).
fn halves(n_per_class: usize, seed: u64) -> InMemoryDataset {
    let mut r = rng::stream(seed, "halves");
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for i in 0..2 * n_per_class {
        let label = i % 2;
        for j in 0..16 {
            let lit = (j < 8) == (label == 0);
            let v: f32 = if lit {
                0.6 + 0.4 * r.random::<f32>()
            } else {
                0.2 * r.random::<f32>()
            };
            x.push(v * 0.99 + 0.01);
        }
        labels.push(label);
    }
    let inputs = Matrix::from_vec(2 * n_per_class, 16, x).unwrap();
    InMemoryDataset::new(inputs, labels, 2).unwrap()
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

#[test]
fn a_trained_network_backqueries_each_class_to_its_lit_half() {
    let data = halves(40, 7);
    for (seed, bias) in [(1, false), (2, false), (3, true)] {
        let mut model = Model::mlp(
            &[16, 8, 2],
            Activation::Sigmoid,
            Activation::Sigmoid,
            bias,
            Init::NormalFanIn,
            Init::Zeros,
            &mut rng::stream(seed, "init"),
        )
        .unwrap();
        let config = TrainConfig {
            batch_size: 1,
            loss: Loss::Quadratic,
            targets: TargetEncoding::RASHID,
            ..Default::default()
        };
        let mut trainer = Trainer::new(&model, config, seed).unwrap();
        let mut sgd = Sgd::plain();
        for epoch in 0..20 {
            trainer
                .train_epoch(&mut model, &mut sgd, 0.3, &data, epoch, &mut NoObserver)
                .unwrap();
        }
        let eval = trainer.evaluate(&model, &data).unwrap();
        assert_eq!(
            eval.accuracy(),
            1.0,
            "seed {seed}: the task is trivially separable"
        );

        for label in 0..2 {
            let image = backquery(&model, label, TargetEncoding::RASHID).unwrap();
            assert_eq!(image.len(), 16);
            assert_in_range(&image);
            let (left, right) = (mean(&image[..8]), mean(&image[8..]));
            println!("seed {seed} bias {bias} label {label}: left {left:.3}, right {right:.3}");
            if label == 0 {
                assert!(left > right + 0.2, "label 0: left {left} vs right {right}");
            } else {
                assert!(right > left + 0.2, "label 1: left {left} vs right {right}");
            }
        }
    }
}
