#!/usr/bin/env bash
# Renders sample HTML reports (real, shrunk failures of demo/lock and
# launcher/multi-tab) in a real headless Chromium, offline, and checks that each
# screenshot shows a rendered page with its SVG diagrams (the window is tall enough
# for the summary tables, fault points and goals above the first diagram).
#
# usage: scripts/check-html-report.sh [OUT_DIR]   (default target/html-report-check)
# The screenshots stay in OUT_DIR/*.png for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/html-report-check}"

if [ ! -x /usr/bin/chromium ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "check-html-report: SKIPPED: /usr/bin/chromium is missing and apt-get is unavailable to install it"
    exit 0
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  echo "check-html-report: installing Debian's chromium"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

rm -rf "$out"
mkdir -p "$out"
# The test profile: `cargo test` has built everything it needs already.
cargo run --locked --quiet -p reports --profile test --example sample_report -- "$out" >/dev/null

for page in demo-lock launcher-multi-tab; do
  html="$(realpath "$out/$page/report.html")"
  png="$out/$page.png"
  profile="$(mktemp -d)"
  if ! timeout 180 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --virtual-time-budget=5000 --screenshot="$png" --window-size=1400,3600 \
    "file://$html" >"$out/$page.chromium.log" 2>&1; then
    cat "$out/$page.chromium.log"
    echo "check-html-report: chromium failed on $html"
    exit 1
  fi
  rm -rf "$profile"
  if [ ! -s "$png" ] || [ "$(stat -c %s "$png")" -lt 20000 ]; then
    echo "check-html-report: $png is missing or too small to be a rendered page"
    exit 1
  fi
  python3 scripts/check_screenshot.py "$png"
done
echo "check-html-report: ok, screenshots in $out/"
