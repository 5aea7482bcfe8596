//! Command-line parsing: raw flags become typed experiment configurations.

use crate::common::{CommonArgs, Context};
use crate::experiments::exp3_epochs;
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
    /// "Make your own neural network", experiment 3: test accuracy after each of 20 epochs
    /// (784-100-10 sigmoid, no biases, squared error, lr 0.1, one sample per update).
    Exp3Epochs {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: exp3_epochs::Args,
    },
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Exp3Epochs { common, args } => {
            let ctx = Context::new(&common)?;
            let config = exp3_epochs::Config::from_args(&common, &args)?;
            exp3_epochs::run(&ctx, &config)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
