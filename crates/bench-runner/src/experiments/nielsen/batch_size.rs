//! `batch-size`: plain SGD at η 2.5 with mini-batches of 1, 10, 30, 100 and 256 samples (the seed:
//! 10, 30, 100), 30 epochs each from a fresh copy of the same initial network; accuracy and
//! seconds per epoch.
//!
//! The seed's maxima (60k-train): 94.98% (B 10), 95.24% (B 30), 95.14% (B 100). The seed updated
//! after every example with step η/B, so its "batch size" only scaled the step; with true
//! mini-batches B also divides the number of updates per epoch by B, so large batches learn
//! less per epoch at the same η (and run faster per epoch). `--per-example` reproduces the seed's
//! rule.

use super::family::{self, Base, NetArgs, RcArgs, SavedModel};
use super::setting::{check_positive_list, Setting};
use crate::common::{CommonArgs, Context};
use crate::experiments::bar_chart::{self, Bar, BarChart};
use crate::plot;

/// The seed's maxima: (B, percent).
pub const SEED_MAX: &[(usize, f64, &str)] = &[
    (10, 94.98, "max 94.98%"),
    (30, 95.24, "max 95.24%"),
    (100, 95.14, "max 95.14%"),
];

/// Flags of `batch-size`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Batch sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10,30,100,256")]
    pub sizes: Vec<usize>,
    /// Learning rate.
    #[arg(long, default_value_t = 2.5)]
    pub eta: f64,
    /// Update rule and L2 n.
    #[command(flatten)]
    pub rc: RcArgs,
    /// Network, epochs, data slice.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Trains one network per batch size and writes the run directory (see [`family::run`]) plus
/// `seconds_per_epoch.png`.
pub fn run(ctx: &Context, common: &CommonArgs, args: &Args) -> anyhow::Result<()> {
    let base = Base::from_args("batch-size", common, &args.net, 30)?;
    check_positive_list(
        "--sizes",
        &args.sizes.iter().map(|&b| b as f64).collect::<Vec<_>>(),
    )?;
    check_positive_list("--eta", &[args.eta])?;
    let sets = base.load()?;
    let settings = args
        .sizes
        .iter()
        .map(|&b| {
            let s = Setting::nielsen(format!("B={b}"), b, args.eta);
            match SEED_MAX.iter().find(|&&(sb, _, _)| sb == b) {
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
        "batch-size: {:?} sigmoid, η {}, {}",
        config.sizes,
        args.eta,
        sets.label()
    );
    let done = family::run(ctx, &sets, &config, &title, Default::default())?;
    let bars: Vec<Bar> = done
        .summary
        .iter()
        .enumerate()
        .map(|(i, r)| Bar {
            label: r.setting.clone(),
            value: r.seconds_per_epoch,
            color: plot::series_color(i),
        })
        .collect();
    let top = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    bar_chart::draw_bar_chart(
        &done.run_dir.file("seconds_per_epoch.png"),
        &BarChart {
            title: &format!(
                "batch-size: seconds per epoch ({} images, {} threads{})",
                sets.train.len(),
                ctx.threads,
                if config.sequential {
                    ""
                } else {
                    ", in parallel"
                }
            ),
            x_label: "batch size",
            y_label: "seconds per epoch",
            bars: &bars,
            y_range: (0.0, if top > 0.0 { top * 1.15 } else { 1.0 }),
        },
    )?;
    Ok(())
}
