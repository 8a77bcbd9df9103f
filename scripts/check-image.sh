#!/usr/bin/env bash
# The registry-free image check (run by scripts/test.sh): assembles the runtime image's root
# file system (scripts/image-rootfs.sh, the Dockerfile's packages and files) around the
# freshly built binaries, then runs them inside it under bubblewrap as the image's user 10001,
# with a read-only root, a private /tmp and nothing of this machine's environment: `--help`,
# key generation, ffmpeg and the sandbox tools, `serve compat` answering /healthz, and the
# router with the image's production config answering /health. A missing library or package
# fails here. Usage: scripts/check-image.sh [<bin dir>] (default: the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$HOME/.cache/mediamagic/target}"
bins="${1:-$target/debug}"
# Not under $HOME: the image user must be able to reach it (/root is private).
root="${MEDIAMAGIC_ROOTFS:-/var/tmp/mediamagic-rootfs}"
scripts/image-rootfs.sh "$root" "$bins" >/dev/null

# Inside the image: uid 10001, the image's environment, the host network (for the probes).
inside() {
  setpriv --reuid=10001 --regid=10001 --clear-groups \
    bwrap --unshare-all --share-net --die-with-parent \
    --ro-bind "$root" / --proc /proc --dev /dev --tmpfs /tmp \
    --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin \
    --setenv ROUTER_CONFIG_FILE_PATH /usr/share/mediamagic/router/production.yaml \
    --setenv SUPERGRAPH_FILE_PATH /usr/share/mediamagic/schema/supergraph.graphql \
    --setenv MEDIAMAGIC__LOG__FORMAT json \
    "$@"
}
fail() { echo "image check: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url pid log
  for _ in $(seq 1 100); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; fail "$1: the process exited"; }
    sleep 0.2
  done
  cat "$3" >&2; fail "$1 did not answer"
}

[ "$(inside id -u)" = 10001 ] || fail "not running as uid 10001"
help="$(inside mediamagic --help)" || fail "mediamagic --help"
grep -q "serve" <<<"$help" || fail "mediamagic --help lists no serve"
keys="$(inside mediamagic tokens keyset)"
[ "$(printf '%s\n' "$keys" | grep -c '=')" -ge 10 ] || fail "tokens keyset"
inside ffmpeg -hide_banner -version >/dev/null || fail "ffmpeg"
inside bwrap --version >/dev/null || fail "bwrap"
inside setpriv --version >/dev/null || fail "setpriv"
inside sh -c 'test -s /etc/ssl/certs/ca-certificates.crt' || fail "CA certificates"

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(free_port)"
inside env MEDIAMAGIC__LISTEN__COMPAT_PORT="$port" \
  MEDIAMAGIC__COMPAT__GRAPHQL_URL=http://127.0.0.1:9/graphql \
  mediamagic serve compat >"$work/compat.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz" "$!" "$work/compat.log"

port="$(free_port)"
metrics="$(free_port)"
key() { printf '%s\n' "$keys" | sed -n "s/^$1=//p"; }
# The router's production config, with its metrics port moved off 9090 for this machine.
sed "s/port: 9090/port: $metrics/" router/config/production.yaml >"$work/router.yaml"
chmod 644 "$work/router.yaml"
inside --ro-bind "$work/router.yaml" /tmp/router.yaml env \
  ROUTER_CONFIG_FILE_PATH=/tmp/router.yaml PORT="$port" \
  MEDIAMAGIC__AUTH__ROOT_PUBLIC_KEY="$(key root_public_key)" \
  MEDIAMAGIC__AUTH__INTERNAL_PRIVATE_KEY="$(key internal_private_key)" \
  MEDIAMAGIC__AUTH__INTERNAL_SECRET="$(key internal_secret)" \
  MEDIAMAGIC__AUTH__ACCOUNTS_URL=http://127.0.0.1:9 \
  MEDIAMAGIC__SERVICES__MEDIA=http://127.0.0.1:9 MEDIAMAGIC__SERVICES__COMPAT=http://127.0.0.1:9 \
  MEDIAMAGIC__SERVICES__WORKER=http://127.0.0.1:9 \
  MEDIAMAGIC__REDIS__URL=redis://127.0.0.1:9 \
  mediamagic-router >"$work/router.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/health" "$!" "$work/router.log"
# (Read whole: `grep -q` stopping early would break curl's pipe.)
router_metrics="$(curl -fsS "http://127.0.0.1:$metrics/metrics")" || fail "router metrics"
grep -q '^# TYPE' <<<"$router_metrics" || fail "router metrics"
echo "image check: passed ($root)"
