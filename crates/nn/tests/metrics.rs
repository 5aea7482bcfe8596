//! The confusion matrix against hand-computed precision, recall and F1, and wired to
//! `Trainer::evaluate_with` on a small trained model.

use linalg::Matrix;
use nn::metrics::{self, ConfusionMatrix};
use nn::{
    optim::Sgd, rng, Activation, Dataset, InMemoryDataset, Init, Loss, Model, NoObserver,
    TrainConfig, Trainer,
};

fn close(got: Option<f64>, want: f64) -> bool {
    got.is_some_and(|g| (g - want).abs() < 1e-12)
}

/// Rows = true label:
/// ```text
///        pred 0  1  2  3
/// true 0      5  1  0  0
/// true 1      2  3  1  0
/// true 2      0  0  0  0
/// true 3      0  0  0  0
/// ```
fn hand_made() -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::new(4);
    for (label, predicted, times) in [(0, 0, 5), (0, 1, 1), (1, 0, 2), (1, 1, 3), (1, 2, 1)] {
        for _ in 0..times {
            cm.add(label, predicted);
        }
    }
    cm
}

#[test]
fn hand_made_confusion_gives_hand_computed_metrics() {
    let cm = hand_made();
    assert_eq!(cm.total(), 12);
    assert_eq!(cm.count(1, 0), 2);
    assert_eq!(cm.count(0, 2), 0);
    assert!(close(cm.accuracy(), 8.0 / 12.0));

    // Class 0: TP 5, FP 2 (column), FN 1 (row).
    assert!(close(cm.precision(0), 5.0 / 7.0));
    assert!(close(cm.recall(0), 5.0 / 6.0));
    let (p, r) = (5.0 / 7.0, 5.0 / 6.0);
    assert!(close(cm.f1(0), 2.0 * p * r / (p + r)));
    assert!(close(cm.f1(0), 10.0 / 13.0));
    // Class 1: TP 3, FP 1, FN 3.
    assert!(close(cm.precision(1), 0.75));
    assert!(close(cm.recall(1), 0.5));
    assert!(close(cm.f1(1), 0.6));
    // Class 2: predicted once, wrongly, never present: P = 0, R undefined, F1 = 0.
    assert!(close(cm.precision(2), 0.0));
    assert_eq!(cm.recall(2), None);
    assert!(close(cm.f1(2), 0.0));
    // Class 3: neither present nor predicted: everything undefined, not NaN.
    assert_eq!(cm.precision(3), None);
    assert_eq!(cm.recall(3), None);
    assert_eq!(cm.f1(3), None);

    // Macro F1 averages the three defined classes.
    assert!(close(cm.macro_f1(), (10.0 / 13.0 + 0.6 + 0.0) / 3.0));

    let per_class = cm.per_class();
    assert_eq!(per_class.len(), 4);
    assert_eq!(
        per_class.iter().map(|m| m.support).collect::<Vec<_>>(),
        [6, 6, 0, 0]
    );
    assert_eq!(per_class[1].f1, cm.f1(1));
}

#[test]
fn an_empty_matrix_has_no_ratios() {
    let cm = ConfusionMatrix::new(3);
    assert_eq!(cm.total(), 0);
    assert_eq!(cm.accuracy(), None);
    assert_eq!(cm.macro_f1(), None);
    assert!(cm
        .per_class()
        .iter()
        .all(|m| m.precision.is_none() && m.recall.is_none() && m.f1.is_none()));
    assert_eq!(metrics::accuracy(0, 0), None);
    assert_eq!(metrics::mean_loss(1.0, 0), None);
    assert_eq!(metrics::accuracy(3, 4), Some(0.75));
    assert_eq!(metrics::mean_loss(3.0, 4), Some(0.75));
}

#[test]
fn json_has_rows_by_true_label_and_nulls_for_undefined() {
    let cm = hand_made();
    let json = serde_json::to_value(&cm).unwrap();
    assert_eq!(json["classes"], 4);
    assert_eq!(json["counts"][1], serde_json::json!([2, 3, 1, 0]));
    let per_class = serde_json::to_value(cm.per_class()).unwrap();
    assert_eq!(per_class[2]["recall"], serde_json::Value::Null);
    assert_eq!(per_class[0]["support"], 6);
}

#[test]
fn display_prints_the_matrix_and_the_per_class_table() {
    let text = hand_made().to_string();
    println!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("rows: true label"));
    // The row of true label 1.
    let row1: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(row1, ["1", "2", "3", "1", "0"]);
    assert!(text.contains("0.714"), "precision of class 0 = 5/7");
    assert!(text.contains("accuracy 0.667 (8/12)"));
    let class3 = lines
        .iter()
        .find(|l| l.split_whitespace().next() == Some("3") && l.contains('-'))
        .expect("a metrics row for class 3");
    assert_eq!(
        class3.split_whitespace().collect::<Vec<_>>(),
        ["3", "-", "-", "-", "0"]
    );
    assert!(format!("{:.5}", hand_made()).contains("0.71429"));
}

#[test]
#[should_panic(expected = "confusion matrix over 2 classes")]
fn adding_an_out_of_range_class_panics() {
    ConfusionMatrix::new(2).add(0, 2);
}

#[test]
fn evaluate_with_fills_a_confusion_matrix_consistent_with_the_evaluation() {
    // XOR, each corner repeated with a little jitter: 4 × 5 samples.
    let corners = [
        ([0.0, 0.0], 0),
        ([0.0, 1.0], 1),
        ([1.0, 0.0], 1),
        ([1.0, 1.0], 0),
    ];
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for rep in 0..5 {
        for (c, label) in corners {
            let jitter = 0.02 * rep as f32;
            x.extend([c[0] + jitter, c[1] - jitter]);
            labels.push(label);
        }
    }
    let data = InMemoryDataset::new(Matrix::from_vec(20, 2, x).unwrap(), labels, 2).unwrap();
    let mut model = Model::mlp(
        &[2, 8, 2],
        Activation::Tanh,
        Activation::Identity,
        true,
        Init::XavierNormal,
        Init::Zeros,
        &mut rng::stream(1, "init"),
    )
    .unwrap();
    let config = TrainConfig {
        batch_size: 4,
        loss: Loss::SoftmaxCrossEntropy,
        eval_batch_size: 7, // several evaluation batches, the last one partial
        ..Default::default()
    };
    let mut trainer = Trainer::new(&model, config, 1).unwrap();
    let mut sgd = Sgd::plain();
    for epoch in 0..200 {
        trainer
            .train_epoch(&mut model, &mut sgd, 0.2, &data, epoch, &mut NoObserver)
            .unwrap();
    }

    let mut cm = ConfusionMatrix::new(model.d_output());
    let eval = trainer
        .evaluate_with(&model, &data, |label, predicted| cm.add(label, predicted))
        .unwrap();
    println!("{cm}");
    assert_eq!(cm.total(), data.len() as u64);
    assert_eq!(cm.correct(), eval.correct as u64);
    assert_eq!(cm.accuracy(), Some(eval.accuracy()));
    assert_eq!(
        metrics::accuracy(eval.correct, eval.total),
        Some(eval.accuracy())
    );
    assert_eq!(
        metrics::mean_loss(eval.loss_sum, eval.total),
        Some(eval.mean_loss())
    );
    assert_eq!(cm.support(0) + cm.support(1), 20);
    assert_eq!(cm.support(1), 10);
}
