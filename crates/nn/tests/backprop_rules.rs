//! The raw-error rule of *Make your own neural network* against the book's formulas written out
//! with explicit loops, and against the true gradient (they must differ exactly by the output
//! derivative in the hidden layer).

// The reference is written with index loops on purpose, to read like the book's formulas.
#![allow(clippy::needless_range_loop)]

use linalg::{Backend, Matrix};
use nn::{rng, sigmoid, Activation, Backprop, Init, Loss, Model, TargetEncoding, Workspace};
use rand::Rng;

/// Book notation: `who` (output × hidden), `wih` (hidden × input); per sample,
/// `e_o = t − o`, `e_h = whoᵀ·e_o`, `Δwho = lr·(e_o·o·(1−o))·hᵀ`, `Δwih = lr·(e_h·h·(1−h))·xᵀ`.
/// Returns the *negated* mean step per unit learning rate, i.e. the "gradient" the rule follows.
fn book_gradients(wih: &Matrix, who: &Matrix, x: &Matrix, labels: &[usize]) -> (Matrix, Matrix) {
    let (n_h, n_i, n_o) = (wih.rows(), wih.cols(), who.rows());
    let mut g_ih = Matrix::zeros(n_h, n_i);
    let mut g_ho = Matrix::zeros(n_o, n_h);
    let b = x.rows() as f32;
    for (s, &label) in labels.iter().enumerate() {
        let xs = x.row(s);
        let h: Vec<f32> = (0..n_h)
            .map(|j| sigmoid((0..n_i).map(|i| wih.get(j, i) * xs[i]).sum()))
            .collect();
        let o: Vec<f32> = (0..n_o)
            .map(|k| sigmoid((0..n_h).map(|j| who.get(k, j) * h[j]).sum()))
            .collect();
        let e_o: Vec<f32> = (0..n_o)
            .map(|k| TargetEncoding::RASHID.value(k, label) - o[k])
            .collect();
        let e_h: Vec<f32> = (0..n_h)
            .map(|j| (0..n_o).map(|k| who.get(k, j) * e_o[k]).sum())
            .collect();
        for k in 0..n_o {
            for j in 0..n_h {
                let v = g_ho.get(k, j) - e_o[k] * o[k] * (1.0 - o[k]) * h[j] / b;
                g_ho.set(k, j, v);
            }
        }
        for j in 0..n_h {
            for i in 0..n_i {
                let v = g_ih.get(j, i) - e_h[j] * h[j] * (1.0 - h[j]) * xs[i] / b;
                g_ih.set(j, i, v);
            }
        }
    }
    (g_ih, g_ho)
}

fn grads(model: &Model, x: &Matrix, labels: &[usize], rule: Backprop) -> nn::Grads {
    let mut ws = Workspace::new(model, x.rows());
    let mut g = model.zero_grads();
    model.forward(Backend::Pure, &mut ws, x.view());
    model.output_delta_with(
        &mut ws,
        labels,
        Loss::Quadratic,
        TargetEncoding::RASHID,
        rule,
    );
    model.backward_with(Backend::Pure, &mut ws, x.view(), &mut g, rule);
    g
}

fn close(a: &Matrix, b: &Matrix) -> bool {
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .all(|(x, y)| (x - y).abs() <= 1e-6 + 1e-4 * y.abs())
}

#[test]
fn raw_error_rule_matches_the_books_formulas() {
    let mut r = rng::stream(9, "test");
    let model = Model::mlp(
        &[6, 5, 4],
        Activation::Sigmoid,
        Activation::Sigmoid,
        false,
        Init::NormalFanIn,
        Init::Zeros,
        &mut r,
    )
    .unwrap();
    let x = Matrix::from_fn(3, 6, |_, _| r.random_range(0.01..1.0));
    let labels = [2, 0, 3];
    let (g_ih, g_ho) = book_gradients(
        &model.layers()[0].weights,
        &model.layers()[1].weights,
        &x,
        &labels,
    );

    let raw = grads(&model, &x, &labels, Backprop::RawError);
    assert!(close(&raw.layers[1].weights, &g_ho), "output layer");
    assert!(close(&raw.layers[0].weights, &g_ih), "hidden layer");

    // The true gradient agrees on the output layer and differs on the hidden one.
    let exact = grads(&model, &x, &labels, Backprop::Gradient);
    assert!(
        close(&exact.layers[1].weights, &g_ho),
        "output layer, exact"
    );
    assert!(
        !close(&exact.layers[0].weights, &g_ih),
        "hidden layer must differ"
    );
}
