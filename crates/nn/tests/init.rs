//! Initialisers: the right spread for their fan-in/fan-out, and seeded.

use nn::{rng, Init};

fn stats(init: Init, n_in: usize, n_out: usize) -> (f64, f64, f64) {
    let mut v = vec![0.0f32; 200_000];
    init.fill(&mut v, n_in, n_out, &mut rng::stream(1, "init"));
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    let max = v.iter().map(|&x| x.abs() as f64).fold(0.0, f64::max);
    (mean, var.sqrt(), max)
}

#[test]
fn each_initialiser_has_its_documented_spread() {
    let (n_in, n_out) = (784, 100);
    let cases = [
        (Init::Normal { std: 1.0 }, 1.0),
        (Init::NormalFanIn, (1.0 / n_in as f64).sqrt()),
        (Init::XavierNormal, (2.0 / (n_in + n_out) as f64).sqrt()),
        (Init::He, (2.0 / n_in as f64).sqrt()),
        // U(-r, r) has std r/√3 with r = √(6/(n_in+n_out)).
        (
            Init::XavierUniform,
            (6.0 / (n_in + n_out) as f64).sqrt() / 3f64.sqrt(),
        ),
    ];
    for (init, want) in cases {
        let (mean, std, _) = stats(init, n_in, n_out);
        assert!(
            mean.abs() < 0.01 * want.max(0.01) * 10.0,
            "{init:?}: mean {mean}"
        );
        assert!(
            (std / want - 1.0).abs() < 0.01,
            "{init:?}: std {std} vs {want}"
        );
    }
    let (_, _, max) = stats(Init::XavierUniform, n_in, n_out);
    assert!(max <= (6.0 / (n_in + n_out) as f64).sqrt() + 1e-6);
    assert_eq!(stats(Init::Zeros, 3, 3), (0.0, 0.0, 0.0));
}

#[test]
fn initialisation_is_seeded() {
    let draw = |seed| {
        let mut v = vec![0.0f32; 16];
        Init::He.fill(&mut v, 4, 4, &mut rng::stream(seed, "init"));
        v
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
    assert!(Init::Normal { std: f64::NAN }.validate().is_err());
}
