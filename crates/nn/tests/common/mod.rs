//! Helpers shared by the integration tests that compare whole training runs.

use nn::Model;

/// Every weight and bias of `model`, layer by layer.
pub fn params(model: &Model) -> Vec<f32> {
    model
        .layers()
        .iter()
        .flat_map(|l| {
            let mut v = l.weights.as_slice().to_vec();
            v.extend(l.bias.iter().flatten());
            v
        })
        .collect()
}

/// The largest `|a − b|` relative to the largest `|a|`.
pub fn max_rel_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = a.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    a.iter()
        .zip(b)
        .fold(0f32, |m, (x, y)| m.max((x - y).abs() / scale))
}

/// Runs `f` in a rayon pool of `threads` threads.
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}
