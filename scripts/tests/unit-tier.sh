#!/usr/bin/env bash
# Proves that the unit tier (make check) needs no daemon, no root and no
# network: runs its tests, already built, as nobody with every capability
# dropped, in a network namespace of its own with nothing but loopback, and a
# private, empty /run, so Docker's and journald's sockets are not there.
# Needs root to make the namespaces; the tests themselves run without it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

usage() {
	cat <<'TXT'
Usage: scripts/tests/unit-tier.sh

Runs the unit tier's tests (built by `make check` or `swift build --build-tests`)
as nobody, without capabilities, network or daemon sockets. Run as root.
TXT
}
case "${1:-}" in -h | --help) usage; exit 0 ;; esac

say() { echo "unit-tier: $*"; }
[ "$(id -u)" -eq 0 ] || { say "run as root: it makes a mount and a network namespace" >&2; exit 2; }
binary=$(swift build --show-bin-path)/CorralPackageTests.xctest
[ -x "$binary" ] || { say "no test binary at $binary: build it with 'swift build --build-tests'" >&2; exit 2; }
filter=$(make --no-print-directory -s print-unit-filter)

# nobody must be able to read the repository (fixtures, the corral binary).
user=(--reuid=65534 --regid=65534 --clear-groups)
if ! setpriv "${user[@]}" test -r "$binary"; then
	say "FAILED: nobody cannot read $binary (a parent directory closed to others?); clone somewhere others can read" >&2
	exit 1
fi

# Inside: loopback up (Foundation's Process needs a socket pair), /run empty.
# shellcheck disable=SC2016 # expanded by the inner shell
inner='ip link set lo up && mount -t tmpfs -o mode=0755 tmpfs /run &&
	if [ -e /var/run/docker.sock ] || [ -e /run/systemd/journal/socket ]; then echo "unit-tier: sockets still visible" >&2; exit 1; fi &&
	if [ "$(ip -o link show up | grep -vc "lo:")" -ne 0 ]; then echo "unit-tier: a link besides loopback is up" >&2; exit 1; fi &&
	exec setpriv "$@"'
say "running the unit tier as nobody, no capabilities, no network, no /run (docker.sock, journald) ..."
unshare --mount --net --propagation private -- sh -c "$inner" sh \
	"${user[@]}" --inh-caps=-all --bounding-set=-all \
	env HOME=/tmp TMPDIR=/tmp CORRAL_UNIT_TIER=1 "$binary" --testing-library swift-testing --filter "$filter"
say "ok: the unit tier passed with no daemon, no root and no network"
