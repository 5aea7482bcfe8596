//! The small trait through which training reads samples, so `nn` does not depend on any
//! particular data crate; plus an in-memory implementation for tests and small problems.

use crate::{Error, Result};
use linalg::Matrix;

/// A labelled dataset with random access. `Sync`, because a split training batch
/// ([`crate::TrainConfig::split_batch`]) gathers its parts on several threads at once.
pub trait Dataset: Sync {
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

    /// A hint that sample `index` is read soon (per-sample training asks for the sample after
    /// next), so its memory can be fetched into the cache meanwhile. The default does nothing.
    fn prefetch(&self, index: usize) {
        let _ = index;
    }
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

/// A view of some samples of another dataset, by index (no copy).
#[derive(Debug, Clone, Copy)]
pub struct Subset<'a, D: Dataset + ?Sized> {
    data: &'a D,
    start: usize,
    len: usize,
}

impl<'a, D: Dataset + ?Sized> Subset<'a, D> {
    /// Samples `start..start + len` of `data`.
    ///
    /// # Errors
    /// [`Error::Config`] when the range is outside the dataset.
    pub fn new(data: &'a D, start: usize, len: usize) -> Result<Self> {
        if start.checked_add(len).is_none_or(|end| end > data.len()) {
            return Err(Error::Config(format!(
                "samples {start}..{} of a dataset of {}",
                start.saturating_add(len),
                data.len()
            )));
        }
        Ok(Self { data, start, len })
    }
}

impl<D: Dataset + ?Sized> Dataset for Subset<'_, D> {
    fn len(&self) -> usize {
        self.len
    }

    fn input_dim(&self) -> usize {
        self.data.input_dim()
    }

    fn num_classes(&self) -> usize {
        self.data.num_classes()
    }

    fn label(&self, index: usize) -> usize {
        self.data.label(self.start + index)
    }

    fn fill_inputs(&self, indices: &[usize], out: &mut [f32]) {
        // Shift indices in chunks through a stack buffer: no allocation.
        let d = self.data.input_dim();
        let mut shifted = [0usize; 64];
        for (chunk, rows) in indices
            .chunks(shifted.len())
            .zip(out.chunks_mut(shifted.len() * d.max(1)))
        {
            for (s, &i) in shifted.iter_mut().zip(chunk) {
                *s = self.start + i;
            }
            self.data.fill_inputs(&shifted[..chunk.len()], rows);
        }
    }
}

/// Splits `data` into its first `n_train` samples and the rest, e.g. Nielsen's 50,000 training
/// and 10,000 validation images of the MNIST training file.
///
/// # Errors
/// [`Error::Config`] when `n_train` exceeds the dataset.
pub fn split_train_validation<D: Dataset + ?Sized>(
    data: &D,
    n_train: usize,
) -> Result<(Subset<'_, D>, Subset<'_, D>)> {
    let train = Subset::new(data, 0, n_train)?;
    let validation = Subset::new(data, n_train, data.len() - n_train)?;
    Ok((train, validation))
}
