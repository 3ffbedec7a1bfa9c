# vitalflow — top-level commands. See README.md.
#
#   make test    everything CI runs: format, lint, unit tests (no services),
#                then the local stack up, integration tests, stack down
#   make demo    the whole stack, simulated patients, results from the warehouse
#   make build   the vitalflow CLI and the JVM artifacts

SHELL := /bin/bash
CARGO ?= cargo
MVN ?= mvn -B -ntp

.PHONY: demo test unit-test rust-test java-test integration-test build cli deps stack-up stack-down stack-status fmt bench

test: deps unit-test integration-test

deps:
	./scripts/install-deps.sh

unit-test: rust-test java-test

rust-test:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

java-test:
	@if [ -n "$$(sed -n '/<modules>/,/<\/modules>/p' pom.xml | grep '<module>')" ]; then $(MVN) install; else echo "no Maven modules yet"; fi

integration-test:
	@if [ -x tests/stack/stack.sh ]; then tests/run-integration.sh; else echo "no stack yet"; fi

build: cli
	$(MVN) -DskipTests package

cli:
	$(CARGO) build --release --bin vitalflow

stack-up:
	tests/stack/stack.sh up
stack-down:
	tests/stack/stack.sh down
stack-status:
	tests/stack/stack.sh status

demo:
	./scripts/demo.sh

fmt:
	$(CARGO) fmt --all

bench:
	$(CARGO) bench -p vitalflow-core
