//! The learning-rate range test on a small synthetic problem: two overlapping Gaussian blobs
//! learned by a 2-16-2 tanh MLP with softmax cross-entropy and plain SGD.

use linalg::Matrix;
use nn::lr_finder::{find_lr, LrFinderConfig, LrFinderResult, LrFinderStop};
use nn::optim::Sgd;
use nn::{
    rng, Activation, Error, InMemoryDataset, Init, Loss, Model, NoObserver, TrainConfig, Trainer,
};
use rand_distr::{Distribution, Normal};

/// `n` points, the even ones around (−1, −1) with label 0 and the odd ones around (1, 1) with
/// label 1, σ = 1 (about 8% of points lie on the other side).
fn blobs(n: usize, seed: u64) -> InMemoryDataset {
    let mut rng = rng::stream(seed, "blobs");
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let x = Matrix::from_fn(n, 2, |i, _| {
        let centre = if i % 2 == 0 { -1.0 } else { 1.0 };
        centre + noise.sample(&mut rng)
    });
    InMemoryDataset::new(x, (0..n).map(|i| i % 2).collect(), 2).unwrap()
}

/// The same freshly initialised model every call.
fn fresh_model() -> Model {
    Model::mlp(
        &[2, 16, 2],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Zeros,
        &mut rng::stream(7, "init"),
    )
    .unwrap()
}

fn trainer(model: &Model) -> Trainer {
    let config = TrainConfig {
        batch_size: 16,
        loss: Loss::SoftmaxCrossEntropy,
        ..Default::default()
    };
    Trainer::new(model, config, 3).unwrap()
}

fn run(config: &LrFinderConfig, data: &InMemoryDataset, seed: u64) -> LrFinderResult {
    let mut model = fresh_model();
    let mut t = trainer(&model);
    find_lr(&mut model, &mut Sgd::plain(), &mut t, data, config, seed).unwrap()
}

/// Mean loss on `data` after `epochs` epochs of the fresh model at rate `lr`.
fn loss_after(lr: f32, epochs: usize, data: &InMemoryDataset) -> f64 {
    let mut model = fresh_model();
    let mut t = trainer(&model);
    let mut sgd = Sgd::plain();
    for epoch in 0..epochs {
        t.train_epoch(&mut model, &mut sgd, lr, data, epoch, &mut NoObserver)
            .unwrap();
    }
    t.evaluate(&model, data).unwrap().mean_loss()
}

/// fastai's settings, but up to an absurd 10⁴ at 20 steps per decade (cross-entropy's bounded
/// gradient keeps this problem trainable up to about 5). Suggestions skip the first 18 points.
fn wide_range() -> LrFinderConfig {
    LrFinderConfig {
        end_lr: 1e4,
        steps: 180,
        ..Default::default()
    }
}

#[test]
fn range_test_diverges_early_and_suggests_a_rate_that_trains() {
    let data = blobs(256, 1);
    let config = wide_range();
    let r = run(&config, &data, 11);

    // Rates follow the geometric ramp, strictly increasing.
    for (i, p) in r.points.iter().enumerate() {
        assert_eq!(p.lr, config.lr_at(i));
    }
    assert!(r.points.windows(2).all(|w| w[1].lr > w[0].lr));
    assert_eq!(r.points[0].lr, 1e-5);

    // It stops on divergence well before the end of the ramp.
    assert_eq!(r.stop, LrFinderStop::Diverged);
    assert!(r.points.len() < config.steps, "{} points", r.points.len());
    let last = r.points.last().unwrap();
    assert!(last.lr < 1e3, "stopped only at {}", last.lr);
    let best = r
        .points
        .iter()
        .map(|p| p.smoothed_loss)
        .fold(f64::INFINITY, f64::min);
    assert!(last.smoothed_loss > config.diverge_factor * best);

    // Both suggestions lie inside the range and below the minimum, and train the fresh model
    // far better than the starting rate: σ = 1 blobs have a cross-entropy floor near 0.2.
    let steepest = r.steepest_lr.unwrap();
    let min_lr = r.min_loss_lr.unwrap();
    let min_div10 = r.min_loss_lr_div10.unwrap();
    assert_eq!(min_div10, min_lr / 10.0);
    for lr in [steepest, min_div10] {
        assert!(1e-5 < lr && lr < 1e4 && lr <= min_lr, "suggested {lr}");
    }
    let at_start = loss_after(1e-5, 5, &data);
    assert!(at_start > 0.6, "{at_start}");
    for lr in [steepest, min_div10] {
        let trained = loss_after(lr, 5, &data);
        assert!(
            trained < 0.5 * at_start,
            "at {lr}: {trained} vs {at_start} at start_lr"
        );
    }
}

#[test]
fn smoothed_loss_is_the_bias_corrected_moving_average() {
    let data = blobs(64, 2);
    let config = LrFinderConfig {
        end_lr: 1.0,
        steps: 30,
        ..Default::default()
    };
    let r = run(&config, &data, 5);
    assert_eq!(r.stop, LrFinderStop::Completed);
    assert_eq!(r.points.len(), 30);
    // m_i = 0.98·m_{i−1} + 0.02·L_i, L̂_i = m_i / (1 − 0.98^{i+1}); L̂_0 = L_0.
    let mut m = 0.0;
    for (i, p) in r.points.iter().enumerate() {
        m = 0.98 * m + 0.02 * p.loss;
        let want = m / (1.0 - 0.98f64.powi(i as i32 + 1));
        assert!((p.smoothed_loss - want).abs() < 1e-12, "step {i}");
    }
    assert!((r.points[0].smoothed_loss - r.points[0].loss).abs() < 1e-12);
    // Without smoothing the two columns agree.
    let raw = run(
        &LrFinderConfig {
            smoothing: 0.0,
            ..config
        },
        &data,
        5,
    );
    assert!(raw.points.iter().all(|p| p.smoothed_loss == p.loss));
}

#[test]
fn range_test_is_seeded_and_wraps_around_small_data() {
    // 20 samples in batches of 16: every step after the first reshuffles.
    let data = blobs(20, 3);
    let config = LrFinderConfig {
        end_lr: 0.1,
        steps: 50,
        ..Default::default()
    };
    let a = run(&config, &data, 9);
    assert_eq!(a.stop, LrFinderStop::Completed);
    assert_eq!(a.points.len(), 50);
    assert_eq!(a, run(&config, &data, 9));
    assert_ne!(a.points, run(&config, &data, 10).points);
}

#[test]
fn non_finite_loss_stops_the_test_without_recording_it() {
    // Linear least squares: past η ≈ 2/λ_max every step multiplies the error, until the
    // outputs overflow f32. No divergence rule, so only the NaN/∞ check can stop it.
    let mut model = Model::mlp(
        &[2, 2],
        Activation::Identity,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Zeros,
        &mut rng::stream(7, "init"),
    )
    .unwrap();
    let train = TrainConfig {
        batch_size: 16,
        loss: Loss::Quadratic,
        ..Default::default()
    };
    let mut t = Trainer::new(&model, train, 3).unwrap();
    let config = LrFinderConfig {
        end_lr: 1e3,
        steps: 300,
        diverge_factor: f64::INFINITY,
        ..Default::default()
    };
    let data = blobs(64, 4);
    let r = find_lr(&mut model, &mut Sgd::plain(), &mut t, &data, &config, 1).unwrap();
    assert_eq!(r.stop, LrFinderStop::NonFinite);
    assert!(r.points.len() < 300);
    assert!(r
        .points
        .iter()
        .all(|p| p.loss.is_finite() && p.smoothed_loss.is_finite()));
    // The result serialises for the run directory.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains(r#""stop":"non_finite""#));
}

#[test]
fn invalid_config_and_empty_data_are_config_errors() {
    let ok = LrFinderConfig::default();
    assert!(ok.validate().is_ok());
    let bad = [
        LrFinderConfig {
            start_lr: 0.0,
            ..ok
        },
        LrFinderConfig {
            start_lr: f64::NAN,
            ..ok
        },
        LrFinderConfig { end_lr: 1e-6, ..ok },
        LrFinderConfig {
            end_lr: f64::INFINITY,
            ..ok
        },
        LrFinderConfig { steps: 1, ..ok },
        LrFinderConfig {
            skip_start_frac: 1.0,
            ..ok
        },
        LrFinderConfig {
            smoothing: 1.0,
            ..ok
        },
        LrFinderConfig {
            smoothing: -0.1,
            ..ok
        },
        LrFinderConfig {
            diverge_factor: 1.0,
            ..ok
        },
        LrFinderConfig {
            diverge_factor: f64::NAN,
            ..ok
        },
    ];
    for c in bad {
        assert!(matches!(c.validate(), Err(Error::Config(_))), "{c:?}");
    }
    let empty = InMemoryDataset::new(Matrix::zeros(0, 2), vec![], 2).unwrap();
    let mut model = fresh_model();
    let mut t = trainer(&model);
    let r = find_lr(&mut model, &mut Sgd::plain(), &mut t, &empty, &ok, 0);
    assert!(matches!(r, Err(Error::Config(_))));
}
