//! The six benchmark configurations (issue 5), shared with `scripts/reference/*.py`, which
//! must build the same networks.

use nn::{Activation, Init, Loss, Model, TargetEncoding};
use serde::Serialize;

/// One network and training recipe to time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BenchConfig {
    /// Short name used on command lines and in tables.
    pub name: &'static str,
    /// The letter (A–F).
    pub letter: char,
    /// Where the recipe comes from.
    pub origin: &'static str,
    /// Layer sizes, input first.
    pub sizes: &'static [usize],
    /// Activation of the hidden layers.
    pub hidden: Activation,
    /// Activation of the last layer.
    pub output: Activation,
    /// Loss minimised.
    pub loss: Loss,
    /// Target values.
    pub targets: TargetEncoding,
    /// Samples per update.
    pub batch_size: usize,
    /// Learning rate of plain SGD.
    pub lr: f32,
    /// Whether the layers have biases.
    pub bias: bool,
    /// Weight initialiser.
    pub init: Init,
}

/// The six configurations in the order A–F.
pub const ALL: [BenchConfig; 6] = [
    BenchConfig {
        name: "rashid",
        letter: 'A',
        origin:
            "Make Your Own Neural Network: 784-100-10 sigmoid, squared error, batch 1, no biases",
        sizes: &[784, 100, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Sigmoid,
        loss: Loss::Quadratic,
        targets: TargetEncoding::RASHID,
        batch_size: 1,
        lr: 0.1,
        bias: false,
        init: Init::NormalFanIn,
    },
    BenchConfig {
        name: "nielsen",
        letter: 'B',
        origin: "Nielsen network.py: 784-30-10 sigmoid, quadratic cost, mini-batch 10",
        sizes: &[784, 30, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Sigmoid,
        loss: Loss::Quadratic,
        targets: TargetEncoding::ONE_HOT,
        batch_size: 10,
        lr: 3.0,
        bias: true,
        init: Init::NormalFanIn,
    },
    BenchConfig {
        name: "mlp100",
        letter: 'C',
        origin: "784-100-10 sigmoid, softmax cross-entropy, batch 100",
        sizes: &[784, 100, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Identity,
        loss: Loss::SoftmaxCrossEntropy,
        targets: TargetEncoding::ONE_HOT,
        batch_size: 100,
        lr: 0.5,
        bias: true,
        init: Init::NormalFanIn,
    },
    BenchConfig {
        name: "mynet",
        letter: 'D',
        origin: "784-32-32-10 sigmoid, softmax cross-entropy, batch 256",
        sizes: &[784, 32, 32, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Identity,
        loss: Loss::SoftmaxCrossEntropy,
        targets: TargetEncoding::ONE_HOT,
        batch_size: 256,
        lr: 0.5,
        bias: true,
        init: Init::NormalFanIn,
    },
    BenchConfig {
        name: "blog",
        letter: 'E',
        origin: "784-300-10 sigmoid + softmax cross-entropy, batch 16",
        sizes: &[784, 300, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Identity,
        loss: Loss::SoftmaxCrossEntropy,
        targets: TargetEncoding::ONE_HOT,
        batch_size: 16,
        lr: 0.1,
        bias: true,
        init: Init::NormalFanIn,
    },
    BenchConfig {
        name: "wide",
        letter: 'F',
        origin: "784-1024-512-10 ReLU, softmax cross-entropy, batch 64",
        sizes: &[784, 1024, 512, 10],
        hidden: Activation::Relu,
        output: Activation::Identity,
        loss: Loss::SoftmaxCrossEntropy,
        targets: TargetEncoding::ONE_HOT,
        batch_size: 64,
        lr: 0.05,
        bias: true,
        init: Init::He,
    },
];

impl BenchConfig {
    /// Looks a configuration up by name (`rashid`) or letter (`A`).
    pub fn find(name: &str) -> Option<&'static BenchConfig> {
        ALL.iter().find(|c| {
            c.name.eq_ignore_ascii_case(name)
                || (name.len() == 1 && name.eq_ignore_ascii_case(&c.letter.to_string()))
        })
    }

    /// `784-100-10`.
    pub fn shape(&self) -> String {
        self.sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The initial network for `seed` (stream `"init"`).
    pub fn model(&self, seed: u64) -> anyhow::Result<Model> {
        Ok(Model::mlp(
            self.sizes,
            self.hidden,
            self.output,
            self.bias,
            self.init,
            Init::Zeros,
            &mut nn::rng::stream(seed, "init"),
        )?)
    }

    /// Bytes of the parameters (f32), which plain SGD's state does not add to.
    pub fn param_bytes(&self) -> usize {
        let weights: usize = self.sizes.windows(2).map(|w| w[0] * w[1]).sum();
        let biases: usize = if self.bias {
            self.sizes[1..].iter().sum()
        } else {
            0
        };
        4 * (weights + biases)
    }

    /// Bytes the trainer holds per batch: the f32 input batch plus, per layer, activations and
    /// deltas (the workspace), and the parameter gradients (allocated once).
    pub fn batch_bytes(&self) -> usize {
        let b = self.batch_size;
        let acts: usize = self.sizes[1..].iter().map(|&d| 2 * b * d).sum();
        4 * (b * self.sizes[0] + acts) + self.param_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_letters_find_every_configuration() {
        for c in &ALL {
            assert_eq!(BenchConfig::find(c.name).unwrap().name, c.name);
            assert_eq!(
                BenchConfig::find(&c.letter.to_ascii_lowercase().to_string())
                    .unwrap()
                    .name,
                c.name
            );
            c.model(1).unwrap();
        }
        assert!(BenchConfig::find("nope").is_none());
        assert_eq!(ALL[0].param_bytes(), 4 * 79_400);
    }
}
