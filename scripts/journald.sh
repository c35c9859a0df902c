#!/usr/bin/env bash
# Makes sure journald accepts entries on its socket, so Corral's decisions land
# in the journal: under systemd it is already there (systemd-journald.service);
# elsewhere (build machines whose PID 1 is not systemd) start systemd-journald
# in the background and wait for its socket.
set -euo pipefail

SOCKET=/run/systemd/journal/socket
JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}
DEADLINE=${JOURNALD_DEADLINE:-20}

case "${1:-}" in
-h | --help)
	cat <<TXT
Usage: scripts/journald.sh [--status]

Ensures journald listens on $SOCKET (starting $JOURNALD when no systemd runs).
  --status   exit 0 when it listens, 1 otherwise
TXT
	exit 0
	;;
--status) [ -S "$SOCKET" ] && pgrep -x systemd-journal >/dev/null 2>&1; exit $? ;;
"") ;;
*) echo "journald: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

say() { echo "journald: $*" >&2; }

if [ -S "$SOCKET" ] && pgrep -x systemd-journal >/dev/null 2>&1; then exit 0; fi

if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm 2>/dev/null)" = "systemd" ]; then
	systemctl start systemd-journald.service || { say "systemctl start systemd-journald failed"; exit 1; }
	exit 0
fi

[ -x "$JOURNALD" ] || { say "$JOURNALD is missing (install the systemd package)"; exit 1; }
mkdir -p /run/systemd/journal
rm -f "$SOCKET"
log=/var/log/corral-journald.log
# journald outlives this script: only descriptors 0-2 go with it, so a pipe
# the caller waits on is not held open.
(
	for fd in /proc/"$BASHPID"/fd/*; do
		fd=${fd##*/}
		if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
	done
	exec setsid "$JOURNALD" >>"$log" 2>&1 </dev/null
) &
started=$!
waited=0
until [ -S "$SOCKET" ]; do
	if ! kill -0 "$started" 2>/dev/null; then
		say "systemd-journald exited during start-up; last lines of $log:"
		tail -n 20 "$log" >&2
		exit 1
	fi
	if [ "$waited" -ge "$((DEADLINE * 5))" ]; then
		say "no socket at $SOCKET after ${DEADLINE}s"
		exit 1
	fi
	sleep 0.2
	waited=$((waited + 1))
done
say "systemd-journald listens on $SOCKET"
