#!/usr/bin/env bash
# Benchmark of the `me` query through the router vs. direct (issue: foundation). Release build.
# Knobs: BENCH_SECONDS (default 10), BENCH_CONCURRENCY (default 32).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
scripts/install-deps.sh
cargo build --locked --release --workspace --bins
exec "$CARGO_TARGET_DIR/release/bench-me"
