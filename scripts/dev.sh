#!/usr/bin/env bash
# Runs the whole stack locally with embedded defaults: installs only what running it needs
# (PostgreSQL, Redis, ffmpeg, the job sandbox), builds the `mediamagic` and `mediamagic-router`
# binaries, and starts `mediamagic dev` (private Postgres and Redis under .data/, the
# subgraphs, the router). Every step says what it does. Extra arguments go to `mediamagic`
# (for example `--config my.toml`). The test command (scripts/test.sh) installs the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
step() { printf '\n==> [%s/3] %s\n' "$1" "$2"; }
started=$SECONDS
step 1 "checking what the stack needs to run (PostgreSQL, Redis, ffmpeg, bubblewrap, iptables; curl and jq for the tour)"
scripts/install-deps.sh --runtime
step 2 "building mediamagic and mediamagic-router (debug; the first build takes a while, later ones seconds)"
cargo build --locked -p mediamagic -p mediamagic-router --bins
step 3 "starting mediamagic dev ($((SECONDS - started)) s so far); it prints the GraphQL URL when ready"
exec "$CARGO_TARGET_DIR/debug/mediamagic" "$@" dev
