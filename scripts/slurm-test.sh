#!/usr/bin/env bash
# End-to-end test of `bench-runner sweep --slurm` against a real one-node Slurm (Debian's
# slurmctld, slurmd and munge, started here as root on 127.0.0.1 from a temporary folder, with
# their own ports and munge socket; see docs/sweeps.md):
#   1. submits experiments/smoke.toml (or $SWEEP) as a job array, waits until squeue is empty,
#      collects, runs the same sweep locally and compares the two results.csv (sorted, every
#      column but the timings `seconds`): the per-point metrics must be identical;
#   2. removes one point's result, checks that --collect reports it, resubmits it alone and
#      compares again;
#   3. submits a sweep with a failing point and checks that --collect lists it with its Slurm
#      job id.
# Needs root (apt-get install, the daemons) and MNIST in $MYNET_DATA_DIR/mnist (default:
# ../shared/datasets). Stops the daemons and removes the folder on exit (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
SWEEP=${SWEEP:-experiments/smoke.toml}
export MYNET_DATA_DIR="${MYNET_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
step() { printf '\n== [%ss] %s\n' "$(($(date +%s) - t0))" "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (installs packages, starts slurmctld/slurmd/munged)"
[ -d "$MYNET_DATA_DIR/mnist" ] || fail "no MNIST in $MYNET_DATA_DIR/mnist (set MYNET_DATA_DIR)"

step "packages: slurmctld slurmd slurm-client munge"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

step "build bench-runner (release)"
# With OpenBLAS present, build with --features blas: the release binary scripts/check.sh (via
# compare-backends.sh) already built, so CI does not compile again. Points use --backend pure.
features=()
if pkg-config --exists openblas 2>/dev/null; then features=(--features blas); fi
cargo build --release --quiet -p bench-runner "${features[@]}"
BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/bench-runner"

DIR=$(mktemp -d /tmp/mynet-slurm-test.XXXXXX)
chmod 711 "$DIR" # munged wants every folder above its socket searchable
cleanup() {
  local pidfile
  for pidfile in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  sleep 1
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

step "munged on $DIR/munge/munge.socket"
mkdir -m 711 "$DIR/munge"
head -c 1024 /dev/urandom >"$DIR/munge/munge.key"
chmod 400 "$DIR/munge/munge.key"
SOCK="$DIR/munge/munge.socket"
munged --socket="$SOCK" --key-file="$DIR/munge/munge.key" --pid-file="$DIR/munge/munged.pid" \
  --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed"
munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null || fail "munge round trip"

# Two free TCP ports for slurmctld and slurmd.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
CTLD_PORT=$(free_port 16817)
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))
H=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
export SLURM_CONF="$DIR/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=mynet-test
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$H NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF

step "slurmctld and slurmd ($H, $CPUS CPUs, ports $CTLD_PORT/$SLURMD_PORT)"
slurmctld -c -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$H"
for _ in $(seq 60); do
  [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
  sleep 0.5
done
[ "$(sinfo -h -o %T)" = idle ] || { tail -20 "$DIR"/log/*.log; fail "node not idle"; }
sinfo

# Waits until nothing is queued or running (at most 5 minutes).
wait_queue() {
  local start
  start=$(date +%s)
  while [ -n "$(squeue -h)" ]; do
    if [ $(($(date +%s) - start)) -gt 300 ]; then
      squeue
      fail "the job array did not finish within 5 minutes"
    fi
    sleep 1
  done
}

# results.csv without its `seconds` columns (timings), header first, rows sorted.
strip() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") drop[i] = 1 }
    { line = ""; sep = ""; for (i = 1; i <= NF; i++) if (!(i in drop)) { line = line sep $i; sep = "," }
      print line }' "$1" | { IFS= read -r head; echo "$head"; sort; }
}
compare() {
  diff <(strip "$1") <(strip "$2") || fail "$1 and $2 differ"
  echo "identical per-point metrics: $(($(wc -l <"$1") - 1)) rows"
}

SHARED="$DIR/shared"
step "submit $SWEEP as a job array"
"$BIN" sweep "$SWEEP" --out "$SHARED" --slurm --max-parallel "$CPUS" --time 00:10:00
squeue -r
wait_queue
step "collect"
"$BIN" sweep "$SWEEP" --out "$SHARED" --collect
SWEEP_DIR=$(dirname "$(ls "$SHARED"/*/results.csv)")
n_slurm=$(grep -l '"slurm_job": "[0-9]*_[0-9]*"' "$SWEEP_DIR"/points/*/done.json | wc -l)
n_points=$(($(wc -l <"$SWEEP_DIR/points.csv") - 1))
[ "$n_slurm" = "$n_points" ] || fail "$n_slurm of $n_points points ran as Slurm array tasks"

step "the same sweep locally"
"$BIN" sweep "$SWEEP" --out "$DIR/local" --threads "$CPUS" >/dev/null
compare "$SWEEP_DIR/results.csv" "$DIR/local/$(basename "$SWEEP_DIR")/results.csv"

step "a point without its result is reported and resubmitted alone"
id=$(awk -F, 'NR == 2 { print $2 }' "$SWEEP_DIR/points.csv")
rm "$SWEEP_DIR/points/$id/done.json"
if "$BIN" sweep "$SWEEP" --out "$SHARED" --collect >"$DIR/collect.txt"; then
  fail "--collect succeeded with a point missing"
fi
grep "$id" "$DIR/collect.txt" | grep -q "no result (Slurm job" || { cat "$DIR/collect.txt"; fail "missing point not reported"; }
"$BIN" sweep "$SWEEP" --out "$SHARED" --slurm
grep -q '"array": "0"' "$SWEEP_DIR/slurm/submissions.json" || fail "the resubmission is not point 0 alone"
wait_queue
"$BIN" sweep "$SWEEP" --out "$SHARED" --collect >/dev/null
compare "$SWEEP_DIR/results.csv" "$DIR/local/$(basename "$SWEEP_DIR")/results.csv"

step "a failing point is listed with its Slurm job id"
cat >"$DIR/bad.toml" <<EOF
subcommand = "exp3-epochs"
[settings]
quick = true
epochs = 1
[axes]
lr = [0.1, -1.0]
EOF
"$BIN" sweep "$DIR/bad.toml" --out "$SHARED" --slurm
wait_queue
if "$BIN" sweep "$DIR/bad.toml" --out "$SHARED" --collect >"$DIR/collect.txt"; then
  fail "--collect succeeded with a failed point"
fi
cat "$DIR/collect.txt"
grep -Eq "failed, Slurm job [0-9]+_1, log .*: .*--lr must be a positive number" "$DIR/collect.txt" ||
  fail "the failed point is not listed with its Slurm job"
grep -q -- "--points 1" "$DIR/collect.txt" || fail "no resubmit command for point 1"

step "PASS: Slurm sweep matches the local sweep ($(($(date +%s) - t0)) s in all)"
