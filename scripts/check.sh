#!/usr/bin/env bash
# The one check command: cheapest checks first. CI (.ci/run) calls exactly this.
# Real-data tests read MYNET_DATA_DIR (a folder holding mnist/, fashion-mnist/, esc50/);
# without it they print a skip line.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (pure)"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy (blas)"
cargo clippy --workspace --all-targets --features blas -- -D warnings

step "tests (pure backend)"
cargo test --workspace
step "tests (blas backend)"
cargo test --workspace --features blas

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "backend comparison: exp3-epochs on a slice with each backend"
scripts/compare-backends.sh

step "experiments: bench-runner all --quick (pure backend)"
cargo build --release --quiet -p bench-runner --features blas # no-op after compare-backends.sh
if [ -d "${MYNET_DATA_DIR:-/nonexistent}/mnist" ]; then
  out=$(mktemp -d)
  "${CARGO_TARGET_DIR:-target}/release/bench-runner" all --quick --backend pure --out "$out"
  rm -rf "$out"
else
  echo "skipping all --quick: MYNET_DATA_DIR not set"
fi

step "benchmark smoke run: bench --quick (every configuration and backend, not timed)"
"${CARGO_TARGET_DIR:-target}/release/bench-runner" bench --quick --threads 2
