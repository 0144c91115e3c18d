#!/usr/bin/env bash
# The main job: set up, validate the annotations, build dataset/ and print its statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/vinerfacts validate
.venv/bin/vinerfacts build
.venv/bin/vinerfacts stats
