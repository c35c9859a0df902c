#!/usr/bin/env bash
# The units' lifecycle under a real systemd (PID 1 in a container, as the
# deployment test boots it), with a stand-in enforcer so no Swift build is
# needed: the real units from scripts/install.sh, the real generator.sh
# driving the host's engine (one container per firing, labelled with this
# run), and systemd deciding what runs. Checks:
#   - systemd-analyze verify on the seven units;
#   - `systemctl restart docker` and `systemctl restart corral-enforcer` leave
#     both the enforcer and the generator timer active;
#   - stopping the enforcer stops the timer, and the generator service will
#     not start without it; starting the enforcer brings the timer back;
#   - a killed enforcer restarts (Restart=on-failure) and the timer with it;
#   - an enforcer that keeps failing ends "failed" and takes the timer down;
#   - the generator at its cap exits 75 and the service does not fail;
#   - corral-boxes.service runs `corral box restore` once and stays active,
#     and stopping it leaves what restore started running (KillMode=process).
# Removes its container, image and the containers it generated at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

run=units-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
label=corral.test-run=$run
name=corral-units-$run
image=corral/units-test:$run
work=$(mktemp -d /tmp/corral-units.XXXXXX)
failures=0

say() { echo "systemd-units: $*"; }
pass() { say "ok: $*"; }
fail() {
	say "FAILED: $*"
	failures=$((failures + 1))
}
cleanup() {
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
	docker rmi -f "$image" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

in_sd() { docker exec "$name" "$@"; }
state() { in_sd systemctl is-active "$1" 2>/dev/null || true; }
# Waits up to $3 s for unit $1 to be in state $2.
wait_state() {
	for _ in $(seq 1 $((${3:-20} * 5))); do
		[ "$(state "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
# check MESSAGE COMMAND...: passes or fails by the command's status.
check() {
	local message=$1
	shift
	if "$@"; then pass "$message"; else fail "$message"; fi
}
expect_state() {
	if wait_state "$1" "$2" "${4:-20}"; then pass "$3: $1 $2"; else fail "$3: $1 is $(state "$1"), expected $2"; fi
}

base=$(scripts/debian-base.sh --repo corral/systemd-host --packages systemd,systemd-sysv,libcgroup2,procps --cmd /lib/systemd/systemd)

# The stand-in enforcer: READY=1, then idle until SIGTERM. systemd-notify is a
# child of the main process, hence the test's NotifyAccess=all drop-in.
mkdir -p "$work/bin"
# As `corral box restore` it leaves a process behind in the unit's cgroup, as
# a box's init stays in it on a cgroup v1 host.
cat >"$work/bin/corral" <<'SH'
#!/bin/bash
if [ "$*" = "box restore" ]; then
	setsid sleep 600 </dev/null >/dev/null 2>&1 &
	echo $! >/run/stand-in-box.pid
	echo "stand-in: box restore"
	exit 0
fi
if [ -e /etc/corral/fail ]; then echo "stand-in enforcer: failing at start"; exit 1; fi
trap 'echo "stand-in enforcer: graceful stop"; exit 0' TERM INT
systemd-notify --ready --status="stand-in enforcer"
while :; do sleep 1 & wait $! || true; done
SH
chmod +x "$work/bin/corral"
printf '#!/bin/sh\nexit 1\n' >"$work/bin/corral-box-helper"
chmod +x "$work/bin/corral-box-helper"

stage=$work/stage
DESTDIR=$stage BINARY=$work/bin/corral PREFIX=/usr/local scripts/install.sh >/dev/null
mkdir -p "$stage/usr/bin" "$stage/etc/systemd/system/corral-enforcer.service.d" "$stage/etc/systemd/system/corral-generator.service.d"
cp "$(command -v docker)" "$stage/usr/bin/docker"
cat >"$stage/etc/systemd/system/docker.service" <<'UNIT'
[Unit]
Description=Docker (the host's engine, through its bind-mounted socket)
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for i in $(seq 1 100); do [ -S /run/docker.sock ] && exit 0; sleep 0.1; done; echo no docker socket; exit 1'
UNIT
printf '[Service]\nNotifyAccess=all\n' >"$stage/etc/systemd/system/corral-enforcer.service.d/test.conf"
printf '[Service]\nExecStart=\nExecStart=/usr/local/lib/corral/generator.sh --count 1 --label %s\n' "$label" \
	>"$stage/etc/systemd/system/corral-generator.service.d/test.conf"
printf 'FROM %s\nCOPY stage/ /\n' "$base" >"$work/Dockerfile"
docker build -q -t "$image" "$work" >/dev/null

docker run -d --name "$name" --label "$label" \
	--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined \
	--cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
	--network none -v /var/run/docker.sock:/run/docker.sock "$image" >/dev/null
for _ in $(seq 1 450); do
	s=$(in_sd systemctl is-system-running 2>/dev/null || true)
	case "$s" in running | degraded) break ;; esac
	sleep 0.2
done

units=(/etc/systemd/system/corral-enforcer.service /etc/systemd/system/corral-generator.service /etc/systemd/system/corral-generator.timer
	/etc/systemd/system/corral-control.service /etc/systemd/system/corral-control-replica.service
	/etc/systemd/system/corral-agent.service /etc/systemd/system/corral-boxes.service)
if out=$(in_sd systemd-analyze verify "${units[@]}" 2>&1); then pass "systemd-analyze verify"; else fail "systemd-analyze verify: $out"; fi

in_sd systemctl enable --now corral-generator.timer corral-enforcer.service >/dev/null 2>&1
expect_state corral-enforcer.service active "enable --now"
expect_state corral-generator.timer active "enable --now"
if in_sd test -L /etc/systemd/system/corral-enforcer.service.wants/corral-generator.timer; then
	pass "enabling the timer links it into corral-enforcer.service.wants/"
else
	fail "no corral-enforcer.service.wants/corral-generator.timer link"
fi
generated() { docker ps -aq --filter "label=$label" --filter label=corral.managed=true | wc -l; }
for _ in $(seq 1 100); do [ "$(generated)" -ge 1 ] && break; sleep 0.2; done
if [ "$(generated)" -ge 1 ]; then pass "the timer's first firing generated a container"; else fail "no container generated: $(in_sd journalctl -u corral-generator --no-pager | tail -5)"; fi

pid() { in_sd systemctl show -p MainPID --value corral-enforcer.service; }
before=$(pid)
in_sd systemctl restart docker.service
sleep 1
expect_state corral-enforcer.service active "systemctl restart docker"
expect_state corral-generator.timer active "systemctl restart docker"
if [ "$(pid)" = "$before" ]; then pass "restarting docker leaves the enforcer's process as it was"; else fail "restarting docker restarted the enforcer"; fi

in_sd systemctl restart corral-enforcer.service
expect_state corral-enforcer.service active "systemctl restart corral-enforcer"
expect_state corral-generator.timer active "systemctl restart corral-enforcer"

in_sd systemctl stop corral-enforcer.service
expect_state corral-generator.timer inactive "systemctl stop corral-enforcer"
count=$(generated)
if in_sd systemctl start corral-generator.service >/dev/null 2>&1; then
	fail "corral-generator.service started without the enforcer"
else
	pass "corral-generator.service refuses to start while the enforcer is stopped"
fi
check "and it generated nothing" [ "$(generated)" = "$count" ]

in_sd systemctl start corral-enforcer.service
expect_state corral-enforcer.service active "systemctl start corral-enforcer"
expect_state corral-generator.timer active "systemctl start corral-enforcer brings the timer back"

before=$(pid)
in_sd systemctl kill -s KILL corral-enforcer.service
for _ in $(seq 1 100); do [ "$(pid)" != "$before" ] && [ "$(pid)" != 0 ] && break; sleep 0.2; done
check "SIGKILL, then Restart=on-failure: a new enforcer process" [ "$(pid)" != "$before" ]
expect_state corral-enforcer.service active "SIGKILL, then Restart=on-failure" 20
expect_state corral-generator.timer active "SIGKILL, then Restart=on-failure" 20

if in_sd journalctl -u corral-generator.service --no-pager -o cat | grep -qi warning; then
	fail "the generator warned under its unit's sandbox: $(in_sd journalctl -u corral-generator.service --no-pager -o cat | grep -i warning | head -3)"
else
	pass "the generator runs under its unit's sandbox without warnings"
fi

# At the cap: a run with CORRAL_MAX_MANAGED=1 while this run's containers
# exist exits 75 and the service succeeds. The timer is paused meanwhile, so
# its own firing cannot be the run that is checked.
in_sd systemctl stop corral-generator.timer
wait_state corral-generator.service inactive 30 || true
in_sd sh -c 'mkdir -p /run/systemd/system/corral-generator.service.d && printf "[Service]\nEnvironment=CORRAL_MAX_MANAGED=1\n" >/run/systemd/system/corral-generator.service.d/cap.conf && systemctl daemon-reload'
count=$(generated)
if in_sd systemctl start corral-generator.service; then pass "a run at the cap is not a failure"; else fail "a run at the cap failed the service"; fi
result=$(in_sd systemctl show -p Result --value corral-generator.service)
check "Result=success at the cap (it is $result)" [ "$result" = success ]
check "the run at the cap started nothing" [ "$(generated)" = "$count" ]
said_at_cap() { in_sd journalctl -u corral-generator.service --no-pager -o cat | grep -q "generator: at the cap"; }
for _ in $(seq 1 25); do said_at_cap && break; sleep 0.2; done
if said_at_cap; then pass "the journal says it is at the cap"; else fail "no 'at the cap' line in the journal: $(in_sd journalctl -u corral-generator.service --no-pager -o short-precise | tail -12)"; fi
in_sd sh -c 'rm -f /run/systemd/system/corral-generator.service.d/cap.conf && systemctl daemon-reload'

in_sd systemctl start corral-generator.timer
expect_state corral-generator.timer active "the timer back for the last check"

# corral-boxes.service: one restore, then active; stopping it leaves the box.
in_sd systemctl enable corral-boxes.service >/dev/null 2>&1
check "enabling corral-boxes.service links it into multi-user.target.wants/" \
	in_sd test -L /etc/systemd/system/multi-user.target.wants/corral-boxes.service
if in_sd systemctl start corral-boxes.service; then pass "corral-boxes.service starts"; else fail "corral-boxes.service did not start"; fi
expect_state corral-boxes.service active "after its restore (RemainAfterExit=yes)"
box=$(in_sd cat /run/stand-in-box.pid 2>/dev/null || true)
check "it ran 'corral box restore'" [ -n "$box" ]
in_sd systemctl stop corral-boxes.service
expect_state corral-boxes.service inactive "systemctl stop corral-boxes"
box_alive() { [ -n "$box" ] && in_sd kill -0 "$box" 2>/dev/null; }
check "stopping it leaves what restore started running (KillMode=process)" box_alive
[ -z "$box" ] || in_sd kill "$box" 2>/dev/null || true

# An enforcer that keeps failing: the start limit ends it, the timer goes too.
in_sd sh -c 'mkdir -p /run/systemd/system/corral-enforcer.service.d && printf "[Service]\nRestartSec=100ms\n" >/run/systemd/system/corral-enforcer.service.d/fast.conf && systemctl daemon-reload && touch /etc/corral/fail'
in_sd systemctl kill -s KILL corral-enforcer.service
expect_state corral-enforcer.service failed "a crash loop hits the start limit" 60
# (inactive, or failed: the timer's own start limit may trip in the loop)
if wait_state corral-generator.timer inactive 10 || [ "$(state corral-generator.timer)" = failed ]; then
	pass "an enforcer that gave up takes the timer down: corral-generator.timer $(state corral-generator.timer)"
else
	fail "an enforcer that gave up left corral-generator.timer $(state corral-generator.timer)"
fi

if [ "$failures" -gt 0 ]; then
	say "$failures check(s) failed; the enforcer's journal:"
	in_sd journalctl -u corral-enforcer -u corral-generator.timer --no-pager | tail -30
	exit 1
fi
say "every check passed"
