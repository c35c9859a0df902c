#!/usr/bin/env bash
# `make run`'s foreground: runs `corral enforce` until Ctrl-C (SIGINT) or
# SIGTERM, hands that one signal to it and waits for its graceful stop (the
# last logs delivered, the graphs drawn), then turns the generator's cron
# lines off and removes the managed containers the run left: every container
# labelled corral.managed=true and not corral.protected=true (the collector
# and protected ones stay). KEEP=1 keeps them.
set -euo pipefail

usage() {
	cat <<TXT
Usage: scripts/run.sh CORRAL [ARGS...]     e.g. scripts/run.sh .build/debug/corral enforce

Runs CORRAL ARGS in the foreground. Ctrl-C or SIGTERM is passed on to it once;
when it has finished its graceful stop, the generator's crontab lines are
removed and every managed container (corral.managed=true, not
corral.protected=true) is removed, so nothing keeps burning the host.
Exits with CORRAL's status.

Environment:
  KEEP=1                  keep the managed containers
  CORRAL_RUN_ONLY=KEY=VAL remove only managed containers that also carry this
                          label (the script's own test uses it)
TXT
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# `make run | tee log`: Ctrl-C ends tee too, and a write to its pipe must not
# end this script before the enforcer has stopped and the containers are gone.
trap '' PIPE
say() { echo "make run: $*" >&2 || true; }

# The enforcer in a process group of its own (job control on), so a Ctrl-C
# at the terminal reaches it once, from here, not twice.
set -m
"$@" &
child=$!
set +m
# shellcheck disable=SC2317 # called by the traps below
forward() {
	say "$1: passing it on to the enforcer and waiting for its graceful stop (logs, graphs)"
	kill -s "$1" "$child" 2>/dev/null || true
}
trap 'forward INT' INT
trap 'forward TERM' TERM

status=0
while :; do
	wait "$child" && status=0 || status=$?
	# wait returns early (status > 128) when a trapped signal arrives; the
	# child is done only once it no longer exists.
	kill -0 "$child" 2>/dev/null || break
done
trap - INT TERM

# No new batch after this: the cron lines go (the enforcer removes them too
# with generator = "auto"; this covers a crash), and a run in progress is
# waited for (the generator holds a lock on itself while it counts and starts).
"$here/generator.sh" --remove-cron >/dev/null 2>&1 || say "warning: could not remove the generator's crontab lines: run '$here/generator.sh --remove-cron'"
flock -w 60 "$here/generator.sh" true 2>/dev/null || true

filters=(--filter label=corral.managed=true)
[ -z "${CORRAL_RUN_ONLY:-}" ] || filters+=(--filter "label=$CORRAL_RUN_ONLY")
if ! listed=$(docker ps -a "${filters[@]}" --format '{{.ID}} {{.Names}} protected={{.Label "corral.protected"}}' 2>/dev/null); then
	say "the Docker daemon does not answer: managed containers (if any) are left as they are"
	exit "$status"
fi
ids=()
names=()
while read -r id name protected; do
	if [ -z "$id" ] || [ "$protected" = protected=true ]; then continue; fi
	ids+=("$id")
	names+=("$name")
done <<<"$listed"

if [ "${#ids[@]}" -eq 0 ]; then
	say "no managed containers left"
elif [ "${KEEP:-0}" = 1 ]; then
	say "KEEP=1: kept ${#ids[@]} managed container(s); remove them with: docker rm -f \$(docker ps -aq --filter label=corral.managed=true)"
else
	say "removing the ${#ids[@]} managed container(s) the run left (KEEP=1 keeps them): ${names[*]}"
	printf '%s\n' "${ids[@]}" | xargs -r -n 50 docker rm -f >/dev/null 2>&1 || say "warning: some could not be removed: docker ps -a --filter label=corral.managed=true"
fi
exit "$status"
