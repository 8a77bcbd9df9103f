#!/usr/bin/env bash
# Refreshes the playground's bundled assets from the npm registry (pinned versions), so the
# page served by the router loads nothing from a CDN. Run from anywhere; commit the result.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 >/dev/null
for tarball in *.tgz; do
  mkdir -p "${tarball%.tgz}"
  tar xzf "$tarball" -C "${tarball%.tgz}"
done
vendor="$here/vendor"
rm -rf "$vendor"
mkdir -p "$vendor"
gzip -9 -n -c graphiql-3.8.3/package/graphiql.min.js >"$vendor/graphiql.min.js.gz"
gzip -9 -n -c graphiql-3.8.3/package/graphiql.min.css >"$vendor/graphiql.min.css.gz"
gzip -9 -n -c react-18.3.1/package/umd/react.production.min.js >"$vendor/react.production.min.js.gz"
gzip -9 -n -c react-dom-18.3.1/package/umd/react-dom.production.min.js >"$vendor/react-dom.production.min.js.gz"
{
  echo "Bundled third-party assets of the playground (served gzip-compressed by the router)."
  echo
  for package in graphiql-3.8.3 react-18.3.1 react-dom-18.3.1; do
    echo "== ${package} =="
    cat "$package/package/LICENSE"
    echo
  done
} >"$vendor/LICENSES.txt"
ls -l "$vendor"
