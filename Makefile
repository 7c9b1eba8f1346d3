# Rollcall: `make run` to try it, `make test` to check it.
# The work is in scripts/; every target is idempotent and quiet when the
# tools are already installed.

# How `make run` starts the server (override: make run RUN_ARGS="...").
RUN_ARGS ?= serve --demo --http 0.0.0.0:8080 --static-dir dist

.PHONY: frontend backend run test e2e size toolchain bench

## frontend: the browser app in dist/ (installs the wasm toolchain first).
frontend:
	scripts/build-frontend.sh

## backend: the `rollcall` binary in target/debug/.
backend:
	cargo build -p rollcall

## run: build both, then serve the app with demo users on port 8080.
run: frontend backend
	target/debug/rollcall $(RUN_ARGS)

## test: formatting and lints (warnings are errors), unit and integration tests, the browser app's size budget, then the browser tests.
test:
	scripts/test-deps.sh
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace
	$(MAKE) size
	$(MAKE) e2e

## size: build the browser app and check its gzipped .wasm against frontend/size-budget.
size: frontend
	scripts/check-wasm-size.sh

## e2e: Playwright in Debian's Chromium against a freshly built server.
e2e: frontend backend
	scripts/e2e.sh

## toolchain: only install the front-end build tools.
toolchain:
	scripts/wasm-toolchain.sh

## bench: what each hot path costs (numbers and ratios, no assertions).
bench:
	cargo bench -p rollcall --bench hot_paths
	cargo bench -p rollcall --bench relay
	cargo bench -p rollcall --bench users
	cargo bench -p rollcall --bench soak
	cargo bench -p rollcall --bench mixing
	cargo bench -p rollcall --bench cluster
	cargo bench -p rollcall --bench any_driver
