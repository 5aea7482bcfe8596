//! Trains 784-100-10 (sigmoid hidden, softmax cross-entropy) on MNIST with each optimizer for
//! three epochs and prints the test accuracies; then one run that combines the learning-rate
//! range test, reduce-on-plateau, early stopping and dropout, and prints its confusion matrix
//! and exports the weights as safetensors.
//!
//! ```sh
//! cargo run --release -p nn --example mnist_optimizers -- [MNIST_DIR]
//! ```
//! `MNIST_DIR` defaults to `$MYNET_DATA_DIR/mnist`. Uses `data` only to read the IDX files.

use linalg::Matrix;
use nn::optim::{AdamConfig, Momentum, OptimizerConfig, SgdConfig, WeightDecay};
use nn::{
    find_lr, fit, rng, Activation, ConfusionMatrix, Dataset, EarlyStopping, EarlyStoppingConfig,
    FitOptions, InMemoryDataset, Init, Loss, LrFinderConfig, Model, Monitor, NoObserver,
    PlateauConfig, ReduceOnPlateau, TrainConfig, Trainer,
};
use std::path::PathBuf;
use std::time::Instant;

const SEED: u64 = 1;

/// u8 images → f32 in [0, 1], one row per image.
fn to_dataset(set: &data::ImageSet) -> InMemoryDataset {
    let x: Vec<f32> = set.pixels().iter().map(|&p| p as f32 / 255.0).collect();
    let inputs =
        Matrix::from_vec(set.len(), set.pixels_per_image(), x).expect("pixels fill the matrix");
    InMemoryDataset::new(
        inputs,
        set.labels().iter().map(|&l| l as usize).collect(),
        set.classes(),
    )
    .expect("labels < classes")
}

fn fresh_model() -> Model {
    Model::mlp(
        &[784, 100, 10],
        Activation::Sigmoid,
        Activation::Identity,
        true,
        Init::NormalFanIn,
        Init::Zeros,
        &mut rng::stream(SEED, "init"),
    )
    .expect("valid sizes")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = match std::env::args_os().nth(1) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(
            std::env::var_os("MYNET_DATA_DIR").ok_or("pass MNIST_DIR or set MYNET_DATA_DIR")?,
        )
        .join("mnist"),
    };
    let mnist = data::Mnist::load(&dir)?;
    let (train, test) = (to_dataset(&mnist.train), to_dataset(&mnist.test));
    let n = train.len();
    println!(
        "{n} training / {} test images from {}",
        test.len(),
        dir.display()
    );
    let config = TrainConfig {
        batch_size: 32,
        loss: Loss::SoftmaxCrossEntropy,
        ..Default::default()
    };

    let l2 = WeightDecay::L2 { lambda: 5.0, n };
    let runs: Vec<(&str, f32, OptimizerConfig)> = vec![
        ("sgd", 0.5, SgdConfig::default().into()),
        (
            "momentum 0.9",
            0.05,
            SgdConfig {
                momentum: Momentum::Classic { mu: 0.9 },
                ..Default::default()
            }
            .into(),
        ),
        (
            "nesterov 0.9",
            0.05,
            SgdConfig {
                momentum: Momentum::Nesterov { mu: 0.9 },
                ..Default::default()
            }
            .into(),
        ),
        (
            "sgd + L2 λ=5",
            0.5,
            SgdConfig {
                weight_decay: l2,
                ..Default::default()
            }
            .into(),
        ),
        ("adam", 1e-3, AdamConfig::default().into()),
        (
            "adamw wd=0.01",
            1e-3,
            AdamConfig {
                weight_decay: WeightDecay::Decoupled { rate: 0.01 },
                ..Default::default()
            }
            .into(),
        ),
    ];
    println!(
        "\n{:<16} {:>8} {:>10} {:>10}",
        "optimizer", "lr", "test acc", "s/epoch"
    );
    for (name, lr, opt) in runs {
        let mut model = fresh_model();
        let mut optimizer = opt.build(&model)?;
        let mut trainer = Trainer::new(&model, config, SEED)?;
        let start = Instant::now();
        for epoch in 0..3 {
            trainer.train_epoch(
                &mut model,
                &mut *optimizer,
                lr,
                &train,
                epoch,
                &mut NoObserver,
            )?;
        }
        let secs = start.elapsed().as_secs_f64() / 3.0;
        let eval = trainer.evaluate(&model, &test)?;
        println!(
            "{name:<16} {lr:>8} {:>9.2}% {secs:>10.2}",
            100.0 * eval.accuracy()
        );
    }

    // The automatic way: find a rate, start there, lower it on plateaus, stop when stalled.
    let (fit_train, validation) = nn::split_train_validation(&train, n - n / 10)?;
    let mut probe = fresh_model();
    let mut probe_trainer = Trainer::new(&probe, config, SEED)?;
    let finder = find_lr(
        &mut probe,
        &mut nn::optim::Sgd::plain(),
        &mut probe_trainer,
        &fit_train,
        &LrFinderConfig::default(),
        SEED,
    )?;
    let lr = finder
        .min_loss_lr_div10
        .or(finder.steepest_lr)
        .ok_or("the range test found no rate")?;
    println!(
        "\nLR range test: {} points, suggested {lr:.3} (steepest {:?})",
        finder.points.len(),
        finder.steepest_lr
    );

    let mut model = fresh_model();
    model.set_dropout(0, 0.2)?;
    let mut trainer = Trainer::new(&model, config, SEED)?;
    let mut schedule = ReduceOnPlateau::new(PlateauConfig {
        patience: 2,
        factor: 0.5,
        ..PlateauConfig::new(lr as f64, Monitor::ValAccuracy)
    })?;
    let early = EarlyStopping::new(EarlyStoppingConfig {
        monitor: Monitor::ValAccuracy,
        patience: 4,
        min_delta: 0.002,
    })?;
    let options = FitOptions {
        epochs: 30,
        validation: Some(&validation),
        test: Some(&test),
        early_stopping: Some(early),
        start_epoch: 0,
    };
    let report = fit(
        &mut trainer,
        &mut model,
        &mut nn::optim::Sgd::plain(),
        &mut schedule,
        &fit_train,
        options,
        &mut NoObserver,
    )?;
    for e in &report.epochs {
        let (v, t) = (
            e.validation.expect("validation set"),
            e.test.expect("test set"),
        );
        println!(
            "epoch {:>2}  lr {:.4}  val {:.2}%  test {:.2}%",
            e.epoch,
            e.lr,
            100.0 * v.accuracy(),
            100.0 * t.accuracy()
        );
    }
    println!(
        "stopped early after epoch {:?}, best epoch {:?}",
        report.stopped_early_at, report.best_epoch
    );

    let mut confusion = ConfusionMatrix::new(model.d_output());
    trainer.evaluate_with(&model, &test, |label, pred| confusion.add(label, pred))?;
    println!("\n{confusion:.3}");
    let out = std::env::temp_dir().join("mnist_optimizers.safetensors");
    nn::safetensors::save_safetensors(&out, &model)?;
    println!("weights exported to {}", out.display());
    Ok(())
}
