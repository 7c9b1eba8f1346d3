#!/usr/bin/env bash
# Builds the browser app into dist/ with trunk (release, `wasm-release`
# cargo profile and wasm-opt -Oz, both chosen in frontend/index.html),
# after making sure the toolchain is there (scripts/wasm-toolchain.sh).
# Prints one line with the .wasm size, raw and gzipped.
# DIST=dir builds elsewhere than dist/; further arguments go to trunk.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

scripts/wasm-toolchain.sh
# shellcheck source=/dev/null
source .tools/wasm-env.sh

start=$(date +%s)
# trunk prints every step at info level; keep warnings and errors.
DIST=${DIST:-dist}
RUST_LOG=${RUST_LOG:-warn} trunk build --release --config Trunk.toml --dist "$DIST" "$@"

# A gzip -9 copy beside each file the page loads: the server sends it to
# browsers that accept gzip (the .wasm is then about two fifths the size).
for file in "$DIST"/*.wasm "$DIST"/*.js "$DIST"/*.css "$DIST"/index.html; do
    [ -f "$file" ] && gzip -9 -k -f -n "$file"
done

wasm=$(ls -S "$DIST"/*.wasm | head -n1)
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "frontend: $(basename "$wasm") $((raw / 1024)) KiB ($((gz / 1024)) KiB gzipped), route $WASM_ROUTE, $(($(date +%s) - start)) s"
