//! Batches split over threads (`TrainConfig::split_batch`) — by samples, or under plain SGD by
//! the rows of the lower layers — give the gradients and the training of the unsplit batch, up
//! to float rounding, and stay deterministic.

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
    blobs_in(n, 12)
}

/// Four noisy classes in `d` dimensions.
fn blobs_in(n: usize, d: usize) -> InMemoryDataset {
    let mut r = rng::stream(5, "data");
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % 4).collect();
    let x = Matrix::from_fn(n, d, |i, j| {
        (if j % 4 == labels[i] { 1.5 } else { 0.0 }) + r.random_range(-1.0f32..1.0)
    });
    InMemoryDataset::new(x, labels, 4).unwrap()
}

fn model(hidden: Activation, seed: u64) -> Model {
    model_of(&[12, 40, 24, 4], hidden, seed)
}

fn model_of(sizes: &[usize], hidden: Activation, seed: u64) -> Model {
    Model::mlp(
        sizes,
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
    let splits = [SplitBatch::Always, SplitBatch::Rows];
    for (&backend, split_batch) in Backend::available()
        .iter()
        .flat_map(|b| splits.map(|s| (b, s)))
    {
        in_pool(2, || {
            let data = blobs(75);
            let mut m = model(Activation::Sigmoid, 3);
            let cfg = TrainConfig {
                split_batch,
                ..config(backend, Loss::SoftmaxCrossEntropy, true)
            };
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
                "{backend} {split_batch:?}: {stats:?}"
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

/// Eight epochs of plain SGD of a `sizes` network on `samples` samples on `threads` threads;
/// the final weights, the epoch losses and the trainer's split threads.
fn train_rows(
    sizes: &[usize],
    samples: usize,
    threads: usize,
    cfg: TrainConfig,
    lr: f32,
) -> (Vec<f32>, Vec<f64>, Option<usize>) {
    in_pool(threads, || {
        let data = blobs(samples);
        let mut m = model_of(sizes, Activation::Sigmoid, 3);
        let mut trainer = Trainer::new(&m, cfg, 9).unwrap();
        let losses = (0..8)
            .map(|epoch| {
                let stats = trainer
                    .train_epoch(&mut m, &mut Sgd::plain(), lr, &data, epoch, &mut NoObserver)
                    .unwrap();
                assert!(stats.params_finite);
                stats.mean_loss
            })
            .collect();
        (params(&m), losses, trainer.split_threads())
    })
}

#[test]
fn row_split_training_follows_unsplit_training_and_is_deterministic() {
    // Two split layers; one; a hidden layer narrower than the threads (a lane with no rows),
    // first and second.
    let shapes: [&[usize]; 4] = [&[12, 40, 24, 4], &[12, 40, 4], &[12, 2, 4], &[12, 40, 2, 4]];
    for &backend in Backend::available() {
        for loss in [Loss::SoftmaxCrossEntropy, Loss::Quadratic] {
            for sizes in shapes {
                let cfg = |split_batch| TrainConfig {
                    split_batch,
                    ..config(backend, loss, false)
                };
                let (whole, whole_losses, none) =
                    train_rows(sizes, 75, 2, cfg(SplitBatch::Never), 0.5);
                assert_eq!(none, None);
                for threads in [2, 3] {
                    let run = || train_rows(sizes, 75, threads, cfg(SplitBatch::Rows), 0.5);
                    let (a, a_losses, used) = run();
                    let (b, b_losses, _) = run();
                    let what = format!("{backend} {loss:?} {sizes:?} {threads} threads");
                    assert_eq!(used, Some(threads), "{what}: split");
                    assert!(a == b, "{what}: same threads, same seed, same weights");
                    assert_eq!(a_losses, b_losses, "{what}");
                    let diff = max_rel_diff(&whole, &a);
                    assert!(diff < 1e-4, "{what}: weights differ by {diff:e}");
                    for (x, y) in whole_losses.iter().zip(&a_losses) {
                        assert!(
                            (x - y).abs() < 1e-4 * x.abs().max(1.0),
                            "{what}: {x} vs {y}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn auto_splits_the_rows_of_a_first_layer_that_outweighs_the_batch() {
    // 12 × 2800 = 33,600 weights ≥ ROW_SPLIT_MIN and ≥ 32 samples × 12 inputs; 32 × the
    // parameters ≥ SPLIT_MIN_WORK (64 samples: every batch is 32).
    let sizes = [12, 2800, 4];
    let cfg = |split_batch| TrainConfig {
        split_batch,
        ..config(Backend::Pure, Loss::SoftmaxCrossEntropy, false)
    };
    let run = |split| train_rows(&sizes, 64, 2, cfg(split), 0.1);
    let ((auto, _, used), (rows, _, _)) = (run(SplitBatch::Auto), run(SplitBatch::Rows));
    assert_eq!(used, Some(2));
    assert!(auto == rows, "Auto took the row split");
}

#[test]
fn split_updates_of_wide_layers_follow_unsplit_training() {
    // 300 inputs: the plain-SGD update products run in column blocks on the pure backend.
    let sizes = [300, 20, 4];
    for &backend in Backend::available() {
        let run = |split_batch: SplitBatch| {
            in_pool(2, || {
                let data = blobs_in(64, 300);
                let mut m = model_of(&sizes, Activation::Sigmoid, 3);
                let cfg = TrainConfig {
                    split_batch,
                    ..config(backend, Loss::SoftmaxCrossEntropy, false)
                };
                let mut trainer = Trainer::new(&m, cfg, 9).unwrap();
                for epoch in 0..3 {
                    let stats = trainer
                        .train_epoch(
                            &mut m,
                            &mut Sgd::plain(),
                            0.5,
                            &data,
                            epoch,
                            &mut NoObserver,
                        )
                        .unwrap();
                    assert!(stats.params_finite);
                }
                (params(&m), trainer.split_threads())
            })
        };
        let (whole, _) = run(SplitBatch::Never);
        for split_batch in [SplitBatch::Always, SplitBatch::Rows] {
            let (split, used) = run(split_batch);
            assert_eq!(used, Some(2), "{backend} {split_batch:?}");
            let diff = max_rel_diff(&whole, &split);
            assert!(
                diff < 1e-4,
                "{backend} {split_batch:?}: weights differ by {diff:e}"
            );
        }
    }
}
