#!/usr/bin/env bash
# Fails when the browser app's .wasm in dist/ (or DIST), gzipped (-9),
# weighs more than the budget in frontend/size-budget. Prints the size and
# the budget either way. Build it first (`make frontend`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIST=${DIST:-$ROOT/dist}

budget_kb=$(sed -n 's/^WASM_GZ_BUDGET_KB=\([0-9][0-9]*\)$/\1/p' "$ROOT/frontend/size-budget")
[ -n "$budget_kb" ] || { echo "size: no WASM_GZ_BUDGET_KB=<number> line in frontend/size-budget" >&2; exit 1; }
wasm=$(ls -S "$DIST"/*.wasm 2>/dev/null | head -n1 || true)
[ -n "$wasm" ] || { echo "size: no .wasm in $DIST (make frontend first)" >&2; exit 1; }

raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
budget=$((budget_kb * 1000))
summary="size: $(basename "$wasm") $raw bytes, $gz bytes gzipped; budget $budget bytes gzipped (WASM_GZ_BUDGET_KB=$budget_kb, frontend/size-budget)"
if [ "$gz" -gt "$budget" ]; then
    echo "$summary: OVER by $((gz - budget)) bytes" >&2
    echo "size: see docs/frontend-size.md for what the .wasm is made of and how to measure it" >&2
    exit 1
fi
echo "$summary: ok, $((budget - gz)) bytes to spare"
