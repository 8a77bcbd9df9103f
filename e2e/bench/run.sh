#!/usr/bin/env bash
# Runs one benchmark in a release build: `e2e/bench/run.sh me|events|uploads`.
# Knobs: me: BENCH_SECONDS (10), BENCH_CONCURRENCY (32); events: BENCH_EVENTS (20000);
# uploads: BENCH_UPLOAD_MIB (1024).
set -euo pipefail
name="${1:?usage: e2e/bench/run.sh me|events|uploads}"
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
scripts/install-deps.sh
cargo build --locked --release --workspace --bins
exec "$CARGO_TARGET_DIR/release/bench-$name"
