//! Command-line parsing: raw flags become typed experiment configurations.

use crate::common::{CommonArgs, Context};
use crate::experiments::{
    exp1_single, exp2_learning_rate, exp3_epochs, exp4_lr_vs_epochs, exp5_backquery,
};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Train neural networks from scratch and reproduce the classic learning experiments.
#[derive(Debug, Parser)]
#[command(name = "bench-runner", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs every experiment subcommand in turn (`--quick` for the small versions CI runs).
    All {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: crate::all::AllArgs,
    },
    /// "Make your own neural network", experiment 1: one epoch at lr 0.3 (784-100-10 sigmoid,
    /// no biases, squared error, one sample per update), accuracy overall and per digit.
    Exp1Single {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: exp1_single::Args,
    },
    /// "Make your own neural network", experiment 2: test accuracy after one epoch for each of
    /// 12 learning rates (same initial network for every rate, rates trained in parallel).
    Exp2LearningRate {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: exp2_learning_rate::Args,
    },
    /// "Make your own neural network", experiment 3: test accuracy after each of 20 epochs
    /// (784-100-10 sigmoid, no biases, squared error, lr 0.1, one sample per update).
    Exp3Epochs {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: exp3_epochs::Args,
    },
    /// "Make your own neural network", experiment 4: 8 learning rates × 15 epochs, scored after
    /// every epoch (heatmap, animated sweep).
    Exp4LrVsEpochs {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: exp4_lr_vs_epochs::Args,
    },
    /// "Make your own neural network", experiment 5: train at lr 0.025 for 13 epochs, then run
    /// the network backwards from each digit 0-9 into a 28×28 image.
    Exp5Backquery {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: exp5_backquery::Args,
    },
    #[command(flatten)]
    Bench(crate::experiments::bench::Command),
    #[command(flatten)]
    Mynet(crate::experiments::mynet::Command),
    #[command(flatten)]
    Blog(crate::experiments::blog::Command),
    #[command(flatten)]
    Nielsen(crate::experiments::nielsen::Command),
    #[command(flatten)]
    Esc50(crate::experiments::esc50::Command),
    #[command(flatten)]
    Sweep(crate::sweeps::Command),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::All { common, args } => return crate::all::run(&common, &args),
        Command::Bench(cmd) => cmd.run()?,
        Command::Mynet(cmd) => crate::experiments::mynet::run(cmd)?,
        Command::Blog(cmd) => crate::experiments::blog::run(cmd)?,
        Command::Nielsen(cmd) => crate::experiments::nielsen::run(cmd)?,
        Command::Esc50(cmd) => crate::experiments::esc50::run(cmd)?,
        Command::Sweep(cmd) => return crate::sweeps::run(cmd),
        Command::Exp1Single { common, args } => {
            let config = exp1_single::Config::from_args(&common, &args)?;
            exp1_single::run(&Context::new(&common)?, &config)?;
        }
        Command::Exp2LearningRate { common, args } => {
            let config = exp2_learning_rate::Config::from_args(&common, &args)?;
            exp2_learning_rate::run(&Context::new(&common)?, &config)?;
        }
        Command::Exp3Epochs { common, args } => {
            let ctx = Context::new(&common)?;
            let config = exp3_epochs::Config::from_args(&common, &args)?;
            return Ok(exp3_epochs::run(&ctx, &config, &args.control)?.exit_code());
        }
        Command::Exp4LrVsEpochs { common, args } => {
            let config = exp4_lr_vs_epochs::Config::from_args(&common, &args)?;
            exp4_lr_vs_epochs::run(&Context::new(&common)?, &config)?;
        }
        Command::Exp5Backquery { common, args } => {
            let config = exp5_backquery::Config::from_args(&common, &args)?;
            exp5_backquery::run(&Context::new(&common)?, &config)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
