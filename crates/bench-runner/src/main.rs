//! `bench-runner`: the mynet-rs experiments, one subcommand each.
//!
//! Every experiment is a library-style function with a typed configuration (in
//! [`experiments`]); the subcommands only turn flags into those configurations.

mod all;
mod cli;
mod common;
mod control;
mod cpu_time;
mod experiments;
mod mnist_source;
mod plot;
mod progress;
mod run_dir;
mod sweeps;

use clap::Parser;
use std::process::ExitCode;

/// Exit code for bad input (unreadable data, invalid flags, unavailable backend).
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if let Err(err) = control::install_handler() {
        eprintln!("warning: {err:#}");
    }
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
