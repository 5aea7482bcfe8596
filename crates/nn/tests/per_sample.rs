//! Per-sample plain SGD (batch size 1) runs fused — each weight update folded into the next
//! sample's forward pass — and must train exactly like the step-by-step algorithm (forward,
//! backward into a gradient, update), up to float rounding, for either backward rule; it must
//! not depend on the thread count, resume bit-identically after an interruption and report
//! divergence.

mod common;
use common::{in_pool, max_rel_diff, params};

use linalg::{Backend, Matrix};
use nn::optim::{Optimizer, Sgd, SgdConfig};
use nn::{
    rng, Activation, Backprop, BatchEvent, Dataset, Grads, InMemoryDataset, Init, Loss, Model,
    NoObserver, Observer, SplitBatch, TargetEncoding, TrainConfig, Trainer, ROW_SPLIT_MIN,
};
use rand::Rng;

/// `n` noisy samples of `classes` classes in `d` dimensions.
fn blobs(n: usize, d: usize, classes: usize) -> InMemoryDataset {
    let mut r = rng::stream(9, "data");
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % classes).collect();
    let x = Matrix::from_fn(n, d, |i, j| {
        (if j % classes == labels[i] { 1.0 } else { 0.0 }) + r.random_range(0.0f32..0.5)
    });
    InMemoryDataset::new(x, labels, classes).unwrap()
}

fn model(sizes: &[usize], output: Activation, bias: bool) -> Model {
    Model::mlp(
        sizes,
        Activation::Sigmoid,
        output,
        bias,
        Init::NormalFanIn,
        Init::Normal { std: 0.1 },
        &mut rng::stream(3, "init"),
    )
    .unwrap()
}

/// `θ ← θ − η·g` from the gradient the trainer computed: the unfused algorithm (this optimizer
/// does not declare itself plain SGD, so the trainer takes the step-by-step path).
struct StepByStep;

impl Optimizer for StepByStep {
    fn step(&mut self, model: &mut Model, grads: &Grads, lr: f32) -> bool {
        for (layer, g) in model.layers_mut().iter_mut().zip(&grads.layers) {
            for (w, &d) in layer
                .weights
                .as_mut_slice()
                .iter_mut()
                .zip(g.weights.as_slice())
            {
                *w -= lr * d;
            }
            if let (Some(b), Some(db)) = (layer.bias.as_mut(), g.bias.as_ref()) {
                for (b, &d) in b.iter_mut().zip(db) {
                    *b -= lr * d;
                }
            }
        }
        true
    }

    fn describe(&self) -> String {
        "step-by-step sgd".into()
    }
}

fn plain_sgd() -> Sgd {
    Sgd::new(SgdConfig::default())
}

fn config(loss: Loss, targets: TargetEncoding, backprop: Backprop) -> TrainConfig {
    TrainConfig {
        batch_size: 1,
        loss,
        targets,
        backprop,
        backend: Backend::Pure,
        ..Default::default()
    }
}

/// Trains `epochs` epochs and returns the parameters and the mean loss of each epoch.
fn train(
    model: &mut Model,
    config: TrainConfig,
    optimizer: &mut dyn Optimizer,
    data: &InMemoryDataset,
    epochs: usize,
) -> (Vec<f32>, Vec<f64>) {
    let mut trainer = Trainer::new(model, config, 1).unwrap();
    let losses = (0..epochs)
        .map(|e| {
            let s = trainer
                .train_epoch(model, optimizer, 0.3, data, e, &mut NoObserver)
                .unwrap();
            assert!(s.params_finite);
            s.mean_loss
        })
        .collect();
    (params(model), losses)
}

#[test]
fn fused_steps_train_like_the_step_by_step_algorithm() {
    let data = blobs(150, 20, 3);
    let cases = [
        // (sizes, output, bias, loss, targets, rule)
        (
            vec![20, 9, 3],
            Activation::Sigmoid,
            false,
            Loss::Quadratic,
            TargetEncoding::RASHID,
            Backprop::RawError,
        ),
        (
            vec![20, 9, 3],
            Activation::Sigmoid,
            true,
            Loss::Quadratic,
            TargetEncoding::ONE_HOT,
            Backprop::Gradient,
        ),
        (
            vec![20, 11, 6, 3],
            Activation::Identity,
            true,
            Loss::SoftmaxCrossEntropy,
            TargetEncoding::ONE_HOT,
            Backprop::Gradient,
        ),
    ];
    for (sizes, output, bias, loss, targets, rule) in cases {
        let cfg = config(loss, targets, rule);
        let mut fused = model(&sizes, output, bias);
        let mut reference = fused.clone();
        let (p_fused, l_fused) = train(&mut fused, cfg, &mut plain_sgd(), &data, 3);
        let (p_ref, l_ref) = train(&mut reference, cfg, &mut StepByStep, &data, 3);
        assert_ne!(
            p_fused,
            params(&model(&sizes, output, bias)),
            "nothing trained"
        );
        let d = max_rel_diff(&p_fused, &p_ref);
        assert!(d < 1e-5, "{sizes:?} {rule:?}: parameters differ by {d}");
        for (a, b) in l_fused.iter().zip(&l_ref) {
            assert!((a - b).abs() < 1e-5 * b.abs().max(1.0), "loss {a} vs {b}");
        }
        assert!(l_fused[2] < l_fused[0], "loss did not fall: {l_fused:?}");
    }
}

/// A first layer large enough to have its rows split over a team of 2 or 3 threads gives the
/// same bits as one thread — and the same training as the step-by-step algorithm.
#[test]
fn split_rows_do_not_change_a_bit() {
    let (d, hidden) = (330, 160);
    assert!(d * hidden >= ROW_SPLIT_MIN);
    let data = blobs(40, d, 4);
    let cfg = TrainConfig {
        split_batch: SplitBatch::Auto,
        ..config(
            Loss::SoftmaxCrossEntropy,
            TargetEncoding::ONE_HOT,
            Backprop::Gradient,
        )
    };
    let sizes = [d, hidden, 4];
    let run = |threads: usize| {
        in_pool(threads, || {
            let mut m = model(&sizes, Activation::Identity, true);
            let mut trainer = Trainer::new(&m, cfg, 1).unwrap();
            for e in 0..2 {
                trainer
                    .train_epoch(&mut m, &mut plain_sgd(), 0.3, &data, e, &mut NoObserver)
                    .unwrap();
            }
            (params(&m), trainer.split_threads())
        })
    };
    let (one, none) = run(1);
    assert_eq!(none, None);
    for threads in [2, 3] {
        let (p, split) = run(threads);
        assert_eq!(split, Some(threads));
        assert_eq!(p, one, "{threads} threads");
    }
    // 52,800 weights: a pool of 8 gets 3 threads (at least 16,384 weights each).
    let (p, split) = run(8);
    assert_eq!(split, Some(3));
    assert_eq!(p, one);
    // One trainer, first in a pool of 1, then of 2: the second epoch is split.
    let (p, split) = {
        let mut m = model(&sizes, Activation::Identity, true);
        let mut trainer = Trainer::new(&m, cfg, 1).unwrap();
        for (e, threads) in [1, 2].into_iter().enumerate() {
            in_pool(threads, || {
                trainer
                    .train_epoch(&mut m, &mut plain_sgd(), 0.3, &data, e, &mut NoObserver)
                    .unwrap();
            });
        }
        (params(&m), trainer.split_threads())
    };
    assert_eq!(split, Some(2), "the team follows the pool");
    assert_eq!(p, one);
    let mut reference = model(&sizes, Activation::Identity, true);
    let (p_ref, _) = train(&mut reference, cfg, &mut StepByStep, &data, 2);
    let diff = max_rel_diff(&one, &p_ref);
    assert!(diff < 1e-5, "{diff}");
}

/// Stops after every `every` samples.
struct StopEvery {
    every: usize,
    seen: usize,
}

impl Observer for StopEvery {
    fn on_batch(&mut self, _event: &BatchEvent) {
        self.seen += 1;
    }

    fn should_stop(&mut self) -> bool {
        self.seen.is_multiple_of(self.every)
    }
}

/// An epoch interrupted (and the model touched in between) continues bit-identically: the
/// forward pass computed ahead for the next sample is dropped, not reused.
#[test]
fn interrupted_epochs_continue_bit_identically() {
    let data = blobs(60, 20, 3);
    let cfg = config(Loss::Quadratic, TargetEncoding::RASHID, Backprop::RawError);
    let sizes = [20, 9, 3];
    let mut whole = model(&sizes, Activation::Sigmoid, false);
    let (p_whole, _) = train(&mut whole, cfg, &mut plain_sgd(), &data, 2);

    let mut parts = model(&sizes, Activation::Sigmoid, false);
    let mut trainer = Trainer::new(&parts, cfg, 1).unwrap();
    let mut stop = StopEvery { every: 7, seen: 0 };
    for e in 0..2 {
        loop {
            let s = trainer
                .train_epoch(&mut parts, &mut plain_sgd(), 0.3, &data, e, &mut stop)
                .unwrap();
            if s.completed {
                break;
            }
            // Saved and restored in between, as a checkpointing loop would.
            let state = trainer.state();
            trainer = Trainer::new(&parts, cfg, 1).unwrap();
            trainer.load_state(&state).unwrap();
        }
    }
    assert_eq!(params(&parts), p_whole);

    // Weights changed between two calls are the ones the next step uses.
    let mut a = model(&sizes, Activation::Sigmoid, false);
    let mut b = a.clone();
    let mut ta = Trainer::new(&a, cfg, 1).unwrap();
    let mut tb = Trainer::new(&b, cfg, 1).unwrap();
    let mut stop = StopEvery { every: 5, seen: 0 };
    ta.train_epoch(&mut a, &mut plain_sgd(), 0.3, &data, 0, &mut stop)
        .unwrap();
    tb.train_epoch(&mut b, &mut plain_sgd(), 0.3, &data, 0, &mut stop)
        .unwrap();
    for m in [&mut a, &mut b] {
        m.layers_mut()[0].weights.as_mut_slice()[0] += 1.0;
    }
    let mut fresh = Trainer::new(&b, cfg, 1).unwrap();
    fresh.load_state(&tb.state()).unwrap();
    ta.train_epoch(&mut a, &mut plain_sgd(), 0.3, &data, 0, &mut NoObserver)
        .unwrap();
    fresh
        .train_epoch(&mut b, &mut plain_sgd(), 0.3, &data, 0, &mut NoObserver)
        .unwrap();
    assert_eq!(params(&a), params(&b));
}

/// Collects each step's finiteness report.
#[derive(Default)]
struct Finite(Vec<bool>);

impl Observer for Finite {
    fn on_batch(&mut self, event: &BatchEvent) {
        self.0.push(event.params_finite);
    }
}

#[test]
fn divergence_is_reported_at_the_step_it_happens() {
    let data = blobs(30, 20, 3);
    let cfg = TrainConfig {
        shuffle: false,
        ..config(
            Loss::SoftmaxCrossEntropy,
            TargetEncoding::ONE_HOT,
            Backprop::Gradient,
        )
    };
    let start = model(&[20, 9, 3], Activation::Identity, true);
    let mut m = start.clone();
    let mut trainer = Trainer::new(&m, cfg, 1).unwrap();
    let mut seen = Finite::default();
    let s = trainer
        .train_epoch(&mut m, &mut plain_sgd(), 3e38, &data, 0, &mut seen)
        .unwrap();
    assert!(!s.params_finite);
    let first_bad = seen
        .0
        .iter()
        .position(|f| !f)
        .expect("a step reported divergence");
    assert!(seen.0[..first_bad].iter().all(|&f| f));
    // The same samples one at a time (file order), checking the weights after each.
    let mut r = start;
    let mut one_by_one = Trainer::new(&r, cfg, 1).unwrap();
    let first_ref = (0..data.len()).find(|&i| {
        one_by_one
            .train_batch(&mut r, &mut plain_sgd(), 3e38, &data, &[i])
            .unwrap();
        !params(&r).iter().all(|v| v.is_finite())
    });
    assert_eq!(first_ref, Some(first_bad));
}
