#!/usr/bin/env bash
# Regenerates the console's screenshots in docs/console/ by running its browser journey
# (console/tests/journey.mjs) against a running stack: start `scripts/dev.sh` first, or pass
# the API's base URL. Needs Node, ffmpeg and Chromium (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")"
api="${1:-http://127.0.0.1:4000}"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440 \
  -t 3 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$work/clip.mp4"
CONSOLE_URL="$api/console/" API="$api" VIDEO="$work/clip.mp4" SCREENSHOTS="../docs/console" \
  IMAGE="$(pwd)/../e2e/tests/fixtures/astronaut.jpg" \
  node tests/journey.mjs > "$work/summary.json"
echo "screenshots written to docs/console/:"
ls ../docs/console
