# Corral's two commands are `make run` and `make test`; the rest are steps
# they share. Every step is idempotent and quiet when there is nothing to do.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := /opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$(PATH)

SWIFT ?= swift
SWIFT_FLAGS ?= -Xswiftc -warnings-as-errors
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: help run test bench deps engine cron images build release lint unit-test clean

help:
	@echo "make run     install what is missing, start the engine, build the images,"
	@echo "             start the generator, and show Corral's view of the host"
	@echo "make test    the same set-up, then every test (unit and against the real daemon)"
	@echo "make bench   benchmarks, each as a ratio against its baseline"
	@echo "make images  build the stress images (skips those already current)"
	@echo "make build   debug build of the Swift package"
	@echo "make lint    shellcheck the scripts"

deps:
	@scripts/install-deps.sh base

engine: deps
	@scripts/engine.sh

# cron has no service manager to start it on hosts without systemd.
cron: deps
	@scripts/cron.sh

# The stress images take seconds; the collector's Debian base about two
# minutes the first time, then nothing while its inputs are unchanged.
images: engine
	@stress-images/build.sh
	@dashboards/build-image.sh

build: deps
	@$(SWIFT) build $(SWIFT_FLAGS)

release: deps
	@$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS)

lint: deps
	@shellcheck generator.sh scripts/*.sh stress-images/*.sh dashboards/*.sh .ci/run

run: images cron build
	@./generator.sh --install-cron
	@./generator.sh
	@$(BIN)/corral ps

test: images cron build lint
	@$(SWIFT) test $(SWIFT_FLAGS)
	@dashboards/run-tests.sh

bench: images release
	@$(RELEASE_BIN)/corral-bench

clean:
	@rm -rf .build
