#!/usr/bin/env bash
# Headless Chromium for the browser tests and the demo: Debian's package when apt is
# available (Playwright's own download cannot reach its CDN on locked-down machines),
# otherwise Playwright's managed browser (macOS, other Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-uv}"

for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then
    exit 0
  fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's chromium ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "installing Playwright's Chromium ..." >&2
"$UV" run --frozen playwright install chromium
