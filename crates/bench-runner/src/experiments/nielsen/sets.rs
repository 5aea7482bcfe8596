//! Nielsen's data: the MNIST training file split 5:1 into training and validation images (50,000
//! / 10,000 of the official 60,000), the 10,000 test images, pixels `/255`.
//!
//! The shared development data holds only the first 10,000 training images ("10k-train"); the
//! same 5:1 rule gives 8,334 training and 1,666 validation images there
//! ([`training_share`] rounds the training part up).

use crate::common::load_mnist;
use crate::experiments::rashid::train_label;
use crate::mnist_source::{MnistSource, PixelScaling};
use data::ImageSet;
use serde::Serialize;
use std::path::Path;

/// Inputs `x = pixel/255`, in `[0, 1]`, as `mnist_loader.py`.
pub const PIXELS: PixelScaling = PixelScaling {
    scale: 1.0 / 255.0,
    offset: 0.0,
};

/// Images of the training file used by `--quick` unless `--limit-train` is given.
pub const QUICK_TRAIN: usize = 2000;

/// Training images out of `n`: five sixths, rounded up (60,000 → 50,000; 10,000 → 8,334).
pub fn training_share(n: usize) -> usize {
    (n * 5).div_ceil(6)
}

/// Image counts of a run, as recorded in `config.json`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SplitSizes {
    /// Images read from the training file (after `--limit-train`).
    pub training_file: usize,
    /// Training images (the first five sixths).
    pub train: usize,
    /// Validation images (the rest of the training file).
    pub validation: usize,
    /// Test images.
    pub test: usize,
}

/// Training, validation and test images.
#[derive(Debug, Clone)]
pub struct Sets {
    /// The first five sixths of the training file.
    pub train: ImageSet,
    /// The rest of the training file.
    pub validation: ImageSet,
    /// The test file.
    pub test: ImageSet,
}

impl Sets {
    /// Loads MNIST from `dir` (downloading missing files), keeps the first `limit` training
    /// images if given, and splits them 5:1.
    pub fn load(dir: &Path, limit: Option<usize>) -> anyhow::Result<Self> {
        let mnist = load_mnist(dir, true)?;
        let file = match limit {
            Some(n) => mnist.train.limit(n),
            None => mnist.train,
        };
        anyhow::ensure!(
            file.len() >= 6,
            "{} training images cannot be split 5:1 into training and validation sets (need 6)",
            file.len()
        );
        let (train, validation) = file.split_at(training_share(file.len()));
        Ok(Self {
            train,
            validation,
            test: mnist.test,
        })
    }

    /// The counts.
    pub fn sizes(&self) -> SplitSizes {
        SplitSizes {
            training_file: self.train.len() + self.validation.len(),
            train: self.train.len(),
            validation: self.validation.len(),
            test: self.test.len(),
        }
    }

    /// `10k-train`: how many images of the training file our numbers come from.
    pub fn label(&self) -> String {
        train_label(self.train.len() + self.validation.len())
    }

    /// A one-line description: `8334 train / 1666 validation / 10000 test (10k-train)`.
    pub fn describe(&self) -> String {
        format!(
            "{} train / {} validation / {} test ({})",
            self.train.len(),
            self.validation.len(),
            self.test.len(),
            self.label()
        )
    }
}

/// `set` as an `nn::Dataset` with inputs `/255`.
pub fn source(set: &ImageSet) -> MnistSource<'_> {
    MnistSource {
        set,
        scaling: PIXELS,
    }
}

#[cfg(test)]
mod tests {
    use super::training_share;

    #[test]
    fn splits_five_to_one() {
        assert_eq!(training_share(60_000), 50_000);
        assert_eq!(training_share(10_000), 8_334);
        assert_eq!(training_share(2_000), 1_667);
        assert_eq!(training_share(6), 5);
        assert_eq!(training_share(5), 5);
    }
}
