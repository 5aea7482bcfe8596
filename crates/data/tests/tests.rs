//! Integration tests of the `data` crate, compiled into one binary.

mod common;
mod download;
mod esc50_cache;
mod esc50_features;
mod esc50_meta;
mod esc50_reference;
mod esc50_util;
mod esc50_wav;
mod idx_files;
mod mnist_dir;
mod real_data;
mod regressions;
