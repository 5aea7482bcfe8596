//! The small trait through which training reads samples, so `nn` does not depend on any
//! particular data crate; plus an in-memory implementation for tests and small problems.

use crate::{Error, Result};
use linalg::Matrix;

/// A labelled dataset with random access.
pub trait Dataset {
    /// Number of samples.
    fn len(&self) -> usize;

    /// True when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Features per sample.
    fn input_dim(&self) -> usize;

    /// Number of classes; labels are `0..num_classes()`.
    fn num_classes(&self) -> usize;

    /// Class of sample `index`.
    fn label(&self, index: usize) -> usize;

    /// Writes the features of `indices` as consecutive rows of `out`
    /// (`out.len() >= indices.len() * input_dim()`). Must not allocate.
    fn fill_inputs(&self, indices: &[usize], out: &mut [f32]);
}

/// Samples held as an `f32` matrix (one row per sample) with their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct InMemoryDataset {
    inputs: Matrix,
    labels: Vec<usize>,
    classes: usize,
}

impl InMemoryDataset {
    /// Wraps inputs and labels.
    ///
    /// # Errors
    /// [`Error::Shape`] when the label count differs from the rows, [`Error::Config`] when a
    /// label is not below `classes`.
    pub fn new(inputs: Matrix, labels: Vec<usize>, classes: usize) -> Result<Self> {
        if labels.len() != inputs.rows() {
            return Err(Error::Shape {
                what: "labels".into(),
                expected: inputs.rows(),
                got: labels.len(),
            });
        }
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= classes) {
            return Err(Error::Config(format!(
                "label {l} of sample {i} is not below {classes} classes"
            )));
        }
        Ok(Self {
            inputs,
            labels,
            classes,
        })
    }

    /// The inputs.
    pub fn inputs(&self) -> &Matrix {
        &self.inputs
    }

    /// The labels.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }
}

impl Dataset for InMemoryDataset {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn input_dim(&self) -> usize {
        self.inputs.cols()
    }

    fn num_classes(&self) -> usize {
        self.classes
    }

    fn label(&self, index: usize) -> usize {
        self.labels[index]
    }

    fn fill_inputs(&self, indices: &[usize], out: &mut [f32]) {
        let d = self.inputs.cols();
        for (row, &i) in out.chunks_exact_mut(d).zip(indices) {
            row.copy_from_slice(self.inputs.row(i));
        }
    }
}
