#!/usr/bin/env bash
# Rebuild static/vendor/plotly-vendorscore.min.js: plotly.js's core (scatter) plus the trace
# types registered in index.js, minified. Needs node and npm; run it after adding a trace type
# to reports/charts.py (tests/reports/test_plotly_bundle.py fails until you do) or when
# upgrading plotly.js to the version the Python plotly package expects.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/index.js" "$work/"
cd "$work"
npm install --no-audit --no-fund --silent
traces="$(grep -o "lib/[a-z]*'" index.js | sed "s/lib\///; s/'//" | grep -v core | paste -sd, -)"
version="$(node -p "require('plotly.js/package.json').version")"
./node_modules/.bin/esbuild index.js --bundle --minify --format=iife --global-name=Plotly --target=es2016 \
  --define:global=window --define:define.amd=false --log-level=warning \
  --banner:js="/* plotly.js v$version (MIT, Plotly, Inc.): core with scatter, and $traces. Built by scripts/plotly/build.sh. */" \
  --outfile="$here/../../static/vendor/plotly-vendorscore.min.js"
rm -f "$here/../../static/vendor/plotly-vendorscore.min.css"  # map styles; no map is drawn
echo "static/vendor/plotly-vendorscore.min.js: plotly.js $version with scatter,$traces"
