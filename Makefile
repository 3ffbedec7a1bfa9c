# vitalflow — top-level commands. See README.md.
#
#   make check   the fast inner loop: Rust and Java format checks, clippy, unit tests of both
#                (no dependency install, no stack)
#   make test    everything CI runs (.ci/run): dependencies, `make check`, then the local stack
#                up, integration tests, stack down
#   make demo    installs what is missing (scripts/install-deps.sh), then the demo
#   make build   the vitalflow CLI and the JVM artifacts
#   make fmt     applies rustfmt and google-java-format (spotless)

SHELL := /bin/bash
CARGO ?= cargo
MVN ?= mvn -B -ntp

.PHONY: pipeline-up pipeline-down pipeline-status pipeline-upgrade demo check test unit-test rules-test units-test rust-test java-fmt-check java-test integration-test build cli deps stack-up stack-down stack-status stack-topics fmt bench

test: deps check integration-test

# the inner loop: no dependency install, no stack
check: rust-test rules-test units-test java-fmt-check java-test

deps:
	./scripts/install-deps.sh

unit-test: rust-test rules-test units-test java-test

# the shipped Prometheus alert rules: valid, and each fires on its condition (promtool unit tests)
rules-test:
	promtool check rules ops/prometheus/vitalflow-alerts.yml
	cd ops/prometheus && promtool test rules vitalflow-alerts.test.yml

# the shipped systemd units (ops/systemd): systemd's own verifier, restart on failure, no start limit
units-test:
	ops/systemd/verify.sh

rust-test:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

# Java format: spotless with google-java-format (versions in the root pom.xml)
java-fmt-check:
	$(MVN) spotless:check

# unit tests only (surefire); the *IT classes run in integration-test. `verify`, never `install`:
# the reactor resolves sibling modules itself.
java-test:
	$(MVN) verify

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

# the whole pipeline on the stack: connectors deployed, Flink job running (scripts/pipeline.sh)
pipeline-up:
	scripts/pipeline.sh up
pipeline-down:
	scripts/pipeline.sh down
pipeline-status:
	scripts/pipeline.sh status
# a new job jar (or configuration) with every patient's state: stop with a savepoint, resume from it
pipeline-upgrade:
	scripts/pipeline.sh upgrade
stack-topics:
	tests/stack/stack.sh topics

# a fresh clone needs the -dev packages (curl/curl.h for rdkafka, ...) before the first build
demo: deps
	./scripts/demo.sh

fmt:
	$(CARGO) fmt --all
	$(MVN) spotless:apply

bench:
	$(CARGO) bench -p vitalflow-core --bench pipeline
	$(CARGO) bench -p vitalflow-scoring --bench extract_score
