#!/usr/bin/env bash
# scripts/run.sh (make run's foreground) with a stand-in enforcer: a Ctrl-C,
# sent as a terminal sends it (SIGINT to the whole foreground process group),
# reaches the enforcer exactly once; the wrapper waits for its graceful stop,
# then removes the managed containers of the run and keeps protected ones;
# KEEP=1 keeps them; SIGTERM is passed on too. Touches only containers
# labelled with this run (CORRAL_RUN_ONLY) and a stand-in crontab.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

run=run-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
label=corral.test-run=$run
work=$(mktemp -d /tmp/corral-run.XXXXXX)
failures=0
say() { echo "run-wrapper: $*"; }
check() {
	local message=$1
	shift
	if "$@"; then say "ok: $message"; else say "FAILED: $message"; failures=$((failures + 1)); fi
}
cleanup() {
	docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# The crontab is a stand-in: run.sh removes the generator's lines.
mkdir -p "$work/bin"
ln -s "$PWD/scripts/tests/fake-crontab" "$work/bin/crontab"
export PATH=$work/bin:$PATH FAKE_CRONTAB=$work/crontab

cat >"$work/enforcer" <<'SH'
#!/bin/bash
trap 'echo "signal INT" >>"$0.log"; sleep 2; echo "graceful stop done" >>"$0.log"; exit 0' INT
trap 'echo "signal TERM" >>"$0.log"; sleep 1; echo "graceful stop done" >>"$0.log"; exit 0' TERM
echo ready >>"$0.log"
while :; do sleep 1 & wait $!; done
SH
chmod +x "$work/enforcer"

# "<unprotected> <protected>": this run's managed containers.
managed() {
	local listed
	listed=$(docker ps -a --filter "label=$label" --filter label=corral.managed=true --format 'p={{.Label "corral.protected"}}')
	echo "$(grep -c '^p=$' <<<"$listed") $(grep -c '^p=true$' <<<"$listed")"
}
setup() {
	: >"$work/enforcer.log"
	./generator.sh --max-managed 0 --count 2 --label "$label" >/dev/null 2>&1
	docker run -d --label corral.managed=true --label corral.protected=true --label "$label" --network none corral/low-idle >/dev/null
}
# Runs run.sh as a terminal's foreground job would be: a process group of
# its own, with signals not ignored; then sends SIG to it (to the group, for
# INT, as Ctrl-C does) once the enforcer is up. Prints run.sh's status.
drive() {
	python3 - "$1" "$work/enforcer" "$@" <<'PY'
import os, signal, subprocess, sys, time
sig, enforcer = sys.argv[1], sys.argv[2]
p = subprocess.Popen(["scripts/run.sh", enforcer], preexec_fn=os.setpgrp, stderr=open(enforcer + ".stderr", "w"))
for _ in range(100):
    if os.path.exists(enforcer + ".log") and "ready" in open(enforcer + ".log").read():
        break
    time.sleep(0.1)
if sig == "INT":
    os.killpg(p.pid, signal.SIGINT)
else:
    p.send_signal(signal.SIGTERM)
print(p.wait(timeout=60))
PY
}

setup
printf '* * * * * /x/generator.sh >>/dev/null 2>&1 # corral-generator\n' >"$FAKE_CRONTAB"
status=$(CORRAL_RUN_ONLY=$label drive INT)
check "Ctrl-C: run.sh exits with the enforcer's status 0 (got $status)" [ "$status" = 0 ]
check "Ctrl-C reaches the enforcer once" [ "$(grep -c '^signal' "$work/enforcer.log")" = 1 ]
check "the enforcer finished its graceful stop" grep -q "graceful stop done" "$work/enforcer.log"
check "the managed containers are gone, the protected one stays (left: $(managed))" [ "$(managed)" = "0 1" ]
check "the generator's crontab lines are gone" [ ! -s "$FAKE_CRONTAB" ]
check "it said what it removed" grep -q "removing the 2 managed container" "$work/enforcer.stderr"

cleanup
work=$(mktemp -d /tmp/corral-run.XXXXXX)
mkdir -p "$work/bin" && ln -s "$PWD/scripts/tests/fake-crontab" "$work/bin/crontab"
export PATH=$work/bin:$PATH FAKE_CRONTAB=$work/crontab
cat >"$work/enforcer" <<'SH'
#!/bin/bash
trap 'echo "signal TERM" >>"$0.log"; sleep 1; echo "graceful stop done" >>"$0.log"; exit 0' TERM
echo ready >>"$0.log"
while :; do sleep 1 & wait $!; done
SH
chmod +x "$work/enforcer"
setup
status=$(KEEP=1 CORRAL_RUN_ONLY=$label drive TERM)
check "SIGTERM: passed on, status 0 (got $status)" [ "$status" = 0 ]
check "SIGTERM: the enforcer finished its graceful stop" grep -q "graceful stop done" "$work/enforcer.log"
check "KEEP=1 keeps the managed containers (left: $(managed))" [ "$(managed)" = "2 1" ]
check "KEEP=1 says so" grep -q "KEEP=1: kept 2" "$work/enforcer.stderr"

[ "$failures" -eq 0 ] || { say "$failures check(s) failed"; exit 1; }
say "every check passed"
