//! The Nielsen family: Michael Nielsen's `network.py` (the NeuralNetworkFromScratch seed) and the
//! Recurse Center "Neural Nets" experiments built on it.
//!
//! Shared settings: `[784, 30, 10]` (`--hidden` changes the middle), sigmoid on both layers,
//! quadratic loss `½‖a − t‖²` (mean over the batch, so a step is `η/B·Σ∇`, Nielsen's
//! `update_mini_batch`), weights and biases `N(0, 1)`, inputs `/255`, one-hot targets, samples
//! reshuffled every epoch, true mini-batches. Data: the MNIST training file split 5:1 into
//! training and validation images (Nielsen's 50,000 / 10,000), and the 10,000 test images. The
//! shared development data holds only the first 10,000 training images, which the same ratio
//! splits into 8,334 / 1,666 ([`sets`]); our figures and tables say "10k-train", the seeds' numbers
//! come from 50,000 training images.
//!
//! | subcommand | module | what |
//! |---|---|---|
//! | `nielsen` | [`network_py`] | the seed's network, its log format and JSON export; cross-entropy and validation-picked epochs beside it |
//! | `variants` | [`variants`] | plain SGD, momentum, Nesterov + step decay, L2, `1/√n_in` init |
//! | `batch-size` | [`batch_size`] | B 1, 10, 30, 100, 256 |
//! | `eta-sweep` | [`eta_sweep`] | η 0.025, 0.25, 2.5 with Nesterov μ 0.5 |
//! | `l2-sweep` | [`l2_sweep`] | λ 0.1, 1.5, 3.0, 5.0 |
//!
//! Every subcommand trains its settings in parallel, each from a fresh copy of the same initial
//! network ([`runs`]), and writes `config.json`, `metrics.csv` (one row per setting and epoch),
//! `summary.csv`, `model.json`, `accuracy.png`, `accuracy_zoom.png` and its own figures into
//! `<out>/<subcommand>-<timestamp>/` ([`family`]). The Recurse Center seed reused one network
//! across settings (each setting continued training the previous one's network) and updated after
//! every example with step η/B; we start every setting fresh and use true mini-batches, with
//! `--per-example` for the seed's rule. Results per subcommand are in `RESULTS.md` next to this
//! file.

mod batch_size;
mod draw;
mod eta_sweep;
mod family;
mod l2_sweep;
mod network_py;
mod report;
mod runs;
mod seed_json;
mod sets;
mod setting;
mod variants;

use crate::common::{CommonArgs, Context};

/// The Nielsen-family subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Nielsen's network.py (NeuralNetworkFromScratch seed): [784, 30, 10] sigmoid, quadratic
    /// loss, N(0,1) init, B 10, η 3.0, 15 epochs; beside it cross-entropy and the epoch picked by
    /// validation accuracy.
    Nielsen {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: network_py::Args,
    },
    /// Recurse Center "Neural Nets": plain SGD, momentum, Nesterov + step decay, L2 and 1/√n_in
    /// initialisation, 30 epochs each from a fresh network.
    Variants {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: variants::Args,
    },
    /// Recurse Center "Neural Nets": accuracy and seconds per epoch for batch sizes 1, 10, 30,
    /// 100, 256 (plain SGD, η 2.5).
    BatchSize {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: batch_size::Args,
    },
    /// Recurse Center "Neural Nets": learning rates 0.025, 0.25, 2.5 with Nesterov μ 0.5, B 10.
    EtaSweep {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: eta_sweep::Args,
    },
    /// Recurse Center "Neural Nets": L2 strengths λ 0.1, 1.5, 3.0, 5.0 (B 10, η 1.5).
    #[command(name = "l2-sweep")]
    L2Sweep {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: l2_sweep::Args,
    },
}

/// Runs a Nielsen-family subcommand.
pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Nielsen { common, args } => {
            network_py::run(&Context::new(&common)?, &common, &args)
        }
        Command::Variants { common, args } => {
            variants::run(&Context::new(&common)?, &common, &args)
        }
        Command::BatchSize { common, args } => {
            batch_size::run(&Context::new(&common)?, &common, &args)
        }
        Command::EtaSweep { common, args } => {
            eta_sweep::run(&Context::new(&common)?, &common, &args)
        }
        Command::L2Sweep { common, args } => l2_sweep::run(&Context::new(&common)?, &common, &args),
    }
}
