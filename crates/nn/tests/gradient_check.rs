//! Finite-difference checks of backpropagation: central differences of the batch loss against
//! the analytic gradients, for every hidden activation × (output activation, loss) pair.

use linalg::{Backend, Matrix};
use nn::{rng, Activation, Init, Loss, Model, TargetEncoding, Workspace};
use rand::Rng;

const BATCH: usize = 5;
/// Central-difference step: large enough that f32 rounding of the loss (~1e-7·L/ε) stays well
/// below the tolerance, small enough that truncation (~ε²) does too.
const EPS: f32 = 1e-2;

fn batch_loss(model: &Model, x: &Matrix, labels: &[usize], loss: Loss, enc: TargetEncoding) -> f64 {
    batch_loss_and_signs(model, x, labels, loss, enc).0
}

/// The mean batch loss, and which hidden outputs are positive (for ReLU-like activations this is
/// the side of the kink each unit is on).
fn batch_loss_and_signs(
    model: &Model,
    x: &Matrix,
    labels: &[usize],
    loss: Loss,
    enc: TargetEncoding,
) -> (f64, Vec<bool>) {
    let mut ws = Workspace::new(model, BATCH);
    let out = model.forward(Backend::Pure, &mut ws, x.view());
    let l = (0..labels.len())
        .map(|i| loss.sample_loss(out.row(i), labels[i], enc))
        .sum::<f64>()
        / labels.len() as f64;
    let signs = (0..model.layers().len() - 1)
        .flat_map(|layer| {
            ws.activation(layer, BATCH)
                .data()
                .iter()
                .map(|&a| a > 0.0)
                .collect::<Vec<_>>()
        })
        .collect();
    (l, signs)
}

/// Adds `delta` to element `k` of parameter slice `slot`.
fn nudge(model: &mut Model, grads: &nn::Grads, slot: usize, k: usize, delta: f32) {
    let mut s = 0;
    model.visit_params_mut(grads, |_, p, _| {
        if s == slot {
            p[k] += delta;
        }
        s += 1;
    });
}

fn check(hidden: Activation, output: Activation, loss: Loss, enc: TargetEncoding, seed: u64) {
    let mut r = rng::stream(seed, "test");
    let mut model = Model::mlp(
        &[4, 6, 5, 3],
        hidden,
        output,
        true,
        Init::Normal { std: 0.8 },
        Init::Normal { std: 0.5 },
        &mut r,
    )
    .unwrap();
    let x = Matrix::from_fn(BATCH, 4, |_, _| r.random_range(-1.5..1.5));
    let labels: Vec<usize> = (0..BATCH).map(|i| i % 3).collect();

    let mut ws = Workspace::new(&model, BATCH);
    let mut grads = model.zero_grads();
    model.forward(Backend::Pure, &mut ws, x.view());
    model.output_delta(&mut ws, &labels, loss, enc);
    model.backward(Backend::Pure, &mut ws, x.view(), &mut grads);

    let mut analytic = Vec::new();
    model
        .clone()
        .visit_params_mut(&grads, |_, _, g| analytic.push(g.to_vec()));
    let (mut checked, mut straddled) = (0, 0);
    for (slot, slot_grads) in analytic.iter().enumerate() {
        for (k, &a) in slot_grads.iter().enumerate() {
            nudge(&mut model, &grads, slot, k, EPS);
            let (plus, signs_plus) = batch_loss_and_signs(&model, &x, &labels, loss, enc);
            nudge(&mut model, &grads, slot, k, -2.0 * EPS);
            let (minus, signs_minus) = batch_loss_and_signs(&model, &x, &labels, loss, enc);
            nudge(&mut model, &grads, slot, k, EPS);
            if signs_plus != signs_minus
                && matches!(hidden, Activation::Relu | Activation::LeakyRelu(_))
            {
                // θ ± ε straddles a kink of a piecewise-linear unit: no derivative to compare.
                straddled += 1;
                continue;
            }
            let numeric = (plus - minus) / (2.0 * EPS as f64);
            let a = a as f64;
            let tol = 2e-2 * numeric.abs().max(a.abs()) + 2e-4;
            assert!(
                (numeric - a).abs() <= tol,
                "{hidden:?}/{output:?}/{loss:?}: param slot {slot} index {k}: numeric {numeric:.6} vs analytic {a:.6}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked + straddled, model.num_params());
    assert!(
        straddled * 10 <= checked,
        "{hidden:?}: {straddled} kink crossings of {checked} checks"
    );
}

const HIDDEN: [Activation; 5] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu(0.1),
    Activation::Identity,
];

#[test]
fn quadratic_loss_gradients_match_finite_differences() {
    for (i, h) in HIDDEN.into_iter().enumerate() {
        for out in [Activation::Sigmoid, Activation::Tanh, Activation::Identity] {
            check(
                h,
                out,
                Loss::Quadratic,
                TargetEncoding::RASHID,
                10 + i as u64,
            );
        }
    }
}

#[test]
fn softmax_cross_entropy_gradients_match_finite_differences() {
    for (i, h) in HIDDEN.into_iter().enumerate() {
        check(
            h,
            Activation::Identity,
            Loss::SoftmaxCrossEntropy,
            TargetEncoding::ONE_HOT,
            20 + i as u64,
        );
        check(
            h,
            Activation::Identity,
            Loss::SoftmaxCrossEntropy,
            TargetEncoding::RASHID,
            30 + i as u64,
        );
    }
}

#[test]
fn binary_cross_entropy_gradients_match_finite_differences() {
    for (i, h) in HIDDEN.into_iter().enumerate() {
        check(
            h,
            Activation::Sigmoid,
            Loss::BinaryCrossEntropy,
            TargetEncoding::ONE_HOT,
            40 + i as u64,
        );
    }
}

#[test]
fn a_wrong_gradient_is_caught() {
    // The checker itself must be able to fail: corrupt one analytic gradient on purpose.
    let result = std::panic::catch_unwind(|| {
        let mut r = rng::stream(5, "test");
        let model = Model::mlp(
            &[2, 3, 2],
            Activation::Sigmoid,
            Activation::Sigmoid,
            true,
            Init::NormalFanIn,
            Init::Zeros,
            &mut r,
        )
        .unwrap();
        let x = Matrix::from_fn(BATCH, 2, |_, _| r.random_range(-1.0..1.0));
        let labels = [0, 1, 0, 1, 0];
        let mut ws = Workspace::new(&model, BATCH);
        let mut grads = model.zero_grads();
        model.forward(Backend::Pure, &mut ws, x.view());
        model.output_delta(&mut ws, &labels, Loss::Quadratic, TargetEncoding::ONE_HOT);
        model.backward(Backend::Pure, &mut ws, x.view(), &mut grads);
        let g = grads.layers[0].weights.get(0, 0);
        let mut m = model.clone();
        m.layers_mut()[0]
            .weights
            .set(0, 0, model.layers()[0].weights.get(0, 0) + EPS);
        let plus = batch_loss(&m, &x, &labels, Loss::Quadratic, TargetEncoding::ONE_HOT);
        m.layers_mut()[0]
            .weights
            .set(0, 0, model.layers()[0].weights.get(0, 0) - EPS);
        let minus = batch_loss(&m, &x, &labels, Loss::Quadratic, TargetEncoding::ONE_HOT);
        let numeric = (plus - minus) / (2.0 * EPS as f64);
        let wrong = g as f64 * 1.5 + 0.01;
        assert!((numeric - wrong).abs() <= 2e-2 * numeric.abs().max(wrong.abs()) + 2e-4);
    });
    assert!(result.is_err(), "a 50% gradient error went unnoticed");
}

#[test]
fn extreme_logits_give_finite_losses_and_gradients() {
    let mut r = rng::stream(3, "test");
    let mut model = Model::mlp(
        &[2, 3],
        Activation::Sigmoid,
        Activation::Identity,
        true,
        Init::Normal { std: 1.0 },
        Init::Zeros,
        &mut r,
    )
    .unwrap();
    model.layers_mut()[0]
        .weights
        .as_mut_slice()
        .iter_mut()
        .for_each(|w| *w *= 1e4);
    let x = Matrix::from_vec(2, 2, vec![50.0, -50.0, -80.0, 90.0]).unwrap();
    for (loss, act) in [
        (Loss::SoftmaxCrossEntropy, Activation::Identity),
        (Loss::BinaryCrossEntropy, Activation::Sigmoid),
        (Loss::Quadratic, Activation::Sigmoid),
    ] {
        model.layers_mut()[0].activation = act;
        let mut ws = Workspace::new(&model, 2);
        let mut grads = model.zero_grads();
        model.forward(Backend::Pure, &mut ws, x.view());
        let l = model.output_delta(&mut ws, &[0, 2], loss, TargetEncoding::ONE_HOT);
        model.backward(Backend::Pure, &mut ws, x.view(), &mut grads);
        assert!(l.is_finite(), "{loss:?}: loss {l}");
        assert!(
            grads.layers[0]
                .weights
                .as_slice()
                .iter()
                .all(|g| g.is_finite()),
            "{loss:?}: gradient"
        );
    }
}
