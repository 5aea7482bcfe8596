//! `fit`: schedules see every epoch, early stopping ends a stalled run at the right epoch, a
//! diverging run stops with a record instead of training on NaN.

use linalg::Matrix;
use nn::early_stopping::{EarlyStopping, EarlyStoppingConfig};
use nn::optim::Sgd;
use nn::schedule::Constant;
use nn::{
    fit, rng, Activation, EpochRecord, FitOptions, InMemoryDataset, Init, Loss, Model, Monitor,
    Observer, TrainConfig, Trainer,
};
use rand::Rng;

fn blobs(n: usize, seed: u64) -> InMemoryDataset {
    let mut r = rng::stream(seed, "data");
    let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let x = Matrix::from_fn(n, 3, |i, j| {
        (if j == labels[i] { 1.5 } else { 0.0 }) + r.random_range(-1.0f32..1.0)
    });
    InMemoryDataset::new(x, labels, 2).unwrap()
}

#[derive(Default)]
struct Recorder(Vec<EpochRecord>, usize);

impl Observer for Recorder {
    fn on_batch(&mut self, _: &nn::BatchEvent) {
        self.1 += 1;
    }
    fn on_epoch(&mut self, r: &EpochRecord) {
        self.0.push(*r);
    }
}

fn setup() -> (Model, Trainer) {
    let model = Model::mlp(
        &[3, 8, 2],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Zeros,
        &mut rng::stream(3, "init"),
    )
    .unwrap();
    let trainer = Trainer::new(
        &model,
        TrainConfig {
            batch_size: 10,
            loss: Loss::SoftmaxCrossEntropy,
            ..Default::default()
        },
        3,
    )
    .unwrap();
    (model, trainer)
}

#[test]
fn fit_reports_every_epoch_and_evaluates_validation_and_test() {
    let (train, val, test) = (blobs(200, 1), blobs(50, 2), blobs(50, 3));
    let (mut model, mut trainer) = setup();
    let mut rec = Recorder::default();
    let report = fit(
        &mut trainer,
        &mut model,
        &mut Sgd::default(),
        &mut Constant::new(0.2).unwrap(),
        &train,
        FitOptions {
            epochs: 4,
            validation: Some(&val),
            test: Some(&test),
            early_stopping: None,
            start_epoch: 0,
        },
        &mut rec,
    )
    .unwrap();
    assert_eq!(report.epochs.len(), 4);
    assert_eq!(rec.0, report.epochs);
    assert_eq!(rec.1, 4 * 20, "one batch event per batch");
    assert!(report
        .epochs
        .iter()
        .all(|e| e.validation.unwrap().total == 50 && e.test.unwrap().total == 50 && e.lr == 0.2));
    assert!(
        report.epochs[3].validation.unwrap().accuracy() > 0.8,
        "{:?}",
        report.epochs[3]
    );
    assert_eq!((report.stopped_early_at, report.diverged_at), (None, None));
}

#[test]
fn early_stopping_ends_a_stalled_run_and_names_the_best_epoch() {
    let (train, val) = (blobs(200, 1), blobs(50, 2));
    let (mut model, mut trainer) = setup();
    // A learning rate of 0 cannot improve anything: the first epoch stays best.
    let es = EarlyStopping::new(EarlyStoppingConfig {
        monitor: Monitor::ValLoss,
        patience: 3,
        min_delta: 0.0,
    })
    .unwrap();
    let mut lr0 = Constant::new(1e-30).unwrap();
    let report = fit(
        &mut trainer,
        &mut model,
        &mut Sgd::default(),
        &mut lr0,
        &train,
        FitOptions {
            epochs: 50,
            validation: Some(&val),
            test: None,
            early_stopping: Some(es),
            start_epoch: 0,
        },
        &mut nn::NoObserver,
    )
    .unwrap();
    assert_eq!(
        report.stopped_early_at,
        Some(4),
        "1 best epoch + 3 without improvement"
    );
    assert_eq!(report.best_epoch, Some(1));
    assert_eq!(report.epochs.len(), 4);
}

#[test]
fn a_diverging_run_stops_with_a_record_instead_of_a_crash() {
    let train = blobs(100, 1);
    let mut model = Model::mlp(
        &[3, 8, 2],
        Activation::Relu,
        Activation::Identity,
        true,
        Init::He,
        Init::Zeros,
        &mut rng::stream(3, "init"),
    )
    .unwrap();
    let mut trainer = Trainer::new(
        &model,
        TrainConfig {
            batch_size: 10,
            loss: Loss::Quadratic,
            ..Default::default()
        },
        3,
    )
    .unwrap();
    let report = fit(
        &mut trainer,
        &mut model,
        &mut Sgd::default(),
        &mut Constant::new(1e6).unwrap(),
        &train,
        FitOptions {
            epochs: 20,
            ..Default::default()
        },
        &mut nn::NoObserver,
    )
    .unwrap();
    let at = report
        .diverged_at
        .expect("lr 1e6 on a ReLU net with squared error must diverge");
    assert_eq!(report.epochs.len(), at);
    assert!(!report.epochs[at - 1].train_loss.is_finite());
}

#[test]
fn weights_that_overflow_are_divergence_even_while_the_loss_is_finite() {
    // One batch per epoch: the loss is measured before the update, so it is finite, but an
    // update at the largest f32 rate throws the weights to ±∞ (outputs of ±10 or so give
    // gradients above 1). Nothing in the loss shows it yet; the optimizer's own check must.
    let train = blobs(100, 1);
    let mut model = Model::mlp(
        &[3, 8, 2],
        Activation::Sigmoid,
        Activation::Identity,
        true,
        Init::Normal { std: 10.0 },
        Init::Zeros,
        &mut rng::stream(3, "init"),
    )
    .unwrap();
    let mut trainer = Trainer::new(
        &model,
        TrainConfig {
            batch_size: 100,
            loss: Loss::Quadratic,
            ..Default::default()
        },
        3,
    )
    .unwrap();
    let mut seen = Vec::new();
    struct Record<'a>(&'a mut Vec<(f64, bool)>);
    impl nn::Observer for Record<'_> {
        fn on_batch(&mut self, e: &nn::BatchEvent) {
            self.0.push((e.loss, e.params_finite));
        }
    }
    let stats = trainer
        .train_epoch(
            &mut model,
            &mut Sgd::default(),
            f32::MAX,
            &train,
            1,
            &mut Record(&mut seen),
        )
        .unwrap();
    assert!(stats.mean_loss.is_finite(), "{}", stats.mean_loss);
    assert!(!stats.params_finite);
    assert!(stats.diverged());
    assert_eq!(seen.len(), 1);
    assert!(seen[0].0.is_finite() && !seen[0].1, "{seen:?}");

    // An ordinary rate keeps every parameter finite.
    let (mut calm, mut calm_trainer) = setup();
    let stats = calm_trainer
        .train_epoch(
            &mut calm,
            &mut Sgd::default(),
            0.1,
            &train,
            1,
            &mut nn::NoObserver,
        )
        .unwrap();
    assert!(stats.params_finite && !stats.diverged());

    // fit records it at that epoch.
    let mut fresh = Model::mlp(
        &[3, 8, 2],
        Activation::Sigmoid,
        Activation::Identity,
        true,
        Init::Normal { std: 10.0 },
        Init::Zeros,
        &mut rng::stream(3, "init"),
    )
    .unwrap();
    let report = fit(
        &mut trainer,
        &mut fresh,
        &mut Sgd::default(),
        &mut Constant::new(f64::from(f32::MAX)).unwrap(),
        &train,
        FitOptions {
            epochs: 5,
            ..Default::default()
        },
        &mut nn::NoObserver,
    )
    .unwrap();
    assert_eq!(report.diverged_at, Some(1));
    assert!(report.epochs[0].train_loss.is_finite());
}
