#!/usr/bin/env bash
# Runs the whole stack locally with embedded defaults: installs what is missing, builds, and
# starts `mediamagic dev` (private Postgres and Redis under .data/, the subgraphs, the router).
# Extra arguments go to `mediamagic` (for example `--config my.toml`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
scripts/install-deps.sh
cargo build --locked --workspace --bins
exec "$CARGO_TARGET_DIR/debug/mediamagic" "$@" dev
