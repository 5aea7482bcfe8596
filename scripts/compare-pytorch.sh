#!/usr/bin/env bash
# Side-by-side epoch times: ours (bench-runner bench, pure and BLAS backends) against PyTorch CPU,
# a vectorised NumPy float32 implementation and the textbook NumPy code (Rashid / Nielsen,
# per-sample loops), on the full Fashion-MNIST training set.
#
# Runs are interleaved (ours, PyTorch, ours, NumPy, … for each configuration and thread count,
# then the whole round again) so that drift of a shared machine hits every side alike. Every
# side gets the same thread count, stated in the output; ratios use each side's best thread
# count. The table goes to stdout and into docs/benchmarks.md (between the compare markers).
#
# Environment (all optional):
#   CONFIGS="rashid nielsen mlp100 mynet blog wide"   configurations
#   THREADS="1 2"         thread counts given to every side
#   ROUNDS=2              interleaved rounds
#   OUR_EPOCHS=5          timed epochs per run of ours (after 1 warm-up)
#   REF_EPOCHS=2          timed epochs per Python run (after 1 warm-up)
#   TEXTBOOK="rashid nielsen"   configurations for the (slow) textbook NumPy code
#   TEXTBOOK_THREADS=1    the one thread count it runs at (per-sample loops of 784×1 products
#                         gain nothing from more BLAS threads)
#   BENCH_BIN=…           a prebuilt bench-runner (--features blas) instead of `cargo build`
#   DATA_DIR=…            Fashion-MNIST folder (default $MYNET_DATA_DIR/fashion-mnist, else
#                         ../shared/datasets/fashion-mnist)
#   NO_DOC=1              do not touch docs/benchmarks.md
#
# Setup: a virtual environment in .venv/ (gitignored) with NumPy and PyTorch. PyTorch's CPU-only
# wheel index is tried first; where only PyPI is reachable, `pip install torch` from PyPI is used
# (a large download: the PyPI wheel bundles CUDA libraries, which stay unused here). When PyTorch
# cannot be installed at all, the comparison runs without it and says so.
#
# OPENBLAS_CORETYPE: OpenBLAS 0.3.21 does not know Zen 5 and falls back to Haswell kernels. When the
# CPU has AVX-512 and the variable is unset, this script sets OPENBLAS_CORETYPE=SkylakeX for every
# process (our BLAS backend and NumPy's bundled OpenBLAS alike); PyTorch uses its own oneDNN/MKL
# kernels and is not affected.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIGS=${CONFIGS:-"rashid nielsen mlp100 mynet blog wide"}
THREADS=${THREADS:-"1 2"}
ROUNDS=${ROUNDS:-2}
OUR_EPOCHS=${OUR_EPOCHS:-5}
REF_EPOCHS=${REF_EPOCHS:-2}
TEXTBOOK=${TEXTBOOK:-"rashid nielsen"}
TEXTBOOK_THREADS=${TEXTBOOK_THREADS:-1}
data_dir=${DATA_DIR:-${MYNET_DATA_DIR:-../shared/datasets}/fashion-mnist}
if [ ! -d "$data_dir" ]; then
  echo "no Fashion-MNIST in $data_dir (set DATA_DIR or MYNET_DATA_DIR)" >&2
  exit 2
fi

# --- Python environment -------------------------------------------------------------------------
venv=.venv
py=$venv/bin/python
if [ ! -x "$py" ]; then
  python3 -m venv "$venv"
fi
if ! "$py" -c "import numpy" 2>/dev/null; then
  "$py" -m pip install --quiet numpy
fi
have_torch=1
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "installing PyTorch into $venv (CPU index first, then PyPI)…" >&2
  "$py" -m pip install --quiet --timeout 30 torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null ||
    "$py" -m pip install --quiet torch ||
    have_torch=0
fi
if [ "$have_torch" = 0 ]; then
  echo "PyTorch could not be installed: the comparison runs without it" >&2
fi

# --- our binary ---------------------------------------------------------------------------------
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN # a prebuilt bench-runner (built with --features blas)
else
  cargo build --release --quiet -p bench-runner --features blas
  bin=${CARGO_TARGET_DIR:-target}/release/bench-runner
fi

if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
# Ours must not re-exec with another coretype than the one the Python side gets.
export MYNET_BENCH_KEEP_ENV=1

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
raw=$out/raw.csv
echo "impl,config,threads,round,median_s,median_cpu_s" >"$raw"

# "<wall>,<cpu>" from a run's last lines; our multi-thread runs also leave the core-to-core
# round trip measured right after them in $out/rtt (shown in the round's line).
median_of() {
  awk -F= -v rtt="$out/rtt" '/^core_round_trip_ns=/ { print $2 > rtt }
    /^median_epoch_cpu_s=/ { c = $2 } /^median_epoch_s=/ { w = $2 } END { print w "," c }'
}

run_ours() { # backend config threads
  "$bin" bench --config "$2" --backend "$1" --threads "$3" --epochs "$OUR_EPOCHS" --warmup 1 \
    --data-dir "$data_dir" | median_of
}
run_ref() { # impl config threads
  "$py" scripts/reference/bench_ref.py --impl "$1" --config "$2" --threads "$3" \
    --epochs "$REF_EPOCHS" --warmup 1 --data-dir "$data_dir" | median_of
}
record() { # impl config threads round "wall,cpu"
  echo "$1,$2,$3,$4,$5" >>"$raw"
  local rtt=""
  if [ -s "$out/rtt" ]; then rtt="  core round trip $(cat "$out/rtt") ns"; rm -f "$out/rtt"; fi
  printf '  %-10s %-8s %sT round %s: %s s (wall, CPU)  load %s%s\n' "$1" "$2" "$3" "$4" "$5" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$rtt"
}

echo "compare: configs [$CONFIGS], threads [$THREADS], $ROUNDS rounds, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
for round in $(seq 1 "$ROUNDS"); do
  for config in $CONFIGS; do
    for t in $THREADS; do
      record ours-pure "$config" "$t" "$round" "$(run_ours pure "$config" "$t")"
      if [ "$have_torch" = 1 ]; then
        record torch "$config" "$t" "$round" "$(run_ref torch "$config" "$t")"
      fi
      record ours-blas "$config" "$t" "$round" "$(run_ours blas "$config" "$t")"
      record numpy-vec "$config" "$t" "$round" "$(run_ref numpy-vec "$config" "$t")"
      if [[ " $TEXTBOOK " == *" $config "* ]] && [ "$t" = "$TEXTBOOK_THREADS" ]; then
        record numpy-tb "$config" "$t" "$round" "$(run_ref numpy-tb "$config" "$t")"
      fi
    done
  done
done

versions=$("$py" -c "import numpy, sys; v = 'NumPy ' + numpy.__version__
try:
    import torch; v += ', PyTorch ' + torch.__version__
except ImportError:
    v += ', PyTorch not installed'
print(v + ', Python ' + sys.version.split()[0])")
doc_args=(--doc docs/benchmarks.md)
if [ -n "${NO_DOC:-}" ]; then doc_args=(); fi
if [ -n "${COMPARE_RAW_OUT:-}" ]; then cp "$raw" "$COMPARE_RAW_OUT"; fi
"$py" scripts/reference/summarize.py "$raw" --versions "$versions" \
  --coretype "${OPENBLAS_CORETYPE:-(unset)}" "${doc_args[@]}"
