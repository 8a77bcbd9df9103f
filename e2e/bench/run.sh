#!/usr/bin/env bash
# Runs one benchmark in a release build:
# `e2e/bench/run.sh me|events|uploads|jobs|worker|vision|chaos|backup|compare`.
# Knobs: me: BENCH_SECONDS (10), BENCH_CONCURRENCY (32); events: BENCH_EVENTS (20000);
# uploads: BENCH_UPLOAD_MIB (1024), BENCH_PARALLEL_PARTS (4); jobs: BENCH_LATENCY_JOBS (200),
# BENCH_BURST (1000), BENCH_SLOTS (8), BENCH_RUN_MS (20); worker: BENCH_VIDEO_SECONDS (60), BENCH_RUNS (3),
# BENCH_LATENCY_JOBS (50), BENCH_SANDBOX (bubblewrap; `none` for the sandbox's cost);
# vision: BENCH_IMAGES (100), BENCH_SLOTS (2) (needs scripts/install-runtime.sh vision);
# chaos: BENCH_JOBS (1000), BENCH_ROUNDS (3), BENCH_FAULT_EVERY_MS (3000); backup: BENCH_JOBS
# (1000000) finished jobs, then a full backup, 1% more and an incremental, a restore;
# compare: every pair against the tools users would pick instead (npm peers installed into
# e2e/bench/peers): gateways (Apollo Gateway, Hive Gateway), job queue (graphile-worker,
# pgbench), event triggers (graphile-worker), 10,000 subscriptions; BENCH_PAIRS picks some;
# knobs in e2e/src/bin/bench-compare.rs.
set -euo pipefail
name="${1:?usage: e2e/bench/run.sh me|events|uploads|jobs|worker|vision|chaos|backup|compare}"
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
scripts/install-deps.sh
if [ "$name" = compare ] && [ ! -d e2e/bench/peers/node_modules/@apollo/gateway ]; then
  echo "installing: the peer gateways (npm, e2e/bench/peers)" >&2
  (cd e2e/bench/peers && npm ci --no-audit --no-fund --silent)
fi
if [ "$name" = vision ]; then
  if [ "$(id -u)" = 0 ]; then scripts/install-runtime.sh vision; else sudo scripts/install-runtime.sh vision; fi
fi
cargo build --locked --release --workspace --bins
exec "$CARGO_TARGET_DIR/release/bench-$name"
