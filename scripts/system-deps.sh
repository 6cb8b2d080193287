#!/usr/bin/env bash
# Install the Debian packages vendorscore needs beyond Python: Chromium (browser tests and
# kaleido's static charts), Pango (WeasyPrint's PDFs), poppler-utils (pdftoppm for looking
# at PDFs) and fonts. Does nothing when they are present; needs root (or sudo) otherwise.
set -euo pipefail

packages=(chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "system-deps: not root; install these for browser and PDF tests: ${missing[*]}" >&2
    exit 0
  fi
fi
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
