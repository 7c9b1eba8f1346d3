#!/usr/bin/env bash
# Runs the Playwright tests in e2e/ against target/debug/rollcall and dist/
# (build them first: `make e2e` does). Playwright starts the server itself
# (e2e/playwright.config.ts, webServer) and drives Debian's Chromium; no
# browser is downloaded.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT/e2e"

if [ ! -x /usr/bin/chromium ]; then
    echo "e2e: apt-get install chromium" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# tinyproxy: the corporate HTTP proxy of proxy.spec.ts (started by the test).
if ! command -v tinyproxy >/dev/null; then
    echo "e2e: apt-get install tinyproxy" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tinyproxy >/dev/null
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -e node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

[ -x ../target/debug/rollcall ] || { echo "e2e: build the backend first (make backend)" >&2; exit 1; }
[ -e ../dist/index.html ] || { echo "e2e: build the front end first (make frontend)" >&2; exit 1; }

exec npx --no-install playwright test "$@"
