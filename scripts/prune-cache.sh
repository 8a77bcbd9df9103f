#!/usr/bin/env bash
# Keeps the shared build cache from growing without bound: every change of a crate leaves its
# old test and binary executables (~180 MB each with debug info) in `deps/`, and incremental
# data piles up. Of each executable name it keeps the three newest (a package's binary, its
# unit tests and its binary's tests share a name and change together; a busy day of edits
# once filled a 250 GB disk); cargo rebuilds whatever it still needs. Run by scripts/test.sh before building.
set -euo pipefail
target="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
for profile in debug release; do
  deps="$target/$profile/deps"
  [ -d "$deps" ] || continue
  declare -A seen=()
  # Executables are the files without an extension: <name>-<16 hex>.
  find "$deps" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[A-Za-z0-9_]+-[0-9a-f]{16}' -printf '%T@ %f\n' |
    sort -rn |
    while read -r _modified file; do
      name="${file%-*}"
      count=$(( ${seen[$name]:-0} + 1 ))
      seen[$name]=$count
      if [ "$count" -gt 3 ]; then
        rm -f "$deps/$file"
      fi
    done
done
# Incremental data over 5 GB goes (the next build of the workspace crates is a little slower).
incremental="$target/debug/incremental"
if [ -d "$incremental" ] && [ "$(du -sm "$incremental" | cut -f1)" -gt 5120 ]; then
  rm -rf "$incremental"
fi
