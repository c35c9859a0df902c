#!/usr/bin/env bash
# make test's host hygiene. The tests measure CPU and memory, so they need a
# host that Corral's own containers are not already loading.
#
#   scripts/test-host.sh check   before the tests: leftover managed containers
#                                (corral.managed=true, not corral.protected=true)
#                                and leftover test containers (corral.test-run)
#                                are removed under CI=true or CLEAN=1, saying so;
#                                otherwise it names them, says how to remove
#                                them, and exits 1. The same for a generator
#                                that is still on (its crontab lines, left by a
#                                `make run` that was killed rather than
#                                stopped): it would add containers every 30 s
#                                while the tests measure; CI=true or CLEAN=1
#                                removes its lines. And for a `corral enforce`
#                                already running (one from `make run`): it
#                                would kill the tests' managed containers;
#                                CI=true or CLEAN=1 stops it with SIGTERM.
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

# The generator's own crontab lines (as generator.sh writes them), counted.
generator_lines() {
	command -v crontab >/dev/null || { echo 0; return; }
	{ crontab -l 2>/dev/null || true; } | grep -c '^\* \* \* \* \* .* # corral-generator$' || true
}

# The pids of `corral enforce` processes on this host.
enforcers() { pgrep -f '(^|/)corral enforce( |$)' || true; }

case "${1:-}" in
check)
	pids=$(enforcers | tr '\n' ' ' | sed 's/ $//')
	if [ -n "$pids" ]; then
		if [ "${CI:-}" = true ] || [ "${CLEAN:-0}" = 1 ]; then
			say "corral enforce is running (pid $pids): stopping it with SIGTERM before the tests"
			# shellcheck disable=SC2086 # one pid a word
			kill -TERM $pids 2>/dev/null || true
			for _ in $(seq 1 120); do
				[ -n "$(enforcers)" ] || break
				sleep 0.5
			done
			[ -z "$(enforcers)" ] || { say "corral enforce (pid $pids) did not stop within 60 s"; exit 1; }
		else
			say "corral enforce is running (pid $pids): it would kill the tests' managed containers"
			say "stop it (Ctrl-C where 'make run' runs, or 'kill $pids'), or run 'CLEAN=1 make test', which does it first (CI=true does too)"
			exit 1
		fi
	fi
	cron=$(generator_lines)
	if [ "$cron" -gt 0 ]; then
		if [ "${CI:-}" = true ] || [ "${CLEAN:-0}" = 1 ]; then
			say "the generator is still on ($cron crontab line(s) tagged '# corral-generator'): removing them before the tests"
			"$(dirname "$0")/../generator.sh" --remove-cron >/dev/null
		else
			say "the generator is still on ($cron crontab line(s) tagged '# corral-generator'): it would start containers while the tests measure"
			say "turn it off with './generator.sh --remove-cron', or run 'CLEAN=1 make test', which does it first (CI=true does too)"
			exit 1
		fi
	fi
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
-h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' ;;
*) say "usage: scripts/test-host.sh check|clean (see --help)"; exit 2 ;;
esac
