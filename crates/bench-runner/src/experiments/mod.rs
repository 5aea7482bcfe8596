//! The experiments, each a typed configuration plus a `run` function.

pub mod exp3_epochs;
