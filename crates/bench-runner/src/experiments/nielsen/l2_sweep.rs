//! `l2-sweep`: L2 regularisation λ 0.1, 1.5, 3.0 and 5.0 in Nielsen's form (`C = C₀ +
//! λ/(2n)·Σw²`, so `w ← (1 − ηλ/n)·w − η·g`, biases not decayed), plain SGD, B 10, η 1.5, 30
//! epochs each from a fresh copy of the same initial network.
//!
//! The seed's maxima (60k-train, n = 50,000): 96.25% (λ 0.1), 93.0% (λ 1.5), 91.45% (λ 3.0). Here n
//! is the number of training images (8,334 on 10k-train), so the same λ weighs the penalty 6×
//! more against the data term; `--l2-n 50000` gives the seed's λ/n. What the seed actually did:
//! per-example updates with step η/B (`--per-example`), each λ continuing from the network the
//! previous λ had trained.

use super::family::{self, Base, NetArgs, RcArgs, SavedModel};
use super::setting::{check_positive_list, Setting};
use crate::common::{CommonArgs, Context};
use nn::optim::WeightDecay;

/// The seed's maxima: (λ, percent, as stated).
pub const SEED_MAX: &[(f32, f64, &str)] = &[
    (0.1, 96.25, "max 96.25%"),
    (1.5, 93.0, "max 93.0%"),
    (3.0, 91.45, "max 91.45%"),
];

/// Flags of `l2-sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Regularisation strengths λ, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.1,1.5,3.0,5.0")]
    pub lambdas: Vec<f32>,
    /// Learning rate.
    #[arg(long, default_value_t = 1.5)]
    pub eta: f64,
    /// Mini-batch size.
    #[arg(long, default_value_t = 10)]
    pub batch_size: usize,
    /// Update rule and L2 n.
    #[command(flatten)]
    pub rc: RcArgs,
    /// Network, epochs, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Trains one network per λ and writes the run directory (see [`family::run`]).
pub fn run(ctx: &Context, common: &CommonArgs, args: &Args) -> anyhow::Result<()> {
    let base = Base::from_args("l2-sweep", common, &args.net, 30)?;
    check_positive_list(
        "--lambdas",
        &args
            .lambdas
            .iter()
            .map(|&l| f64::from(l))
            .collect::<Vec<_>>(),
    )?;
    check_positive_list("--eta", &[args.eta])?;
    anyhow::ensure!(args.batch_size >= 1, "--batch-size must be at least 1");
    let sets = base.load()?;
    let n = args.rc.l2_n(&sets)?;
    let settings = args
        .lambdas
        .iter()
        .map(|&lambda| {
            let s = Setting::nielsen(format!("lambda={lambda}"), args.batch_size, args.eta)
                .with_weight_decay(WeightDecay::L2 { lambda, n });
            match SEED_MAX.iter().find(|&&(l, _, _)| l == lambda) {
                Some(&(_, percent, text)) => s.with_seed(percent, text),
                None => s,
            }
        })
        .collect();
    let config = base.config(
        args.rc.apply(settings),
        args.rc.per_example,
        SavedModel::BestFinal,
    );
    let title = format!(
        "l2-sweep: {:?} sigmoid, B {}, η {}, n {}, {}",
        config.sizes,
        args.batch_size,
        args.eta,
        n,
        sets.label()
    );
    family::run(ctx, &sets, &config, &title, Default::default())?;
    Ok(())
}
