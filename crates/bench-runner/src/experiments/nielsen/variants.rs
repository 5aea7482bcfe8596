//! `variants`: the Recurse Center "Neural Nets" improvements to Nielsen's network, each trained
//! from a fresh copy of the same initial network for 30 epochs.
//!
//! | setting | seed's settings | seed (60k-train) |
//! |---|---|---|
//! | `sgd` | plain SGD, B 10, η 2.5 | ≈95% |
//! | `momentum` | μ 0.9, B 32, η 1.5 | "nearly 96%" |
//! | `nesterov+decay` | Nesterov μ 0.5 with step decay | – |
//! | `l2` | λ 0.1, B 10, η 1.5 | best 96.25% |
//! | `fan-in-init` | weights `N(0, 1/n_in)` | – |
//!
//! The seed states no rate, batch or decay for Nesterov: we use B 10, η 2.5 (its best rate in the
//! η sweep), halved every 10 epochs (`--decay-factor`, `--decay-every`). `fan-in-init` is the
//! plain-SGD setting with `network2`'s `1/√n_in` weights (biases stay `N(0, 1)`). Momentum keeps
//! the velocity in gradient units (`v ← μv + g`, `θ ← θ − ηv`), which for a constant η follows
//! the same path as the textbook `v ← μv − ηg`, `θ ← θ + v`.
//!
//! What the seed actually did: it updated after every example with step η/B (our
//! `--per-example`), and it trained every setting on from the network the previous setting had
//! left, so later settings started from trained weights and their numbers are not comparable;
//! here each setting starts from a fresh network (the same initial network for all).

use super::family::{self, Base, NetArgs, RcArgs, SavedModel};
use super::setting::{Rate, Setting};
use crate::common::{CommonArgs, Context};
use nn::optim::{Momentum, WeightDecay};
use nn::Init;

/// Flags of `variants`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Nesterov setting: multiply the rate by this every --decay-every epochs.
    #[arg(long, default_value_t = 0.5)]
    pub decay_factor: f64,
    /// Nesterov setting: epochs between rate steps.
    #[arg(long, default_value_t = 10)]
    pub decay_every: usize,
    /// Update rule and L2 n.
    #[command(flatten)]
    pub rc: RcArgs,
    /// Network, epochs, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Trains the five settings and writes the run directory (see [`family::run`]).
pub fn run(ctx: &Context, common: &CommonArgs, args: &Args) -> anyhow::Result<()> {
    let base = Base::from_args("variants", common, &args.net, 30)?;
    anyhow::ensure!(
        args.decay_factor > 0.0 && args.decay_factor <= 1.0,
        "--decay-factor must be in (0, 1]"
    );
    anyhow::ensure!(args.decay_every >= 1, "--decay-every must be at least 1");
    let sets = base.load()?;
    let n = args.rc.l2_n(&sets)?;
    let settings = vec![
        Setting::nielsen("sgd", 10, 2.5).with_seed(95.0, "≈95%"),
        Setting::nielsen("momentum", 32, 1.5)
            .with_momentum(Momentum::Classic { mu: 0.9 })
            .with_seed(96.0, "nearly 96%"),
        Setting::nielsen("nesterov+decay", 10, 2.5)
            .with_momentum(Momentum::Nesterov { mu: 0.5 })
            .with_rate(Rate::StepDecay {
                initial: 2.5,
                factor: args.decay_factor,
                every: args.decay_every,
            }),
        Setting::nielsen("l2", 10, 1.5)
            .with_weight_decay(WeightDecay::L2 { lambda: 0.1, n })
            .with_seed(96.25, "best 96.25%"),
        Setting::nielsen("fan-in-init", 10, 2.5).with_weight_init(Init::NormalFanIn),
    ];
    let config = base.config(
        args.rc.apply(settings),
        args.rc.per_example,
        SavedModel::BestFinal,
    );
    let title = format!(
        "variants: {:?} sigmoid, quadratic loss, {}",
        config.sizes,
        sets.label()
    );
    family::run(ctx, &sets, &config, &title, Default::default())?;
    Ok(())
}
