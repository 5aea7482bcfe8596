#!/usr/bin/env bash
# Trains exp3-epochs on a slice of real MNIST with the pure and the BLAS backend and fails when
# their test accuracies differ by more than 0.5 percentage points.
set -euo pipefail
cd "$(dirname "$0")/.."
data_root="${MYNET_DATA_DIR:-../shared/datasets}"
if [ ! -d "$data_root/mnist" ]; then
  echo "skipping backend comparison: no MNIST in $data_root/mnist (set MYNET_DATA_DIR)"
  exit 0
fi
cargo build --release --quiet -p bench-runner --features blas
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
acc() {
  "${CARGO_TARGET_DIR:-target}/release/bench-runner" exp3-epochs --limit-train 2000 --epochs 1 --threads 2 \
    --data-dir "$data_root/mnist" --out "$out/$1" --backend "$1" >/dev/null
  tail -n 1 "$out/$1"/exp3-epochs-*/metrics.csv | cut -d, -f4
}
pure=$(acc pure)
blas=$(acc blas)
echo "test accuracy after 1 epoch on 2000 images: pure $pure, blas $blas"
awk -v a="$pure" -v b="$blas" 'BEGIN { d = a - b; if (d < 0) d = -d;
  if (d > 0.005) { print "FAIL: backends differ by " d*100 " points"; exit 1 }
  print "backends agree within " d*100 " points" }'
