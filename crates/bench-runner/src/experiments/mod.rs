//! The experiments, each a typed configuration plus a `run` function.

pub mod bar_chart;
pub mod bench;
pub mod blog;
pub mod esc50;
pub mod exp1_single;
pub mod exp2_learning_rate;
pub mod exp3_epochs;
pub mod exp4_lr_vs_epochs;
pub mod exp5_backquery;
pub mod image_grid;
pub mod mynet;
pub mod nielsen;
pub mod rashid;
pub mod sweep;
