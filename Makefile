# Corral's two commands are `make run` and `make test`; the rest are steps
# they share. Every step is idempotent and quiet when there is nothing to do.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := /opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$(PATH)

SWIFT ?= swift
SWIFT_FLAGS ?= -Xswiftc -warnings-as-errors
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: help run test check control-test print-unit-filter lint-swift build-deps bench deps test-deps engine journald cron images build release lint kernel-test clean install uninstall systemd-test soak scripts-test box-image

help:
	@echo "make run     install what is missing, start the engine, journald and cron,"
	@echo "             build the images, start the generator, run corral enforce"
	@echo "make test    the same set-up, then every test (unit and against the real daemon)"
	@echo "make check   the unit tier alone: no daemon, no root, no network (a minute after the build)"
	@echo "make bench   benchmarks, each as a ratio against its baseline"
	@echo "make images  build the stress images (skips those already current)"
	@echo "make build   debug build of the Swift package"
	@echo "make lint    swift format lint --strict and shellcheck"
	@echo "make kernel-test  the kernel module on Debian's kernel under qemu"
	@echo "make control-test the control plane with two agents in network namespaces"
	@echo "make install      the release binary, systemd units and timer, config, images,"
	@echo "                  kernel module (DKMS); PREFIX=/usr/local DESTDIR= respected"
	@echo "make uninstall    stop and remove it; keeps logs and graphs unless PURGE=1"
	@echo "make soak         the deployed system under systemd for 10 minutes"

deps:
	@scripts/install-deps.sh base

# What the Swift build needs (libsystemd, libcgroup, a C toolchain), nothing more.
build-deps:
	@scripts/install-deps.sh build

# The kernel module's proof needs Debian's kernel, its headers and qemu.
test-deps:
	@scripts/install-deps.sh base kernel metrics postgres

engine: deps
	@scripts/engine.sh

# journald receives the enforcer's decisions.
journald: deps
	@scripts/journald.sh

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

# The box image the box tests and the bench use: Debian minbase, debootstrap'd
# once (about a minute) and cached by its recipe's hash under /var/lib/corral/images.
box-image: build
	@$(BIN)/corral box image build debian
	@$(BIN)/corral box image build web --preset web

release: deps
	@$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS)

# Swift: the toolchain's swift-format with .swift-format (no force unwraps or
# force tries, lines of at most 140); `swift format -i -r -p Sources Tests
# Package.swift` fixes most of what it finds. Shell: shellcheck.
lint: deps lint-swift
	@shellcheck generator.sh scripts/*.sh scripts/tests/*.sh stress-images/*.sh dashboards/*.sh kernel-module/qemu/*.sh .ci/run

# The main job: the generator every 30 s from cron, and the enforcer in the
# foreground every 10 s until Ctrl-C, with its log collector container beside
# it. Ctrl-C delivers the last logs, draws the graphs (their paths are printed),
# removes the generator's cron lines and then the managed containers the run
# left (scripts/run.sh; KEEP=1 keeps them). ENFORCE_FLAGS adds flags (--dry-run, ...).
# The unit tier (Tests/Unit): the policy, the kill pool, the starter, the
# cycle and delivery against an in-memory runtime and collector, the spool,
# the parsers. Needs no daemon, no root and no network.
UNIT_TESTS := CorralCoreTests|ProbeTests|DockerEngineTests|EnforcerTests|CollectorTests|ControlTests|BoxRuntimeTests
check: build-deps lint-swift
	@$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	@SWIFT=$(SWIFT) scripts/swift-test.sh --skip-build --filter '$(UNIT_FILTER)'

UNIT_FILTER := ^($(UNIT_TESTS))\.
lint-swift:
	@$(SWIFT) format lint --strict --recursive --parallel Sources Tests Package.swift

print-unit-filter:
	@echo '$(UNIT_FILTER)'

run: images cron journald build
	@./generator.sh --install-cron
	@./generator.sh
	@$(BIN)/corral ps
	@echo "make run: corral enforce$(if $(ENFORCE_FLAGS), $(ENFORCE_FLAGS)). Ctrl-C stops it: it draws the graphs, stops the generator, then removes the managed containers (corral.managed=true, not protected)$(if $(filter 1,$(KEEP)),; KEEP=1: they stay,; KEEP=1 make run keeps them)"
	@KEEP=$(KEEP) exec scripts/run.sh $(BIN)/corral enforce $(ENFORCE_FLAGS)

# Before anything, a host that Corral's containers are not already loading
# (the tests measure CPU): leftover managed or test containers stop it, or are
# removed under CI=true or CLEAN=1 (scripts/test-host.sh). The suites run the
# generator with no cap (CORRAL_MAX_MANAGED=0: they run in parallel and count
# only their own containers); the tests' containers are removed after each
# group, so make test leaves none behind.
test: test-deps images cron journald build box-image lint
	@scripts/test-host.sh check
	@# The store suite runs on SQLite and on a PostgreSQL of its own.
	@CORRAL_MAX_MANAGED=0 SWIFT=$(SWIFT) scripts/tests/with-postgres.sh scripts/swift-test.sh $(SWIFT_FLAGS) --skip ReliabilityTests --skip SystemdTests --skip ControlPlaneTests --skip BoxTests || status=$$?; \
		scripts/test-host.sh clean; exit $${status:-0}
	@# Boxes on this machine's kernel, alone: their busy loops, fork bomb and
	@# 100 cycles would load the Docker suites' deadlines, and a CPU quota is measured.
	@SWIFT=$(SWIFT) scripts/swift-test.sh $(SWIFT_FLAGS) --filter BoxTests
	@# The unit tier again, proven to need no daemon, no root and no network.
	@scripts/tests/unit-tier.sh
	@$(MAKE) --no-print-directory control-test
	@# Stops and restarts the shared dockerd, so it runs alone, after the rest.
	@CORRAL_MAX_MANAGED=0 SWIFT=$(SWIFT) scripts/swift-test.sh $(SWIFT_FLAGS) --filter ReliabilityTests || status=$$?; \
		scripts/test-host.sh clean; exit $${status:-0}
	@dashboards/run-tests.sh
	@$(MAKE) --no-print-directory scripts-test
	@$(MAKE) --no-print-directory kernel-test
	@$(MAKE) --no-print-directory systemd-test

# The control plane: `corral control` and two agents, each in a network
# namespace on a bridge the test makes, creating 100+ containers on the shared
# dockerd, and a third agent making web boxes (hence box-image) for a farm run
# through the service: alone, so the enforcer suites' CPU measurements are not disturbed.
control-test: test-deps images build box-image
	@SWIFT=$(SWIFT) scripts/tests/with-postgres.sh scripts/swift-test.sh $(SWIFT_FLAGS) --filter ControlPlaneTests
	@# A stock JSON-RPC client and schemathesis (PyPI) against the admin API.
	@scripts/tests/control-api.sh
	@# The Python SDK, pip-installed into a fresh virtual environment; its load
	@# test drives two replicas on a PostgreSQL of its own.
	@scripts/tests/with-postgres.sh scripts/tests/python-sdk.sh

# The shell side: the generator's cap and crontab edits, the uninstaller's
# refusals, the Kubernetes and Nomad manifests against corral's flags, make
# run's wrapper, the test pre-flight, and the systemd units' lifecycle under a
# real systemd with a stand-in enforcer (about a minute).
scripts-test: images
	@scripts/tests/host-scripts.sh
	@scripts/tests/deploy-manifests.sh
	@scripts/tests/run-wrapper.sh
	@scripts/tests/systemd-units.sh

# The module on Debian's kernel under qemu (cgroup v1 and v2), with the release
# corral binary beside it so its procfs twin is checked against the module.
# KVM opens on these VMs but hangs guests, hence plain emulation.
kernel-test: test-deps release
	@strip -o .build/corral-guest $(RELEASE_BIN)/corral
	@CORRAL_QEMU_ACCEL=$${CORRAL_QEMU_ACCEL:-tcg} CORRAL_BINARY=$(CURDIR)/.build/corral-guest \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider kernel-module/tests

# The deployment under a real systemd (PID 1 in a container): make install
# staged into a debootstrap'd Debian, the timer and the service enabled.
# Alone, because its enforcer and timer run for minutes on the shared daemon.
systemd-test: test-deps images journald release
	@SWIFT=$(SWIFT) scripts/tests/with-postgres.sh scripts/swift-test.sh $(SWIFT_FLAGS) --filter SystemdTests || status=$$?; \
		scripts/test-host.sh clean; exit $${status:-0}

# The deployed system for 10 minutes (CORRAL_SOAK_SECONDS): the enforcer's RSS,
# exactly-once delivery, the mix after every minute. Not part of make test.
soak: test-deps images journald release
	@CORRAL_SOAK_SECONDS=$${CORRAL_SOAK_SECONDS:-600} SWIFT=$(SWIFT) scripts/tests/with-postgres.sh scripts/swift-test.sh $(SWIFT_FLAGS) --filter SystemdTests

bench: images release
	@scripts/install-deps.sh postgres bench
	@$(RELEASE_BIN)/corral box image build debian
	@$(RELEASE_BIN)/corral box image build web --preset web
	@scripts/tests/with-postgres.sh $(RELEASE_BIN)/corral-bench

# Operators' install: see README, "Running in production".
PREFIX ?= /usr/local
install: release
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) BINARY=$(RELEASE_BIN)/corral scripts/install.sh

uninstall:
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) PURGE=$(PURGE) scripts/uninstall.sh

clean:
	@rm -rf .build
