#!/usr/bin/env bash
# Install the headless browser used by tests/test_html_report.py: Debian's `chromium`, plus
# `fonts-noto-core` so Vietnamese diacritics render in screenshots.
#
#   bash scripts/install_browser.sh
#
# - chromium already on PATH: does nothing, exits 0;
# - otherwise, as root: apt-get update, then apt-get install of the missing packages;
# - otherwise (not root, no apt-get, or a failed install): a message and a non-zero exit.
set -uo pipefail

PACKAGES=(chromium fonts-noto-core)

find_chromium() {
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

if found=$(find_chromium); then
  echo "install_browser: chromium already installed ($found); nothing to do"
  exit 0
fi

fail() {
  echo "install_browser: ERROR: $*" >&2
  echo "install_browser: the browser test of tests/test_html_report.py needs chromium; install it by hand" \
       "(as root: apt-get update && apt-get install -y ${PACKAGES[*]})" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  fail "chromium is missing and this user is not root, so it cannot be installed with apt-get"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  fail "chromium is missing and there is no apt-get on this machine (the script supports Debian/Ubuntu)"
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  # Packages registered as installed but no binary on PATH: reinstall chromium.
  missing=(chromium)
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t install_browser.XXXXXX.log) || fail "cannot create a temporary log file"
echo "install_browser: apt-get update"
if ! apt-get update -q >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "apt-get update failed (log: $log)"
fi
echo "install_browser: apt-get install -y --no-install-recommends ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "apt-get install ${missing[*]} failed (log: $log)"
fi

if ! found=$(find_chromium); then
  fail "apt-get installed ${missing[*]} but no chromium binary is on PATH"
fi
rm -f "$log"
echo "install_browser: installed ${missing[*]}; chromium is $found ($("$found" --version 2>/dev/null || echo 'version unknown'))"
