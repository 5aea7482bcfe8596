//! L2 regularisation: the update SGD makes with `WeightDecay::L2 { λ, n }` is exactly a gradient
//! step on the regularised loss `C = L + λ/(2n)·Σ w²` (weights only, not biases), checked
//! against central finite differences of `C`.

use linalg::{Backend, Matrix};
use nn::optim::{Optimizer, Sgd, SgdConfig, WeightDecay};
use nn::{rng, Activation, Init, Loss, Model, ParamRole, TargetEncoding, Workspace};
use rand::Rng;

const B: usize = 4;
const LAMBDA: f32 = 3.0;
const N: usize = 10;
const EPS: f32 = 1e-2;

fn regularised_loss(m: &Model, x: &Matrix, labels: &[usize]) -> f64 {
    let mut ws = Workspace::new(m, B);
    let out = m.forward(Backend::Pure, &mut ws, x.view());
    let data = (0..B)
        .map(|i| Loss::Quadratic.sample_loss(out.row(i), labels[i], TargetEncoding::ONE_HOT))
        .sum::<f64>()
        / B as f64;
    let squares: f64 = m
        .layers()
        .iter()
        .flat_map(|l| l.weights.as_slice())
        .map(|&w| (w as f64).powi(2))
        .sum();
    data + LAMBDA as f64 / (2.0 * N as f64) * squares
}

#[test]
fn sgd_with_l2_steps_along_the_gradient_of_the_regularised_loss() {
    let mut r = rng::stream(4, "test");
    let model = Model::mlp(
        &[3, 4, 2],
        Activation::Sigmoid,
        Activation::Sigmoid,
        true,
        Init::Normal { std: 1.0 },
        Init::Normal { std: 1.0 },
        &mut r,
    )
    .unwrap();
    let x = Matrix::from_fn(B, 3, |_, _| r.random_range(-1.0..1.0));
    let labels = [0, 1, 1, 0];

    // The step the optimizer takes, divided by -lr, is its effective gradient.
    let lr = 1e-3;
    let mut ws = Workspace::new(&model, B);
    let mut grads = model.zero_grads();
    model.forward(Backend::Pure, &mut ws, x.view());
    model.output_delta(&mut ws, &labels, Loss::Quadratic, TargetEncoding::ONE_HOT);
    model.backward(Backend::Pure, &mut ws, x.view(), &mut grads);
    let mut stepped = model.clone();
    let mut sgd = Sgd::new(SgdConfig {
        weight_decay: WeightDecay::L2 {
            lambda: LAMBDA,
            n: N,
        },
        ..Default::default()
    });
    sgd.step(&mut stepped, &grads, lr);

    let mut before = Vec::new();
    model
        .clone()
        .visit_params_mut(&grads, |role, p, _| before.push((role, p.to_vec())));
    let mut after = Vec::new();
    stepped.visit_params_mut(&grads, |_, p, _| after.push(p.to_vec()));

    let mut probe = model.clone();
    for (slot, ((role, b), a)) in before.iter().zip(&after).enumerate() {
        for k in 0..b.len() {
            let effective = ((b[k] - a[k]) / lr) as f64;
            let nudge = |m: &mut Model, d: f32| {
                let mut s = 0;
                m.visit_params_mut(&grads, |_, p, _| {
                    if s == slot {
                        p[k] += d;
                    }
                    s += 1;
                });
            };
            nudge(&mut probe, EPS);
            let plus = regularised_loss(&probe, &x, &labels);
            nudge(&mut probe, -2.0 * EPS);
            let minus = regularised_loss(&probe, &x, &labels);
            nudge(&mut probe, EPS);
            let numeric = (plus - minus) / (2.0 * EPS as f64);
            // f32 parameter rounding of θ - lr·g limits the effective gradient to ~1e-7/lr.
            let tol = 2e-2 * numeric.abs().max(effective.abs()) + 5e-4;
            assert!(
                (numeric - effective).abs() <= tol,
                "{role:?} slot {slot}[{k}]: numeric {numeric} vs step {effective}"
            );
            if *role == ParamRole::Weight && b[k].abs() > 0.1 {
                // The decay term is a real part of it: without it the check would fail.
                let without = effective - (LAMBDA / N as f32 * b[k]) as f64;
                assert!(
                    (numeric - without).abs() > tol,
                    "decay term too small to test at slot {slot}[{k}]"
                );
            }
        }
    }
}
