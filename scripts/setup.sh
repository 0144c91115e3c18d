#!/usr/bin/env bash
# Create .venv (if needed) and install vinerfacts with pinned dependencies (constraints.txt).
# Usage: bash scripts/setup.sh [EXTRA]   e.g. EXTRA=test installs what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extra=${1:-}
if [ "$extra" = "test" ] || [ "$extra" = "transformers" ]; then
  # A CPU build of torch, pinned: an unpinned torch would pull several GB of CUDA builds.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt "torch==2.13.0"
fi
target="."
[ -n "$extra" ] && target=".[$extra]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$target"
