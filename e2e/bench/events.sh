#!/usr/bin/env bash
# Benchmark of event-trigger delivery (issue: event triggers). Release build.
# Knob: BENCH_EVENTS (default 20000).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
scripts/install-deps.sh
cargo build --locked --release --workspace --bins
exec "$CARGO_TARGET_DIR/release/bench-events"
