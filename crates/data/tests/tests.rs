//! Integration tests of the `data` crate, compiled into one binary.

mod common;
mod download;
mod idx_files;
mod mnist_dir;
mod real_data;
