//! Interrupt a run anywhere, checkpoint it to disk, restore into fresh objects, continue: the
//! final weights are bit-identical to an uninterrupted run (dropout, shuffling, Adam's moments
//! and a step schedule all carry state that must survive).

use linalg::Matrix;
use nn::optim::{AdamConfig, Optimizer, OptimizerConfig};
use nn::schedule::{Schedule, ScheduleConfig};
use nn::{
    checkpoint, fit, rng, Activation, FitOptions, InMemoryDataset, Init, Loss, Model, Observer,
    TrainConfig, Trainer,
};
use rand::Rng;

fn data() -> InMemoryDataset {
    let mut r = rng::stream(1, "data");
    let labels: Vec<usize> = (0..120).map(|i| i % 3).collect();
    let x = Matrix::from_fn(120, 4, |i, j| {
        (if j == labels[i] { 1.5 } else { 0.0 }) + r.random_range(-1.0f32..1.0)
    });
    InMemoryDataset::new(x, labels, 3).unwrap()
}

const EPOCHS: usize = 3;

struct Parts {
    model: Model,
    trainer: Trainer,
    optimizer: Box<dyn Optimizer + Send>,
    schedule: Box<dyn Schedule + Send>,
}

fn fresh() -> Parts {
    let mut model = Model::mlp(
        &[4, 16, 3],
        Activation::Relu,
        Activation::Identity,
        true,
        Init::He,
        Init::Zeros,
        &mut rng::stream(9, "init"),
    )
    .unwrap();
    model.set_dropout(0, 0.25).unwrap();
    let trainer = Trainer::new(
        &model,
        TrainConfig {
            batch_size: 8,
            shuffle: true,
            loss: Loss::SoftmaxCrossEntropy,
            ..Default::default()
        },
        9,
    )
    .unwrap();
    let optimizer = OptimizerConfig::from(AdamConfig::default())
        .build(&model)
        .unwrap();
    let schedule = ScheduleConfig::StepDecay {
        initial: 0.01,
        factor: 0.5,
        every: 1,
    }
    .build()
    .unwrap();
    Parts {
        model,
        trainer,
        optimizer,
        schedule,
    }
}

/// Stops after `after` batches in total.
struct StopAfter(usize);

impl Observer for StopAfter {
    fn should_stop(&mut self) -> bool {
        self.0 = self.0.saturating_sub(1);
        self.0 == 0
    }
}

fn run(p: &mut Parts, start_epoch: usize, observer: &mut dyn Observer) -> nn::FitReport {
    let d = data();
    let options = FitOptions {
        epochs: EPOCHS,
        start_epoch,
        ..Default::default()
    };
    fit(
        &mut p.trainer,
        &mut p.model,
        &mut *p.optimizer,
        &mut *p.schedule,
        &d,
        options,
        observer,
    )
    .unwrap()
}

fn interrupted_then_resumed(stop_after_batches: usize) -> Model {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.ckpt");
    let mut first = fresh();
    let report = run(&mut first, 0, &mut StopAfter(stop_after_batches));
    let at = report.interrupted_at.expect("the observer interrupts");
    let completed = report.epochs.len();
    assert_eq!(completed, at - 1);
    checkpoint::save(
        &path,
        &first.model,
        &*first.optimizer,
        Some(&*first.schedule),
        &first.trainer,
        completed,
        &serde_json::json!({"note": "x"}),
    )
    .unwrap();
    drop(first);

    let saved = checkpoint::load(&path).unwrap();
    assert_eq!(saved.extra["note"], "x");
    let start = saved.completed_epochs;
    let mut second = fresh();
    second.model = saved
        .restore(
            &mut *second.optimizer,
            Some(&mut *second.schedule),
            &mut second.trainer,
        )
        .unwrap();
    let report = run(&mut second, start, &mut nn::NoObserver);
    assert_eq!(report.interrupted_at, None);
    second.model
}

#[test]
fn resuming_from_a_checkpoint_is_bit_identical_to_an_uninterrupted_run() {
    let mut straight = fresh();
    let report = run(&mut straight, 0, &mut nn::NoObserver);
    assert_eq!(report.epochs.len(), EPOCHS);
    // 15 batches per epoch: stop inside epoch 1, inside epoch 2, and right after its first batch.
    for stop in [4, 22, 16] {
        assert_eq!(
            interrupted_then_resumed(stop),
            straight.model,
            "interrupted after {stop} batches"
        );
    }
    // And the comparison is meaningful: a run with another seed differs.
    let mut other = fresh();
    other.trainer = Trainer::new(&other.model, *straight.trainer.config(), 10).unwrap();
    run(&mut other, 0, &mut nn::NoObserver);
    assert_ne!(other.model, straight.model);
}

#[test]
fn corrupt_or_foreign_checkpoints_are_rejected_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = fresh();
    let path = dir.path().join("c.ckpt");
    checkpoint::save(
        &path,
        &p.model,
        &*p.optimizer,
        Some(&*p.schedule),
        &p.trainer,
        0,
        &serde_json::Value::Null,
    )
    .unwrap();
    let good = std::fs::read_to_string(&path).unwrap();
    for (name, text) in [
        ("truncated", good[..good.len() / 2].to_string()),
        (
            "version",
            good.replacen("\"version\":1", "\"version\":7", 1),
        ),
        ("format", good.replacen("mynet-checkpoint", "other", 1)),
    ] {
        let bad = dir.path().join(format!("{name}.ckpt"));
        std::fs::write(&bad, text).unwrap();
        let err = checkpoint::load(&bad).unwrap_err().to_string();
        assert!(err.contains(&format!("{name}.ckpt")), "{name}: {err}");
    }
    assert!(checkpoint::load(&dir.path().join("missing.ckpt")).is_err());
}

#[test]
fn a_checkpoint_of_another_architecture_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.ckpt");
    // 4-8-3 saved, a 4-16-3 run resumes it.
    let other = Model::mlp(
        &[4, 8, 3],
        Activation::Relu,
        Activation::Identity,
        true,
        Init::He,
        Init::Zeros,
        &mut rng::stream(9, "init"),
    )
    .unwrap();
    let first = fresh();
    checkpoint::save(
        &path,
        &other,
        &*first.optimizer,
        None,
        &first.trainer,
        0,
        &serde_json::Value::Null,
    )
    .unwrap();
    let mut run = fresh();
    let err = checkpoint::load(&path)
        .unwrap()
        .restore(&mut *run.optimizer, None, &mut run.trainer)
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("state.ckpt"), "{text}");
    assert!(text.contains("expected 16, got 8"), "{text}");

    // The trainer also refuses to train or evaluate a model it was not built for.
    let err = run
        .trainer
        .train_epoch(
            &mut other.clone(),
            &mut *run.optimizer,
            0.1,
            &data(),
            1,
            &mut nn::NoObserver,
        )
        .unwrap_err();
    assert!(matches!(err, nn::Error::Shape { .. }), "{err}");
    assert!(run.trainer.evaluate(&other, &data()).is_err());
}
