#!/usr/bin/env bash
# Assembles the runtime image's root file system without a container engine or registry:
# the Debian packages of image/packages.txt (mmdebstrap, as the Dockerfile's apt-get), the
# user 10001, and the binaries and files the Dockerfile copies. Usage:
#   scripts/image-rootfs.sh <root dir> [<directory holding mediamagic and mediamagic-router>]
# The package layer is kept between runs (rebuilt when image/packages.txt changes).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:?usage: image-rootfs.sh <root dir> [bin dir]}"
bins="${2:-${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}/release}"

command -v mmdebstrap >/dev/null 2>&1 \
  || { echo "mmdebstrap is missing: apt-get install mmdebstrap (scripts/install-deps.sh does)" >&2; exit 1; }

packages=$(grep -v '^#' image/packages.txt | paste -sd, -)
stamp="$(sha256sum image/packages.txt | cut -d' ' -f1)"
if [ "$(cat "$root/.mediamagic-packages" 2>/dev/null)" != "$stamp" ]; then
  echo "building the root file system (Debian bookworm + $packages)" >&2
  rm -rf "$root"
  mkdir -p "$(dirname "$root")"
  mmdebstrap --quiet --variant=apt --include="$packages" bookworm "$root"
  # The Dockerfile's `useradd --uid 10001`.
  echo 'mediamagic:x:10001:10001::/nonexistent:/usr/sbin/nologin' >>"$root/etc/passwd"
  echo 'mediamagic:x:10001:' >>"$root/etc/group"
  echo "$stamp" >"$root/.mediamagic-packages"
fi
install -D -m 0755 "$bins/mediamagic" "$root/usr/local/bin/mediamagic"
install -D -m 0755 "$bins/mediamagic-router" "$root/usr/local/bin/mediamagic-router"
install -D -m 0644 schema/supergraph.graphql "$root/usr/share/mediamagic/schema/supergraph.graphql"
install -D -m 0644 router/config/production.yaml "$root/usr/share/mediamagic/router/production.yaml"
echo "$root"
