#!/usr/bin/env bash
# Runs the collector's pytest suite inside corral/collector (building the base
# and the image first when they are missing or stale), so the tests exercise
# the very library versions the service runs with. --host runs it with a
# Python on this machine instead. A run that collects no tests fails.
#
# With CI=true a missing tool or daemon is a failure; otherwise it is reported
# as SKIPPED and the script exits 0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
ci=false
case "${CI:-}" in true | 1 | yes) ci=true ;; esac

usage() {
	cat <<'TXT'
Usage: dashboards/run-tests.sh [--host] [-- PYTEST-ARGS...]

Runs dashboards/tests with pytest.
  (default)  in the corral/collector image, built first by build-image.sh when
             missing or stale: docker run --rm --network none with the
             dashboards folder mounted read-only at /src
  --host     with a Python on this machine that imports fastapi, uvicorn,
             matplotlib, httpx and pytest ($PYTHON, python3, /usr/bin/python3)
  -h, --help this text
Arguments after -- go to pytest (for example -- -k store -x).

CI=true turns every "cannot run here" into a failure instead of a skip.
TXT
}

say() { echo "run-tests: $*" >&2; }
die() {
	say "$*"
	exit 1
}
# A prerequisite is missing: fatal in CI, a visible skip elsewhere.
unavailable() {
	if $ci; then
		die "FAILED: $* (CI=true: a missing prerequisite is a failure)"
	fi
	say "SKIPPED: $*"
	exit 0
}

mode=image
pytest_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--host) mode=host ;;
	--) shift; pytest_args=("$@"); break ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

# pytest exits 5 when it collected nothing: never let that pass. Nor a run in
# which nothing passed (all skipped or deselected): the counts come from the
# JUnit XML report, whatever verbosity was asked for.
judge() {
	local rc=$1 xml=$2 counts tests failures errors skipped passed
	if [ "$rc" -eq 5 ]; then
		die "FAILED: pytest collected no tests (exit 5); is dashboards/tests there?"
	fi
	[ "$rc" -eq 0 ] || die "FAILED: pytest exited $rc"
	[ -s "$xml" ] || die "FAILED: pytest wrote no report to $xml"
	counts=$(grep -o '<testsuite [^>]*>' "$xml" | head -n 1)
	attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counts"; }
	tests=$(attr tests) failures=$(attr failures) errors=$(attr errors) skipped=$(attr skipped)
	[ -n "$tests" ] || die "FAILED: no test counts in $xml"
	passed=$((tests - ${failures:-0} - ${errors:-0} - ${skipped:-0}))
	[ "$passed" -gt 0 ] || die "FAILED: no test passed ($tests collected, ${skipped:-0} skipped)"
	say "ok: $passed passed, ${skipped:-0} skipped, of $tests"
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [ "$mode" = host ]; then
	python=""
	for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
		if command -v "$candidate" >/dev/null 2>&1 &&
			"$candidate" -c 'import fastapi, uvicorn, matplotlib, httpx, pytest' >/dev/null 2>&1; then
			python=$candidate
			break
		fi
	done
	[ -n "$python" ] || unavailable "no Python here imports fastapi, uvicorn, matplotlib, httpx and pytest (apt-get install -y python3-fastapi python3-uvicorn python3-matplotlib python3-httpx python3-pytest)"
	say "running the suite with $python ($("$python" --version 2>&1))"
	set +e
	(cd "$here" && PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg "$python" -m pytest -q -p no:cacheprovider \
		--junitxml="$out/junit.xml" tests "${pytest_args[@]}")
	rc=$?
	set -e
	judge "$rc" "$out/junit.xml"
	exit 0
fi

command -v docker >/dev/null 2>&1 || unavailable "the docker CLI is not installed (apt-get install -y docker.io)"
if [ "$(curl -s --max-time 3 --unix-socket "$SOCKET" http://localhost/_ping 2>/dev/null || true)" != "OK" ]; then
	unavailable "no Docker daemon answers on $SOCKET (scripts/engine.sh starts one)"
fi

image=$("$here/build-image.sh") || die "FAILED: could not build the collector image (see above)"
say "running the suite in $image"
set +e
docker run --rm --network none \
	--volume "$here:/src:ro" --volume "$out:/out" --workdir /src \
	--env PYTHONDONTWRITEBYTECODE=1 --env MPLCONFIGDIR=/tmp/matplotlib --env HOME=/tmp \
	"$image" python3 -m pytest -q -p no:cacheprovider --junitxml=/out/junit.xml tests "${pytest_args[@]}"
rc=$?
set -e
judge "$rc" "$out/junit.xml"
