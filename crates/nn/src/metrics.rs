//! Classification metrics: a confusion matrix with per-class precision, recall and F1.
//!
//! For a class `c` with `TP` true positives (label `c`, predicted `c`), `FP` false positives
//! (predicted `c`, another label) and `FN` false negatives (label `c`, predicted another class):
//! - precision `P = TP / (TP + FP)`, recall `R = TP / (TP + FN)`,
//! - `F1 = 2·P·R / (P + R) = 2·TP / (2·TP + FP + FN)`,
//! - accuracy `= Σ_c TP_c / N`, macro F1 `= mean of F1_c` over the classes where it is defined.
//!
//! A ratio whose denominator is 0 is `None`, never NaN (in JSON: `null`).
//!
//! ```
//! use nn::metrics::ConfusionMatrix;
//!
//! let mut cm = ConfusionMatrix::new(2);
//! for (label, predicted) in [(0, 0), (0, 1), (1, 1), (1, 1)] {
//!     cm.add(label, predicted);
//! }
//! assert_eq!(cm.accuracy(), Some(0.75));
//! assert_eq!(cm.precision(1), Some(2.0 / 3.0));
//! assert_eq!(cm.recall(0), Some(0.5));
//! println!("{cm}");
//! ```
//!
//! With a trainer, size the matrix by the model's outputs (predictions range over them):
//! `let mut cm = ConfusionMatrix::new(model.d_output());`, then
//! `trainer.evaluate_with(&model, &data, |l, p| cm.add(l, p))?`.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use std::fmt;

/// Counts of (true label, predicted class) pairs over `classes × classes` cells.
///
/// Serialises as `{"classes": k, "counts": [[…], …]}` with one inner array per true label, so
/// `counts[label][predicted]` reads the same in JSON, Python and NumPy (`np.array(counts)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    /// Row-major `classes × classes`: row = true label, column = predicted class.
    counts: Vec<u64>,
}

/// Precision, recall and F1 of one class, with its support (samples whose true label it is).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassMetrics {
    /// The class.
    pub class: usize,
    /// `TP / (TP + FP)`; `None` when the class was never predicted.
    pub precision: Option<f64>,
    /// `TP / (TP + FN)`; `None` when the class has no samples.
    pub recall: Option<f64>,
    /// `2·TP / (2·TP + FP + FN)`; `None` when the class was neither present nor predicted.
    pub f1: Option<f64>,
    /// `TP + FN`: samples of this class.
    pub support: u64,
}

/// `num / den`, or `None` when `den = 0`.
fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl ConfusionMatrix {
    /// An empty (all-zero) matrix over `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// Number of classes `k` (the matrix is `k × k`).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// All counts, row-major: `counts()[label * k + predicted]`.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Records one sample: `counts[label][predicted] += 1`.
    ///
    /// # Panics
    /// When `label` or `predicted` is not below [`ConfusionMatrix::classes`].
    pub fn add(&mut self, label: usize, predicted: usize) {
        assert!(
            label < self.classes && predicted < self.classes,
            "confusion matrix over {} classes: label {label}, predicted {predicted}",
            self.classes
        );
        self.counts[label * self.classes + predicted] += 1;
    }

    /// Samples with true label `label` predicted as `predicted`.
    ///
    /// # Panics
    /// When an index is not below [`ConfusionMatrix::classes`].
    pub fn count(&self, label: usize, predicted: usize) -> u64 {
        assert!(label < self.classes && predicted < self.classes);
        self.counts[label * self.classes + predicted]
    }

    /// The row of true label `label`: how its samples were predicted.
    pub fn row(&self, label: usize) -> &[u64] {
        &self.counts[label * self.classes..(label + 1) * self.classes]
    }

    /// `N`: all samples recorded.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `Σ_c TP_c`: samples on the diagonal.
    pub fn correct(&self) -> u64 {
        (0..self.classes).map(|c| self.count(c, c)).sum()
    }

    /// `Σ_c TP_c / N`; `None` when empty.
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.correct(), self.total())
    }

    /// `TP + FN`: samples whose true label is `class` (the row sum).
    pub fn support(&self, class: usize) -> u64 {
        self.row(class).iter().sum()
    }

    /// `TP + FP`: samples predicted as `class` (the column sum).
    pub fn predicted(&self, class: usize) -> u64 {
        (0..self.classes).map(|l| self.count(l, class)).sum()
    }

    /// `TP / (TP + FP)`; `None` when `class` was never predicted.
    pub fn precision(&self, class: usize) -> Option<f64> {
        ratio(self.count(class, class), self.predicted(class))
    }

    /// `TP / (TP + FN)`; `None` when `class` has no samples.
    pub fn recall(&self, class: usize) -> Option<f64> {
        ratio(self.count(class, class), self.support(class))
    }

    /// `2·TP / (2·TP + FP + FN)`, which equals `2·P·R / (P + R)` whenever both are defined and is
    /// 0 when one of them is undefined and the other 0; `None` when `TP + FP + FN = 0`.
    pub fn f1(&self, class: usize) -> Option<f64> {
        let tp = self.count(class, class);
        let fp = self.predicted(class) - tp;
        let fn_ = self.support(class) - tp;
        ratio(2 * tp, 2 * tp + fp + fn_)
    }

    /// [`ClassMetrics`] of every class, in class order.
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        (0..self.classes)
            .map(|class| ClassMetrics {
                class,
                precision: self.precision(class),
                recall: self.recall(class),
                f1: self.f1(class),
                support: self.support(class),
            })
            .collect()
    }

    /// `mean_c F1_c` over the classes whose F1 is defined (present or predicted at least once);
    /// `None` when the matrix is empty.
    pub fn macro_f1(&self) -> Option<f64> {
        let f1s: Vec<f64> = (0..self.classes).filter_map(|c| self.f1(c)).collect();
        (!f1s.is_empty()).then(|| f1s.iter().sum::<f64>() / f1s.len() as f64)
    }
}

impl Serialize for ConfusionMatrix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<&[u64]> = (0..self.classes).map(|l| self.row(l)).collect();
        let mut s = serializer.serialize_struct("ConfusionMatrix", 2)?;
        s.serialize_field("classes", &self.classes)?;
        s.serialize_field("counts", &rows)?;
        s.end()
    }
}

/// A ratio for the table: `-` when undefined.
fn cell(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

/// A plain-text report: the matrix (rows = true label, columns = predicted), a per-class table
/// of precision, recall, F1 and support, then accuracy and macro F1. Undefined ratios print as
/// `-`. The formatter's precision sets the decimals (`{:.4}`; default 3).
impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimals = f.precision().unwrap_or(3);
        let k = self.classes;
        let max = self.counts.iter().copied().max().unwrap_or(0);
        let w = max
            .to_string()
            .len()
            .max(k.saturating_sub(1).to_string().len())
            .max(3);
        let lw = "true\\pred".len();
        writeln!(f, "confusion matrix (rows: true label, columns: predicted)")?;
        write!(f, "{:>lw$}", "true\\pred")?;
        for p in 0..k {
            write!(f, " {p:>w$}")?;
        }
        writeln!(f)?;
        for l in 0..k {
            write!(f, "{l:>lw$}")?;
            for &c in self.row(l) {
                write!(f, " {c:>w$}")?;
            }
            writeln!(f)?;
        }
        writeln!(f)?;
        let cw = (decimals + 2).max("precision".len());
        writeln!(
            f,
            "{:>5} {:>cw$} {:>cw$} {:>cw$} {:>9}",
            "class", "precision", "recall", "f1", "support"
        )?;
        for m in self.per_class() {
            writeln!(
                f,
                "{:>5} {:>cw$} {:>cw$} {:>cw$} {:>9}",
                m.class,
                cell(m.precision, decimals),
                cell(m.recall, decimals),
                cell(m.f1, decimals),
                m.support
            )?;
        }
        writeln!(f)?;
        write!(
            f,
            "accuracy {} ({}/{}), macro F1 {}",
            cell(self.accuracy(), decimals),
            self.correct(),
            self.total(),
            cell(self.macro_f1(), decimals)
        )
    }
}

/// `correct / total`; `None` when `total = 0`.
pub fn accuracy(correct: usize, total: usize) -> Option<f64> {
    ratio(correct as u64, total as u64)
}

/// `loss_sum / samples`, the mean per-sample loss; `None` when `samples = 0`.
pub fn mean_loss(loss_sum: f64, samples: usize) -> Option<f64> {
    (samples > 0).then(|| loss_sum / samples as f64)
}
