#!/usr/bin/env bash
# Installs a model runtime of the built-in catalogue, so that the models needing it can run
# on this worker without downloading anything at run time.
#
#   scripts/install-runtime.sh vision [DIR]
#
# `vision` (face-detect, background-remove): a Python virtualenv on Debian's python3 with
# mediapipe 0.10.14, whose wheel carries the trained networks (BlazeFace, selfie
# segmentation), and the model programs from runtimes/vision/. DIR defaults to
# /opt/mediamagic/runtimes/vision, which the worker lists in `worker.program_dirs` by
# default: the sandbox binds it read-only and puts it on the models' PATH. The directory and
# everything in it is readable by every user (the sandbox runs jobs as an unprivileged uid)
# and writable only by root.
#
# The runtime is built beside DIR and moved into place whole, `runtime.json` last, so a worker
# never sees half an install; running it again when the same version is there does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
case "$name" in
  vision) ;;
  *) echo "usage: scripts/install-runtime.sh vision [DIR]" >&2; exit 2 ;;
esac
source_dir="runtimes/$name"
dir="${2:-/opt/mediamagic/runtimes/$name}"
case "$dir" in
  /*) ;;
  *) echo "DIR must be an absolute path (the sandbox binds it at the same path)" >&2; exit 2 ;;
esac
# The version is the hash of what goes in: a changed pin or program installs again.
version="$(cat "$source_dir"/requirements.txt "$source_dir"/mm_vision.py "$source_dir"/mm-* | sha256sum | cut -c1-16)"
if [ -f "$dir/runtime.json" ] && grep -q "\"version\": \"$version\"" "$dir/runtime.json"; then
  echo "runtime $name $version is already installed in $dir"
  exit 0
fi
python=/usr/bin/python3
if ! "$python" -c 'import sys, ensurepip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  echo "runtime $name needs Debian's python3 3.11 with venv (apt-get install python3-venv)" >&2
  exit 1
fi
umask 022
staging="$dir.installing"
rm -rf "$staging"
mkdir -p "$staging"
echo "[1/3] creating a virtualenv in $staging/venv"
"$python" -m venv "$staging/venv"
echo "[2/3] installing $(grep -cv '^\s*\(#\|$\)' "$source_dir/requirements.txt") pinned wheels (about 130 MB to download)"
"$staging/venv/bin/pip" install --disable-pip-version-check --no-deps --only-binary=:all: \
  --progress-bar on -r "$source_dir/requirements.txt"
# pip and setuptools are not needed to run the models.
"$staging/venv/bin/pip" uninstall --disable-pip-version-check -y -q pip setuptools >/dev/null 2>&1 || true
echo "[3/3] installing the model programs"
cp "$source_dir"/mm_vision.py "$staging/"
for program in "$source_dir"/mm-*; do
  target="$staging/$(basename "$program")"
  # -s: no user site-packages, -E: no PYTHON* variables; the program's own directory (this
  # runtime) stays on sys.path for mm_vision.
  { echo "#!$dir/venv/bin/python -sE"; tail -n +2 "$program"; } > "$target"
  chmod 755 "$target"
done
# The font caches matplotlib and fontconfig would otherwise build in every run's fresh $HOME,
# built once here (mm_vision points them at $dir/cache). Paths inside them name /usr fonts,
# which the sandbox shows at the same place.
mkdir -p "$staging/cache/matplotlib"
MPLCONFIGDIR="$staging/cache/matplotlib" XDG_CACHE_HOME="$staging/cache" \
  "$staging/venv/bin/python" -c 'import mediapipe.python.solutions' 2>/dev/null
cat > "$staging/runtime.json" <<JSON
{"name": "$name", "version": "$version", "python": "$("$python" -c 'import platform; print(platform.python_version())')", "mediapipe": "0.10.14"}
JSON
chmod -R a+rX,go-w "$staging"
# A virtualenv finds its packages relative to its python, so it may move; its pip scripts
# would name the staging path, and they are gone.
rm -rf "$dir.old"
[ -e "$dir" ] && mv "$dir" "$dir.old"
mv "$staging" "$dir"
rm -rf "$dir.old"
echo "runtime $name $version installed in $dir ($(du -sh "$dir" | cut -f1))"
