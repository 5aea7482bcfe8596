//! `eta-sweep`: learning rates 0.025, 0.25 and 2.5 with Nesterov momentum μ 0.5 and mini-batches
//! of 10, 30 epochs each from a fresh copy of the same initial network.
//!
//! The seed's maxima (60k-train): ≈90% (η 0.025), 94.1% (η 0.25), 95.3% (η 2.5). The seed does not
//! say whether the step decay of its Nesterov variant applied here; we keep η constant so the
//! sweep compares rates only. What the seed actually did: per-example updates with step η/B
//! (`--per-example`), each rate continuing from the network the previous rate had trained.

use super::family::{self, Base, NetArgs, RcArgs, SavedModel};
use super::setting::{check_positive_list, Setting};
use crate::common::{CommonArgs, Context};
use nn::optim::Momentum;

/// The seed's maxima: (η, percent, as stated).
pub const SEED_MAX: &[(f64, f64, &str)] = &[
    (0.025, 90.0, "max ≈90%"),
    (0.25, 94.1, "max 94.1%"),
    (2.5, 95.3, "max 95.3%"),
];

/// Flags of `eta-sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Learning rates, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.025,0.25,2.5")]
    pub etas: Vec<f64>,
    /// Nesterov momentum coefficient.
    #[arg(long, default_value_t = 0.5)]
    pub mu: f32,
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

/// Trains one network per rate and writes the run directory (see [`family::run`]).
pub fn run(ctx: &Context, common: &CommonArgs, args: &Args) -> anyhow::Result<()> {
    let base = Base::from_args("eta-sweep", common, &args.net, 30)?;
    check_positive_list("--etas", &args.etas)?;
    anyhow::ensure!(args.batch_size >= 1, "--batch-size must be at least 1");
    anyhow::ensure!((0.0..1.0).contains(&args.mu), "--mu must be in [0, 1)");
    let sets = base.load()?;
    let settings = args
        .etas
        .iter()
        .map(|&eta| {
            let s = Setting::nielsen(format!("eta={eta}"), args.batch_size, eta)
                .with_momentum(Momentum::Nesterov { mu: args.mu });
            match SEED_MAX.iter().find(|&&(e, _, _)| e == eta) {
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
        "eta-sweep: {:?} sigmoid, Nesterov μ {}, B {}, {}",
        config.sizes,
        args.mu,
        args.batch_size,
        sets.label()
    );
    family::run(ctx, &sets, &config, &title, Default::default())?;
    Ok(())
}
