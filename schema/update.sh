#!/usr/bin/env bash
# Regenerates the checked-in subgraph SDLs and the composed supergraph from the code.
# Needs cargo and node/npm (installs the composition package into schema/node_modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
cargo build -q --bin mediamagic
for subgraph in $(node -e 'for (const s of require("./schema/subgraphs.json")) console.log(s.name)'); do
  "$CARGO_TARGET_DIR/debug/mediamagic" sdl "$subgraph" > "schema/$subgraph.graphql"
done
cd "$here"
[ -d node_modules/@theguild/federation-composition ] || npm install --no-audit --no-fund --silent
node compose.mjs
