#!/usr/bin/env bash
# Set up (with the test extra, a CPU build of torch, and a headless browser for the HTML report test)
# and run every test. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
bash scripts/install_browser.sh || echo "test.sh: no browser; the HTML browser test will be skipped (and fail under CI=true)"
exec .venv/bin/python -m pytest "$@"
