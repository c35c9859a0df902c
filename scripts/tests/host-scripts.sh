#!/usr/bin/env bash
# shellcheck disable=SC2016 # check takes its condition as shell text, evaluated later
# The shell side's own tests, run by `make scripts-test` (part of make test):
#   - generator.sh's cap against the real daemon: near the cap it tops up, at
#     the cap it starts nothing, says so in one line and exits 75; protected
#     containers do not count; bad caps and runtimes are refused;
#   - its crontab edits through a stand-in crontab: only its own lines change,
#     they carry --runtime, and a `crontab -l` failing for another reason than
#     "no crontab" changes nothing and fails;
#   - the uninstaller on a staged install: only what install put there goes
#     (the box helper and corral-boxes.service included), and empty, relative
#     or '/' paths are refused before anything is touched;
#   - scripts/test-host.sh: names leftovers, removes them under CI=true.
# Every container it makes carries a label of its own run and is removed at
# the end; the cap is set relative to what the host already holds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

run=sh-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
label=corral.test-run=$run
work=$(mktemp -d /tmp/corral-scripts.XXXXXX)
failures=0
say() { echo "host-scripts: $*"; }
# check MESSAGE CONDITION: CONDITION is shell text, evaluated as a whole.
check() {
	if eval "$2"; then say "ok: $1"; else say "FAILED: $1"; failures=$((failures + 1)); fi
}
cleanup() {
	docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
	docker ps -aq --filter "label=corral.scripts-test=$run" | xargs -r docker rm -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# --- the generator's cap
mine() { docker ps -aq --filter "label=$label" --filter label=corral.managed=true | wc -l; }
host_managed() {
	docker ps -a --filter label=corral.managed=true --filter status=running --filter status=created \
		--filter status=restarting --filter status=paused --format 'p={{.Label "corral.protected"}}' | grep -c '^p=$' || true
}
cap=$(($(host_managed) + 3))
set +e
CORRAL_MAX_MANAGED=$cap ./generator.sh --label "$label" >"$work/out" 2>"$work/err"
status=$?
set -e
check "near the cap it tops up: 3 of 10 (exit $status, $(mine) started)" '[ "$status" = 0 ] && [ "$(mine)" = 3 ]'
check "and says so" 'grep -q "near the cap: $((cap - 3)) managed containers on the host, cap $cap (CORRAL_MAX_MANAGED); starting 3 of 10" "$work/err"'
set +e
./generator.sh --max-managed "$cap" --label "$label" >"$work/out" 2>"$work/err"
status=$?
set -e
check "at the cap it exits 75 and starts nothing (exit $status, $(mine))" '[ "$status" = 75 ] && [ "$(mine)" = 3 ]'
check "in one line on stderr, nothing on stdout" '[ "$(wc -l <"$work/err")" = 1 ] && [ ! -s "$work/out" ]'
check "the line says why" 'grep -q "^generator: at the cap: $cap managed containers on the host, cap $cap (--max-managed); started none$" "$work/err"'
docker run -d --label corral.managed=true --label corral.protected=true --label "$label" --network none corral/low-idle >/dev/null
docker create --label corral.managed=true --label "$label" --network none corral/low-idle >/dev/null
set +e
CORRAL_MAX_MANAGED=$((cap + 2)) ./generator.sh --label "$label" >/dev/null 2>"$work/err"
status=$?
set -e
check "a protected container does not count, a created one does: 1 more (exit $status, $(mine) managed of this run)" '[ "$status" = 0 ] && [ "$(mine)" = 6 ]'
set +e
CORRAL_MAX_MANAGED=0 ./generator.sh --count 1 --label "$label" >/dev/null 2>&1
status=$?
set -e
check "a cap of 0 is no cap (exit $status)" '[ "$status" = 0 ] && [ "$(mine)" = 7 ]'
for bad in "--max-managed -1" "--max-managed x" "--max-managed 1000000" "--label corral.protected=true" "--label corral.role=collector" \
	"--runtime bogus" "--runtime" "--runtime native --label corral.workload=x"; do
	# shellcheck disable=SC2086 # the words are the arguments
	if ./generator.sh $bad >/dev/null 2>"$work/err"; then status=0; else status=$?; fi
	check "'$bad' refused with status 2 (got $status)" '[ "$status" = 2 ]'
done
set +e
CORRAL_MAX_MANAGED=abc ./generator.sh --count 1 >/dev/null 2>"$work/err"
status=$?
set -e
check "a bad CORRAL_MAX_MANAGED is refused naming it (exit $status)" '[ "$status" = 2 ] && grep -q "CORRAL_MAX_MANAGED must be" "$work/err"'
set +e
CORRAL_RUNTIME=podman ./generator.sh --count 1 >/dev/null 2>"$work/err"
status=$?
set -e
check "a bad CORRAL_RUNTIME is refused naming it (exit $status)" '[ "$status" = 2 ] && grep -q "CORRAL_RUNTIME must be docker or native, not .podman." "$work/err"'
set +e
CORRAL_BIN=$work/no-corral ./generator.sh --runtime native --count 1 >"$work/out" 2>"$work/err"
status=$?
set -e
check "--runtime native without corral exits 1, says so, starts nothing (exit $status)" \
	'[ "$status" = 1 ] && grep -q "CORRAL_BIN=$work/no-corral is not an executable file" "$work/err" && [ ! -s "$work/out" ]'
check "--help documents --runtime" './generator.sh --help | grep -q -- "--runtime R"'
check "--help documents the cap and its exit status" './generator.sh --help | grep -q -- "--max-managed" && ./generator.sh --help | grep -q "^  75 "'

# --- crontab, through a stand-in
mkdir -p "$work/bin"
ln -s "$PWD/scripts/tests/fake-crontab" "$work/bin/crontab"
(
	# shellcheck disable=SC2030 # local to this subshell on purpose
	export PATH=$work/bin:$PATH FAKE_CRONTAB=$work/crontab
	cat >"$FAKE_CRONTAB" <<'TAB'
17 3 * * * /usr/bin/true # an operator's own job
* * * * * /opt/mine.sh # corral-generator (an operator's note, not ours)
5 * * * * /x/generator.sh >>/dev/null 2>&1 # corral-generator
TAB
	cp "$FAKE_CRONTAB" "$work/original"
	./generator.sh --install-cron 2>/dev/null
	./generator.sh --install-cron 2>/dev/null
	grep -c ' # corral-generator$' "$FAKE_CRONTAB" >"$work/tagged"
	./generator.sh --remove-cron 2>/dev/null
	if cmp -s "$work/original" "$FAKE_CRONTAB"; then echo same >"$work/same"; fi
	./generator.sh --install-cron 2>/dev/null
	cp "$FAKE_CRONTAB" "$work/installed"
	for action in --install-cron --remove-cron; do
		if FAKE_CRONTAB_LIST_ERROR="crontab: cannot open your crontab: Permission denied" ./generator.sh "$action" 2>>"$work/cron-err"; then
			echo "$action succeeded" >>"$work/cron-bad"
		fi
		cmp -s "$work/installed" "$FAKE_CRONTAB" || echo "$action changed the table" >>"$work/cron-bad"
	done
	rm -f "$FAKE_CRONTAB"
	./generator.sh --remove-cron 2>/dev/null || echo "remove with no crontab failed" >>"$work/cron-bad"
	[ ! -e "$FAKE_CRONTAB" ] || echo "remove with no crontab wrote one" >>"$work/cron-bad"
	./generator.sh --install-cron 2>/dev/null || echo "install with no crontab failed" >>"$work/cron-bad"
	grep -c -- ' --runtime docker --from-cron ' "$FAKE_CRONTAB" >"$work/docker-lines" || true
	# The native lines replace the docker ones; remove takes both forms, and
	# the lines of older generators, without --runtime.
	./generator.sh --runtime native --install-cron 2>/dev/null || echo "install --runtime native failed" >>"$work/cron-bad"
	grep -c -- ' --runtime native --from-cron ' "$FAKE_CRONTAB" >"$work/native-lines" || true
	grep -c ' # corral-generator$' "$FAKE_CRONTAB" >"$work/native-tagged" || true
	printf '* * * * * /x/generator.sh --from-cron >>/dev/null 2>&1 # corral-generator\n' >>"$FAKE_CRONTAB"
	./generator.sh --remove-cron 2>/dev/null || echo "remove of both forms failed" >>"$work/cron-bad"
	grep -c ' # corral-generator$' "$FAKE_CRONTAB" >"$work/left-tagged" || true
)
check "install twice: the two generator lines plus the line already ending in the tag" '[ "$(cat "$work/tagged")" = 3 ]'
check "remove leaves every other line exactly as it was, the look-alikes too" '[ -e "$work/same" ]'
check "a failing 'crontab -l' aborts and leaves the table as it was: $(tr '\n' ';' 2>/dev/null <"$work/cron-bad")" '[ ! -e "$work/cron-bad" ]'
check "and says why" 'grep -q "crontab -l failed (exit 1): crontab: cannot open your crontab: Permission denied" "$work/cron-err"'
check "the lines carry --runtime: two docker lines by default" '[ "$(cat "$work/docker-lines")" = 2 ]'
check "--runtime native replaces them with two native lines" '[ "$(cat "$work/native-lines")" = 2 ] && [ "$(cat "$work/native-tagged")" = 2 ]'
check "--remove-cron removes the lines of either form" '[ "$(cat "$work/left-tagged")" = 0 ]'

# --- the uninstaller
printf '#!/bin/sh\n' >"$work/corral" && chmod +x "$work/corral"
printf '#!/bin/sh\n' >"$work/corral-box-helper" && chmod +x "$work/corral-box-helper"
stage=$work/stage
DESTDIR=$stage BINARY=$work/corral scripts/install.sh >/dev/null
check "install puts the box helper in LIBEXECDIR and corral-boxes.service among the units" \
	'[ -x "$stage/usr/local/lib/corral/corral-box-helper" ] && grep -qx "ExecStart=/usr/local/bin/corral box restore" "$stage/etc/systemd/system/corral-boxes.service"'
mkdir "$work/alone" && cp "$work/corral" "$work/alone/corral"
if DESTDIR=$work/no-helper BINARY=$work/alone/corral scripts/install.sh >/dev/null 2>"$work/err"; then status=0; else status=$?; fi
check "install without the helper beside the binary refuses, naming it, and installs nothing (status $status)" \
	'[ "$status" = 1 ] && grep -q "$work/alone/corral-box-helper (corral box.s helper" "$work/err" && [ ! -e "$work/no-helper" ]'
mkdir -p "$stage/var/lib/corral/logs" "$stage/usr/local/lib/corral" "$stage/opt/keep/corral"
echo log >"$stage/var/lib/corral/logs/memory.jsonl"
echo mine >"$stage/usr/local/share/doc/corral/operator-notes"
echo other >"$stage/usr/local/bin/other-tool"
echo keep >"$stage/opt/keep/corral/file"
find "$stage" | sort >"$work/before"
for bad in "PREFIX=" "PREFIX=usr" "PREFIX=/" "PREFIX=/usr/local/" "PREFIX=/usr/local/../.." "DESTDIR=relative" "DESTDIR=/" \
	"STATEDIR=/var/lib" "SYSCONFDIR=/etc" "LIBEXECDIR=/usr/local/lib" "DATADIR=/usr/share" "DOCDIR=/" "PURGE=yes"; do
	# PURGE=1 unless the bad value is PURGE's: a refusal must hold even then.
	if env DESTDIR="$stage" PURGE=1 "$bad" scripts/uninstall.sh >/dev/null 2>&1; then status=0; else status=$?; fi
	check "uninstall refuses $bad (status $status) and touches nothing" '[ "$status" != 0 ] && diff -q <(find "$stage" | sort) "$work/before" >/dev/null'
done
DESTDIR=$stage scripts/uninstall.sh >"$work/uninstall.out"
left=$(cd "$stage" && find . -type f | sort | tr '\n' ' ')
check "uninstall removes what install put, keeps the config, state and others' files (left: $left)" \
	'[ "$left" = "./etc/corral/corral.toml ./opt/keep/corral/file ./usr/local/bin/other-tool ./usr/local/share/doc/corral/operator-notes ./var/lib/corral/logs/memory.jsonl " ]'
check "and names the directory it kept" 'grep -q "kept $stage/usr/local/share/doc/corral: it holds files Corral did not install (operator-notes)" "$work/uninstall.out"'
check "Corral's emptied directories are gone" '[ ! -e "$stage/usr/local/lib/corral" ] && [ ! -e "$stage/usr/local/share/corral" ]'
DESTDIR=$stage PURGE=1 scripts/uninstall.sh >/dev/null
left=$(cd "$stage" && find . -type f | sort | tr '\n' ' ')
check "PURGE=1 removes the state and config too, nothing else (left: $left)" \
	'[ "$left" = "./opt/keep/corral/file ./usr/local/bin/other-tool ./usr/local/share/doc/corral/operator-notes " ]'

# --- scripts/test-host.sh, narrowed to this run's containers
mark=corral.scripts-test=$run
docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
docker run -d --name "corral-high-$run" --label corral.managed=true --label "$mark" --network none corral/low-idle >/dev/null
docker run -d --name "corral-test-$run" --label "$label" --label "$mark" --network none corral/low-idle >/dev/null
docker run -d --name "corral-kept-$run" --label corral.managed=true --label corral.protected=true --label "$mark" --network none corral/low-idle >/dev/null
export CORRAL_TEST_HOST_ONLY=$mark
if CI=false scripts/test-host.sh check 2>"$work/err"; then status=0; else status=$?; fi
check "test-host check stops on leftovers, naming a managed one and a test one (status $status)" \
	'[ "$status" = 1 ] && grep -q "corral-high-$run" "$work/err" && grep -q "corral-test-$run" "$work/err" && ! grep -q "corral-kept-$run" "$work/err"'
check "and says how to remove them" 'grep -q "CLEAN=1 make test" "$work/err"'
CI=true scripts/test-host.sh check 2>"$work/err"
check "under CI=true it removes them, says so, and keeps the protected one" \
	'[ "$(docker ps -a --filter "label=$mark" --format "{{.Names}}")" = "corral-kept-$run" ] && grep -q "removing 2 leftover" "$work/err"'
check "then the check passes" 'scripts/test-host.sh check'
docker run -d --label "$label" --label "$mark" --label corral.protected=true --network none corral/low-idle >/dev/null
scripts/test-host.sh clean 2>/dev/null
check "test-host clean removes the tests' containers (corral.test-run), protected or not, and nothing else" \
	'[ "$(docker ps -a --filter "label=$mark" --format "{{.Names}}")" = "corral-kept-$run" ]'
docker ps -aq --filter "label=$mark" | xargs -r docker rm -f >/dev/null
# A generator left on by a killed `make run`, in a stand-in crontab.
printf '17 3 * * * true # an operator line\n* * * * * /x/generator.sh --from-cron # corral-generator\n' >"$work/crontab-host"
# shellcheck disable=SC2031 # the stand-in crontab comes first only here
fake=(env "PATH=$work/bin:$PATH" "FAKE_CRONTAB=$work/crontab-host")
if "${fake[@]}" CI=false scripts/test-host.sh check 2>"$work/cron-host-err"; then echo 0; else echo $?; fi >"$work/cron-host-status"
cp "$work/crontab-host" "$work/cron-host-before"
"${fake[@]}" CI=true scripts/test-host.sh check 2>>"$work/cron-host-err"
check "test-host check stops while the generator's crontab lines are there, and says how to turn it off" \
	'[ "$(cat "$work/cron-host-status")" = 1 ] && grep -q "generator.sh --remove-cron" "$work/cron-host-err" && [ "$(grep -c corral-generator "$work/cron-host-before")" = 1 ]'
check "under CI=true it removes them and keeps the operator's line" \
	'[ "$(cat "$work/crontab-host")" = "17 3 * * * true # an operator line" ] && grep -q "removing them before the tests" "$work/cron-host-err"'
# An enforcer left running (a stand-in named like one, which exits on SIGTERM).
mkdir -p "$work/enforcer"
printf '#!/usr/bin/env bash\ntrap "exit 0" TERM\nwhile :; do sleep 0.1; done\n' >"$work/enforcer/corral"
chmod +x "$work/enforcer/corral"
"$work/enforcer/corral" enforce --selector "$mark" &
stand_in=$!
if CI=false scripts/test-host.sh check 2>"$work/enforcer-err"; then status=0; else status=$?; fi
check "test-host check stops while a corral enforce runs, naming its pid (status $status)" \
	'[ "$status" = 1 ] && grep -q "pid $stand_in" "$work/enforcer-err" && kill -0 "$stand_in"'
CI=true scripts/test-host.sh check 2>>"$work/enforcer-err"
ended=running
[ -n "$(pgrep -f "$work/enforcer/corral" || true)" ] || { wait "$stand_in" && ended=terminated; }
check "under CI=true it stops it with SIGTERM first ($ended)" '[ "$ended" = terminated ] && grep -q "stopping it with SIGTERM" "$work/enforcer-err"'
kill "$stand_in" 2>/dev/null || true
unset CORRAL_TEST_HOST_ONLY

[ "$failures" -eq 0 ] || { say "$failures check(s) failed"; exit 1; }
say "every check passed"
