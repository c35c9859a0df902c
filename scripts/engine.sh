#!/usr/bin/env bash
# Makes sure a Docker daemon answers on the engine socket, starting one the
# right way for this host: reuse a daemon that already answers; under systemd
# start docker.service; elsewhere (build machines whose PID 1 is not systemd)
# start Debian's dockerd in the background. Never starts a second daemon.
set -euo pipefail

SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
LOG=${DOCKERD_LOG:-/var/log/corral-dockerd.log}
DEADLINE=${ENGINE_DEADLINE:-60}

usage() {
	cat <<TXT
Usage: scripts/engine.sh [--status] [--stop]

Ensures a Docker daemon answers GET /_ping on $SOCKET.
  (no option)  reuse a running daemon, or start docker.service (systemd hosts),
               or start dockerd in the background (hosts without systemd),
               then wait up to ${DEADLINE}s for it to answer
  --status     exit 0 when a daemon answers, 1 when none does
  --stop       stop the daemon this script started (hosts without systemd)
Environment: DOCKER_SOCKET, DOCKERD_LOG (default $LOG), ENGINE_DEADLINE (seconds).
TXT
}

say() { echo "engine: $*" >&2; }

pings() {
	[ -S "$SOCKET" ] && [ "$(curl -s --max-time 2 --unix-socket "$SOCKET" http://localhost/_ping 2>/dev/null)" = "OK" ]
}

under_systemd() {
	[ -d /run/systemd/system ] && [ "$(cat /proc/1/comm 2>/dev/null)" = "systemd" ]
}

# A dockerd process that exists but does not answer yet (starting up, or
# wedged): waiting on it beats starting another one on the same data root.
dockerd_running() { pgrep -x dockerd >/dev/null 2>&1; }

wait_for_ping() {
	local waited=0
	while ! pings; do
		if [ "$waited" -ge "$((DEADLINE * 5))" ]; then
			return 1
		fi
		sleep 0.2
		waited=$((waited + 1))
	done
}

fail_with_log() {
	say "the Docker daemon did not answer on $SOCKET within ${DEADLINE}s: $1"
	if [ -f "$LOG" ]; then
		say "last lines of $LOG:"
		tail -n 25 "$LOG" >&2
	fi
	exit 1
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
--status) pings; exit $? ;;
--stop)
	if under_systemd; then say "under systemd: use 'systemctl stop docker'"; exit 1; fi
	pkill -x dockerd || true
	exit 0
	;;
"") ;;
*) say "unknown option '$1' (see --help)"; exit 2 ;;
esac

if pings; then exit 0; fi

if under_systemd; then
	say "starting docker.service"
	systemctl start docker.service || fail_with_log "systemctl start docker.service failed (see journalctl -u docker)"
	wait_for_ping || fail_with_log "docker.service started but the socket does not answer"
	exit 0
fi

if dockerd_running; then
	say "a dockerd is already running but not answering yet; waiting for it"
	wait_for_ping || fail_with_log "the running dockerd never answered; not starting a second one"
	exit 0
fi

command -v dockerd >/dev/null 2>&1 || fail_with_log "dockerd is not installed (run scripts/install-deps.sh)"

# These VMs have no bridge module or iptables to spare: workloads run with
# --network none, and anything the host must reach uses --network host.
say "starting dockerd (log: $LOG)"
mkdir -p "$(dirname "$LOG")"
# The daemon outlives this script: it must not keep its caller's descriptors
# (a pipe a caller waits on would never close), so only 0-2 go with it.
(
	for fd in /proc/"$BASHPID"/fd/*; do
		fd=${fd##*/}
		if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
	done
	exec setsid dockerd --iptables=false --bridge=none --host "unix://$SOCKET" >>"$LOG" 2>&1 </dev/null
) &
started=$!

waited=0
while ! pings; do
	if ! kill -0 "$started" 2>/dev/null; then
		fail_with_log "dockerd exited during start-up"
	fi
	if [ "$waited" -ge "$((DEADLINE * 5))" ]; then
		fail_with_log "still not answering"
	fi
	sleep 0.2
	waited=$((waited + 1))
done
say "dockerd answers on $SOCKET"
