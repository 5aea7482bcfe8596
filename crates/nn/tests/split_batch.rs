//! Batches split over threads (`TrainConfig::split_batch`) give the gradients and the training
//! of the unsplit batch, up to float rounding, and stay deterministic.

mod common;
use common::{in_pool, max_rel_diff, params};

use linalg::{Backend, Matrix};
use nn::optim::{Momentum, Optimizer, Sgd, SgdConfig, WeightDecay};
use nn::{
    rng, Activation, InMemoryDataset, Init, Loss, Model, NoObserver, SplitBatch, TrainConfig,
    Trainer,
};
use rand::Rng;

/// Four noisy classes in 12 dimensions.
fn blobs(n: usize) -> InMemoryDataset {
    let mut r = rng::stream(5, "data");
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % 4).collect();
    let x = Matrix::from_fn(n, 12, |i, j| {
        (if j % 4 == labels[i] { 1.5 } else { 0.0 }) + r.random_range(-1.0f32..1.0)
    });
    InMemoryDataset::new(x, labels, 4).unwrap()
}

fn model(hidden: Activation, seed: u64) -> Model {
    Model::mlp(
        &[12, 40, 24, 4],
        hidden,
        Activation::Identity,
        true,
        Init::XavierUniform,
        Init::Normal { std: 0.1 },
        &mut rng::stream(seed, "init"),
    )
    .unwrap()
}

/// Batches of 32; `split` forces the split (the network is far below `SPLIT_MIN_WORK`).
fn config(backend: Backend, loss: Loss, split: bool) -> TrainConfig {
    TrainConfig {
        batch_size: 32,
        backend,
        loss,
        split_batch: if split {
            SplitBatch::Always
        } else {
            SplitBatch::Never
        },
        ..Default::default()
    }
}

/// Plain SGD, or SGD with momentum 0.9.
fn optimizer(plain: bool) -> Box<dyn Optimizer> {
    if plain {
        Box::new(Sgd::plain())
    } else {
        Box::new(Sgd::new(SgdConfig {
            momentum: Momentum::Classic { mu: 0.9 },
            weight_decay: WeightDecay::None,
        }))
    }
}

/// Eight epochs (75 samples: batches 32, 32, 11 — the last split 5 + 6) on `threads` threads.
fn train(threads: usize, cfg: TrainConfig, plain: bool, lr: f32) -> (Model, Trainer, Vec<f64>) {
    in_pool(threads, || {
        let mut optimizer = optimizer(plain);
        let optimizer = optimizer.as_mut();
        let data = blobs(75);
        let mut m = model(Activation::Sigmoid, 3);
        let mut trainer = Trainer::new(&m, cfg, 9).unwrap();
        let losses = (0..8)
            .map(|epoch| {
                let stats = trainer
                    .train_epoch(&mut m, optimizer, lr, &data, epoch, &mut NoObserver)
                    .unwrap();
                assert!(stats.params_finite);
                stats.mean_loss
            })
            .collect();
        (m, trainer, losses)
    })
}

#[test]
fn one_split_batch_has_the_gradient_of_the_whole_batch() {
    for &backend in Backend::available() {
        for loss in [Loss::SoftmaxCrossEntropy, Loss::Quadratic] {
            let grads = |split: bool, threads: usize| {
                in_pool(threads, || {
                    let data = blobs(75);
                    let mut m = model(Activation::Tanh, 4);
                    let mut t = Trainer::new(&m, config(backend, loss, split), 1).unwrap();
                    let idx: Vec<usize> = (10..42).collect();
                    // Not plain SGD, whose split update skips the weight-gradient matrix.
                    let mut sgd = optimizer(false);
                    let l = t
                        .train_batch(&mut m, sgd.as_mut(), 0.0, &data, &idx)
                        .unwrap();
                    (t.grads().clone(), l, t.split_threads())
                })
            };
            let (whole, whole_loss, none) = grads(false, 2);
            assert_eq!(none, None, "split_batch off never splits");
            for threads in [2, 3] {
                let (parts, parts_loss, used) = grads(true, threads);
                assert_eq!(used, Some(threads), "{backend}: the batch was split");
                assert!((whole_loss - parts_loss).abs() < 1e-6 * whole_loss.abs().max(1.0));
                for (l, (a, b)) in whole.layers.iter().zip(&parts.layers).enumerate() {
                    let dw = max_rel_diff(a.weights.as_slice(), b.weights.as_slice());
                    let db = max_rel_diff(a.bias.as_ref().unwrap(), b.bias.as_ref().unwrap());
                    assert!(
                        dw < 1e-5 && db < 1e-5,
                        "{backend} {loss:?} {threads} threads, layer {l}: dW {dw:e}, db {db:e}"
                    );
                }
            }
        }
    }
}

#[test]
fn split_training_follows_unsplit_training_and_is_deterministic() {
    for &backend in Backend::available() {
        let cfg = |split| config(backend, Loss::SoftmaxCrossEntropy, split);
        // Plain SGD (updated inside the split) and momentum (updated by the optimizer after it).
        for plain in [true, false] {
            let lr = if plain { 0.5 } else { 0.05 };
            let run = |split: bool| train(2, cfg(split), plain, lr);
            let (whole, _, whole_losses) = run(false);
            let (a, trainer, a_losses) = run(true);
            let (b, _, b_losses) = run(true);
            assert_eq!(trainer.split_threads(), Some(2));
            assert_eq!(a, b, "{backend}: same threads, same seed, same weights");
            assert_eq!(a_losses, b_losses);
            let diff = max_rel_diff(&params(&whole), &params(&a));
            assert!(
                diff < 1e-4,
                "{backend} plain={plain}: weights differ by {diff:e}"
            );
            for (x, y) in whole_losses.iter().zip(&a_losses) {
                assert!((x - y).abs() < 1e-4 * x.abs(), "{x} vs {y}");
            }
            assert!(
                a_losses[7] < 0.9 * a_losses[0],
                "plain={plain} trains: {a_losses:?}"
            );
        }
    }
}

#[test]
fn a_split_update_that_overflows_is_reported_as_divergence() {
    for &backend in Backend::available() {
        in_pool(2, || {
            let data = blobs(75);
            let mut m = model(Activation::Sigmoid, 3);
            let cfg = config(backend, Loss::SoftmaxCrossEntropy, true);
            let mut trainer = Trainer::new(&m, cfg, 9).unwrap();
            let stats = trainer
                .train_epoch(
                    &mut m,
                    &mut Sgd::plain(),
                    f32::MAX,
                    &data,
                    0,
                    &mut NoObserver,
                )
                .unwrap();
            assert_eq!(trainer.split_threads(), Some(2));
            assert!(
                !stats.params_finite && stats.diverged(),
                "{backend}: {stats:?}"
            );
        });
    }
}

#[test]
fn small_batches_and_one_thread_are_not_split() {
    let run = |threads: usize, batch_size: usize, split_batch: SplitBatch| {
        in_pool(threads, || {
            let data = blobs(20);
            let mut m = model(Activation::Relu, 2);
            let cfg = TrainConfig {
                batch_size,
                split_batch,
                ..config(Backend::Pure, Loss::SoftmaxCrossEntropy, true)
            };
            let mut trainer = Trainer::new(&m, cfg, 1).unwrap();
            trainer
                .train_epoch(&mut m, &mut Sgd::plain(), 0.1, &data, 0, &mut NoObserver)
                .unwrap();
            trainer.split_threads()
        })
    };
    assert_eq!(run(1, 16, SplitBatch::Always), None, "one thread");
    assert_eq!(
        run(2, 7, SplitBatch::Always),
        None,
        "fewer than 2 × MIN_PART_ROWS samples"
    );
    assert_eq!(run(2, 8, SplitBatch::Always), Some(2));
    assert_eq!(
        run(2, 16, SplitBatch::Auto),
        None,
        "too little work to split"
    );
}
