#!/usr/bin/env bash
# The main job: set up, validate the annotations, build dataset/, benchmark the bundled systems
# (printing the leaderboard and each stage's time), then rebuild so that the card shows the leaderboard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/vinerfacts validate
.venv/bin/vinerfacts build
.venv/bin/vinerfacts benchmark "$@"
.venv/bin/vinerfacts build
