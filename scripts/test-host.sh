#!/usr/bin/env bash
# make test's host hygiene. The tests measure CPU and memory, so they need a
# host that Corral's own containers are not already loading.
#
#   scripts/test-host.sh check   before the tests: leftover managed containers
#                                (corral.managed=true, not corral.protected=true)
#                                and leftover test containers (corral.test-run)
#                                are removed under CI=true or CLEAN=1, saying so;
#                                otherwise it names them, says how to remove
#                                them, and exits 1.
#   scripts/test-host.sh clean   after a group of tests: removes the containers
#                                the tests labelled (corral.test-run=...), such
#                                as those a last timer firing adds after the
#                                deployment test has cleaned up.
#
# CORRAL_TEST_HOST_ONLY=KEY=VALUE narrows both to containers that also carry
# that label (this script's own test uses it).
set -euo pipefail

only=()
[ -z "${CORRAL_TEST_HOST_ONLY:-}" ] || only=(--filter "label=$CORRAL_TEST_HOST_ONLY")

say() { echo "test-host: $*" >&2; }

# "<id> <name>" of the containers to consider, one a line.
leftovers() {
	local listed
	listed=$({
		docker ps -a "${only[@]}" --filter label=corral.managed=true --format '{{.ID}} {{.Names}} p={{.Label "corral.protected"}}'
		docker ps -a "${only[@]}" --filter label=corral.test-run --format '{{.ID}} {{.Names}} p=test'
	}) || { say "the Docker daemon does not answer (scripts/engine.sh starts one)"; exit 1; }
	awk 'NF >= 3 && $3 != "p=true" && !seen[$1]++ { print $1, $2 }' <<<"$listed"
}

remove() {
	cut -d' ' -f1 <<<"$1" | xargs -r -n 50 docker rm -f >/dev/null
}

case "${1:-}" in
check)
	found=$(leftovers)
	[ -n "$found" ] || exit 0
	n=$(wc -l <<<"$found")
	names=$(cut -d' ' -f2 <<<"$found" | head -n 20 | tr '\n' ' ' | sed 's/ $//')
	[ "$n" -le 20 ] || names="$names (and $((n - 20)) more)"
	if [ "${CI:-}" = true ] || [ "${CLEAN:-0}" = 1 ]; then
		say "removing $n leftover managed or test container(s) before the tests (${CI:+CI=true}${CLEAN:+ CLEAN=1}): $names"
		remove "$found"
		exit 0
	fi
	say "$n managed or test container(s) are on this host, and the tests measure CPU and memory: $names"
	say "remove them with 'docker rm -f $(cut -d' ' -f1 <<<"$found" | tr '\n' ' ' | sed 's/ $//')', or run 'CLEAN=1 make test', which removes them first (CI=true does too)"
	exit 1
	;;
clean)
	found=$(docker ps -aq "${only[@]}" --filter label=corral.test-run) || { say "the Docker daemon does not answer"; exit 1; }
	[ -n "$found" ] || exit 0
	say "removing $(wc -l <<<"$found") container(s) the tests left (label corral.test-run)"
	xargs -r -n 50 docker rm -f <<<"$found" >/dev/null
	;;
-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
*) say "usage: scripts/test-host.sh check|clean (see --help)"; exit 2 ;;
esac
