//! Conv2d against a direct (naive) convolution and finite differences, with stride and padding;
//! MaxPool2d routing and finite differences.

use linalg::{Backend, MatMut, Matrix};
use nn::conv2d::{Conv2dConfig, Shape3};
use nn::maxpool2d::MaxPool2d;
use nn::{rng, Activation, Init};
use rand::Rng;

const B: usize = 2;
const EPS: f32 = 1e-2;

fn config(act: Activation) -> Conv2dConfig {
    Conv2dConfig {
        input: Shape3::new(2, 5, 6),
        out_channels: 3,
        kernel: (3, 2),
        stride: (2, 1),
        padding: (1, 1),
        activation: act,
        weight_init: Init::Normal { std: 0.5 },
        bias: true,
    }
}

/// Direct convolution: Z[o, y, x] = b[o] + Σ_{c,dy,dx} W[o, c, dy, dx]·X[c, y·sh+dy−ph, x·sw+dx−pw].
fn direct(conv: &nn::conv2d::Conv2d, x: &[f32]) -> Vec<f32> {
    let c = *conv.config();
    let (i, o) = (c.input, conv.output_shape());
    let mut out = vec![0.0; o.len()];
    for oc in 0..o.channels {
        for oy in 0..o.height {
            for ox in 0..o.width {
                let mut z = conv.bias.as_ref().map_or(0.0, |b| b[oc]) as f64;
                for ic in 0..i.channels {
                    for dy in 0..c.kernel.0 {
                        for dx in 0..c.kernel.1 {
                            let y = (oy * c.stride.0 + dy) as isize - c.padding.0 as isize;
                            let xx = (ox * c.stride.1 + dx) as isize - c.padding.1 as isize;
                            if y < 0 || xx < 0 || y >= i.height as isize || xx >= i.width as isize {
                                continue;
                            }
                            let w = conv
                                .weights
                                .get(oc, (ic * c.kernel.0 + dy) * c.kernel.1 + dx)
                                as f64;
                            z += w * x[(ic * i.height + y as usize) * i.width + xx as usize] as f64;
                        }
                    }
                }
                out[(oc * o.height + oy) * o.width + ox] = c.activation.apply(z as f32);
            }
        }
    }
    out
}

#[test]
fn conv_matches_a_direct_convolution_on_each_backend() {
    let mut r = rng::stream(1, "test");
    let mut conv = config(Activation::Tanh).init(&mut r).unwrap();
    conv.bias = Some(vec![0.1, -0.2, 0.3]);
    assert_eq!(conv.output_shape(), Shape3::new(3, 3, 7));
    let x = Matrix::from_fn(B, 60, |_, _| r.random_range(-1.0..1.0));
    let (cr, cc) = conv.col_shape();
    for &backend in Backend::available() {
        let mut col = Matrix::zeros(cr, cc);
        let mut out = Matrix::filled(B, conv.output_shape().len(), f32::NAN);
        conv.forward(backend, x.view(), out.view_mut(), &mut col);
        for s in 0..B {
            for (a, b) in out.row(s).iter().zip(direct(&conv, x.row(s))) {
                assert!((a - b).abs() < 1e-5, "{backend}: {a} vs {b}");
            }
        }
    }
}

/// L = Σ (A ⊙ G) for a fixed random G, so ∂L/∂A = G.
fn loss(conv: &nn::conv2d::Conv2d, x: &Matrix, g: &Matrix) -> f64 {
    let (cr, cc) = conv.col_shape();
    let mut col = Matrix::zeros(cr, cc);
    let mut out = Matrix::zeros(B, conv.output_shape().len());
    conv.forward(Backend::Pure, x.view(), out.view_mut(), &mut col);
    out.as_slice()
        .iter()
        .zip(g.as_slice())
        .map(|(&a, &b)| a as f64 * b as f64)
        .sum()
}

#[test]
fn conv_gradients_match_finite_differences() {
    let mut r = rng::stream(2, "test");
    let mut conv = config(Activation::Sigmoid).init(&mut r).unwrap();
    conv.bias = Some(vec![0.1, -0.2, 0.3]);
    let mut x = Matrix::from_fn(B, 60, |_, _| r.random_range(-1.0..1.0));
    let n_out = conv.output_shape().len();
    let g = Matrix::from_fn(B, n_out, |_, _| r.random_range(-1.0..1.0));
    let (cr, cc) = conv.col_shape();
    let mut col = Matrix::zeros(cr, cc);
    let mut out = Matrix::zeros(B, n_out);
    conv.forward(Backend::Pure, x.view(), out.view_mut(), &mut col);
    // Δ = ∂L/∂Z = G ⊙ f'(A).
    let mut delta = g.clone();
    conv.activation()
        .backward_inplace(delta.view_mut(), out.view());
    let mut grads = conv.zero_grads();
    conv.backward_params(Backend::Pure, x.view(), delta.view(), &mut grads, &mut col);
    let mut dx = Matrix::filled(B, 60, f32::NAN);
    conv.backward_input(Backend::Pure, delta.view(), dx.view_mut(), &mut col);

    let check = |numeric: f64, analytic: f32, what: &str| {
        let a = analytic as f64;
        assert!(
            (numeric - a).abs() <= 2e-2 * numeric.abs().max(a.abs()) + 2e-3,
            "{what}: numeric {numeric} vs {a}"
        );
    };
    for k in 0..conv.weights.as_slice().len() {
        let orig = conv.weights.as_slice()[k];
        conv.weights.as_mut_slice()[k] = orig + EPS;
        let plus = loss(&conv, &x, &g);
        conv.weights.as_mut_slice()[k] = orig - EPS;
        let minus = loss(&conv, &x, &g);
        conv.weights.as_mut_slice()[k] = orig;
        check(
            (plus - minus) / (2.0 * EPS as f64),
            grads.weights.as_slice()[k],
            &format!("weight {k}"),
        );
    }
    for c in 0..3 {
        let orig = conv.bias.as_ref().unwrap()[c];
        conv.bias.as_mut().unwrap()[c] = orig + EPS;
        let plus = loss(&conv, &x, &g);
        conv.bias.as_mut().unwrap()[c] = orig - EPS;
        let minus = loss(&conv, &x, &g);
        conv.bias.as_mut().unwrap()[c] = orig;
        check(
            (plus - minus) / (2.0 * EPS as f64),
            grads.bias.as_ref().unwrap()[c],
            &format!("bias {c}"),
        );
    }
    for k in 0..x.as_slice().len() {
        let orig = x.as_slice()[k];
        x.as_mut_slice()[k] = orig + EPS;
        let plus = loss(&conv, &x, &g);
        x.as_mut_slice()[k] = orig - EPS;
        let minus = loss(&conv, &x, &g);
        x.as_mut_slice()[k] = orig;
        check(
            (plus - minus) / (2.0 * EPS as f64),
            dx.as_slice()[k],
            &format!("input {k}"),
        );
    }
}

#[test]
fn impossible_convolutions_are_config_errors() {
    let mut c = config(Activation::Relu);
    c.kernel = (9, 2);
    assert!(c.output().is_err());
    c.kernel = (3, 2);
    c.stride = (0, 1);
    assert!(c.output().is_err());
}

#[test]
fn maxpool_picks_window_maxima_and_routes_gradients_to_them() {
    let pool = MaxPool2d::new(Shape3::new(1, 4, 5), (2, 2), (2, 2)).unwrap();
    assert_eq!(pool.output_shape(), Shape3::new(1, 2, 2));
    #[rustfmt::skip]
    let x = Matrix::from_vec(1, 20, vec![
        1., 5., 0., 0., 9.,
        2., 3., 7., 1., 9.,
        0., 0., -1., -2., 9.,
        4., 0., -3., -1., 9.,
    ]).unwrap();
    let mut y = Matrix::zeros(1, 4);
    let mut arg = vec![0u32; 4];
    pool.forward(x.view(), y.view_mut(), &mut arg);
    assert_eq!(y.as_slice(), &[5., 7., 4., -1.]);
    assert_eq!(arg, vec![1, 7, 15, 12]);
    let d = Matrix::from_vec(1, 4, vec![10., 20., 30., 40.]).unwrap();
    let mut dx = Matrix::filled(1, 20, f32::NAN);
    pool.backward(d.view(), &arg, dx.view_mut());
    let mut want = [0.0; 20];
    want[1] = 10.;
    want[7] = 20.;
    want[15] = 30.;
    want[12] = 40.;
    assert_eq!(dx.as_slice(), &want[..]);
}

#[test]
fn maxpool_gradient_matches_finite_differences() {
    let mut r = rng::stream(4, "test");
    let pool = MaxPool2d::new(Shape3::new(2, 6, 5), (3, 2), (2, 2)).unwrap();
    let n_out = pool.output_shape().len();
    let mut x = Matrix::from_fn(B, 60, |_, _| r.random_range(-1.0..1.0));
    let g = Matrix::from_fn(B, n_out, |_, _| r.random_range(-1.0..1.0));
    let f = |x: &Matrix| {
        let mut y = Matrix::zeros(B, n_out);
        let mut arg = vec![0u32; B * n_out];
        pool.forward(x.view(), y.view_mut(), &mut arg);
        (
            y.as_slice()
                .iter()
                .zip(g.as_slice())
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum::<f64>(),
            arg,
        )
    };
    let (_, arg) = f(&x);
    let mut dx = Matrix::zeros(B, 60);
    pool.backward(
        g.view(),
        &arg,
        MatMut::from_slice(B, 60, dx.as_mut_slice()).unwrap(),
    );
    let eps = 1e-3;
    for k in 0..60 * B {
        let orig = x.as_slice()[k];
        x.as_mut_slice()[k] = orig + eps;
        let plus = f(&x).0;
        x.as_mut_slice()[k] = orig - eps;
        let minus = f(&x).0;
        x.as_mut_slice()[k] = orig;
        let numeric = (plus - minus) / (2.0 * eps as f64);
        assert!(
            (numeric - dx.as_slice()[k] as f64).abs() < 1e-3,
            "input {k}: {numeric} vs {}",
            dx.as_slice()[k]
        );
    }
}
