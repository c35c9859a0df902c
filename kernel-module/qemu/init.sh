#!/bin/sh
# shellcheck shell=sh
# /init of the corral_sysinfo proof: PID 1 of a throwaway qemu guest, run by
# busybox sh. The kernel command line says which cgroup layout to build
# (corral.cgroup=v1 or v2). The script creates container cgroups the way
# dockerd does, starts processes in them and outside them, reads
# /proc/sysinfo_corral in every way that could break it, and prints:
#   - dumps between "==== CORRAL BEGIN <name> ====" / "==== CORRAL END <name> ===="
#   - "corral-proof: ok|FAIL <check>" per in-guest check
#   - last, one line "CORRAL-VERDICT: PASS|FAIL ..."
# The host (kernel-module/tests) checks the dumps against the guest's /proc.
# Nothing here times anything: waits are bounded by counts of short sleeps.

export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

FILE=/proc/sysinfo_corral
KO=/corral_sysinfo.ko
CG=/sys/fs/cgroup
EXPECT=/tmp/expect
MODE=
checks=0
failed=""

read -r cmdline </proc/cmdline
for word in $cmdline; do
	case "$word" in
	corral.cgroup=*) MODE=${word#corral.cgroup=} ;;
	esac
done

pass() {
	checks=$((checks + 1))
	echo "corral-proof: ok   $*"
}

fail() {
	checks=$((checks + 1))
	failed="$failed; $*"
	echo "corral-proof: FAIL $*"
}

# check DESCRIPTION COMMAND...: one in-guest check
check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

dump() {
	echo "==== CORRAL BEGIN $1 ===="
	cat "$2"
	[ -z "$(tail -c 1 "$2")" ] || echo
	echo "==== CORRAL END $1 ===="
}

finish() {
	dmesg >/tmp/dmesg.txt
	dump dmesg /tmp/dmesg.txt
	if grep -qE 'WARNING:|Oops|BUG:|BUG [^ ]+ \(|Call Trace|KASAN|general protection' /tmp/dmesg.txt; then
		fail "kernel log free of warnings and oopses"
	else
		pass "kernel log free of warnings and oopses"
	fi
	if [ -z "$failed" ]; then
		echo "CORRAL-VERDICT: PASS cgroup=$MODE checks=$checks"
	else
		echo "CORRAL-VERDICT: FAIL cgroup=$MODE checks=$checks failed:${failed#;}"
	fi
	sync
	poweroff -f
}

# wait_for DESCRIPTION COMMAND...: up to ~60 s of 0.1 s naps
wait_for() {
	desc=$1
	shift
	n=0
	until "$@"; do
		n=$((n + 1))
		if [ "$n" -gt 600 ]; then
			fail "waiting for $desc"
			return 1
		fi
		sleep 0.1
	done
}

cid() {
	echo "corral-proof-$1" | sha256sum | cut -c1-64
}

# ---- cgroups, laid out as dockerd lays them out ------------------------

setup_cgroups() {
	case "$MODE" in
	v1)
		mount -t tmpfs cgroup "$CG" || return 1
		for h in memory cpu,cpuacct pids; do
			mkdir -p "$CG/$h"
			mount -t cgroup -o "$h" cgroup "$CG/$h" || return 1
		done
		;;
	v2)
		mount -t cgroup2 cgroup2 "$CG" || return 1
		echo "+memory +cpu +pids" >"$CG/cgroup.subtree_control" || return 1
		mkdir "$CG/system.slice"
		echo "+memory +cpu +pids" >"$CG/system.slice/cgroup.subtree_control" || return 1
		;;
	*)
		echo "corral-proof: unknown corral.cgroup='$MODE'"
		return 1
		;;
	esac
}

# dirs_for REL [HIERARCHIES]: the cgroup directories of REL (v1: one per
# hierarchy, memory, cpu,cpuacct and pids by default; v2: one)
dirs_for() {
	if [ "$MODE" = v1 ]; then
		for h in ${2:-memory cpu,cpuacct pids}; do
			printf '%s ' "$CG/$h/$1"
		done
	else
		printf '%s ' "$CG/$1"
	fi
}

# container NAME ID REL [HIERARCHIES]: creates its cgroups and sets
# DIRS_<NAME> for spawn
container() {
	dirs=$(dirs_for "$3" "$4")
	for d in $dirs; do
		mkdir -p "$d" || fail "mkdir $d"
	done
	eval "DIRS_$1=\"\$dirs\""
	echo "container $2 /$3" >>"$EXPECT"
}

# spawn DIRS ID|- ROLE COMMAND...: starts COMMAND in the background in the
# cgroup directories DIRS; records it as a member of container ID (or as
# outside every container with -)
spawn() {
	dirs=$1
	id=$2
	role=$3
	shift 3
	(
		read -r self _ </proc/self/stat
		for d in $dirs; do
			echo "$self" >"$d/cgroup.procs" || exit 97
		done
		exec "$@"
	) &
	LASTPID=$!
	if [ "$id" = - ]; then
		echo "outside $LASTPID $role" >>"$EXPECT"
	else
		echo "member $id $LASTPID $role" >>"$EXPECT"
	fi
}

state_of() {
	sed -n 's/.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null
}

stopped() {
	[ "$(state_of "$1")" = T ]
}

read_empty() {
	corral-jsoncheck --expect-empty "$FILE" >/dev/null &&
		cat "$FILE" >"/tmp/$1.json" &&
		corral-jsoncheck --expect-empty "/tmp/$1.json" >/dev/null
}

no_file() {
	[ ! -e "$1" ]
}

echo "corral-proof: cgroup $MODE, kernel $(uname -r)"
: >"$EXPECT"
check "cgroup $MODE hierarchies mounted" setup_cgroups || finish

ID1=$(cid one)
ID2=$(cid two)
ID3=$(cid three)
ID4=$(cid four)
ID5=$(cid five)
ID6=$(cid six)
DECOY=0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF

if [ "$MODE" = v1 ]; then
	rel() { echo "docker/$1"; }
else
	rel() { echo "system.slice/docker-$1.scope"; }
fi

# ---- load, parameters ---------------------------------------------------

check "insmod $KO" insmod "$KO" || finish
check "$FILE exists, mode 0400" test "$(stat -c %a "$FILE")" = 400
check "rmmod" rmmod corral_sysinfo
check "insmod refuses suffix=bad/name" sh -c "! insmod $KO suffix=bad/name 2>/dev/null"
check "insmod refuses cgroup_parent=../up" sh -c "! insmod $KO cgroup_parent=../up 2>/dev/null"
check "insmod refuses cgroup_parent=a//b" sh -c "! insmod $KO cgroup_parent=a//b 2>/dev/null"
check "insmod refuses max_bytes=100" sh -c "! insmod $KO max_bytes=100 2>/dev/null"
check "insmod suffix=proof" insmod "$KO" suffix=proof
check "suffix=proof serves /proc/sysinfo_proof" corral-jsoncheck /proc/sysinfo_proof
check "suffix=proof leaves no $FILE" no_file "$FILE"
check "rmmod, insmod with the default suffix" sh -c "rmmod corral_sysinfo && insmod $KO"

# ---- who may read it -------------------------------------------------------

# openas MODE WANT: corral-openas's exit status is WANT (0 read, 10 EPERM,
# 13 EACCES)
openas() {
	corral-openas "$1" "$FILE"
	[ $? -eq "$2" ]
}
check "root in the initial namespaces reads it" openas root 0
check "an unprivileged user cannot open it (EACCES)" openas nobody 13
check "root without CAP_SYS_ADMIN cannot open it (EPERM)" openas nocap 10
check "root of a new user namespace cannot open it (EPERM)" openas userns 10
check "root in a new PID namespace with its own /proc cannot open it (EPERM)" openas pidns 10
# the same with busybox's own tools, as a container's shell would try it
check "unshare --pid --fork --mount-proc cat fails" \
	sh -c "! unshare -p -f --mount-proc cat $FILE >/dev/null 2>&1"
check "a user in setpriv --reuid=65534 cannot cat it" \
	sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat $FILE >/dev/null 2>&1"

# ---- an empty host: cgroups that are not containers ---------------------

container EMPTY "$ID5" "$(rel "$ID5")"
if [ "$MODE" = v1 ]; then
	mkdir -p "$CG/memory/docker/$DECOY" "$CG/cpu,cpuacct/docker/short"
	DECOY_DIRS="$CG/memory/docker/$DECOY $CG/cpu,cpuacct/docker/short"
else
	mkdir -p "$CG/system.slice/docker-$DECOY.scope" "$CG/system.slice/docker-$ID5.slice"
	DECOY_DIRS="$CG/system.slice/docker-$DECOY.scope"
fi
spawn "$DECOY_DIRS" - decoy corral-argv decoy /tmp/decoy.ready
spawn "" - outside-holder corral-memhold 8 /tmp/outside.ready
spawn "" - outside-sleep sleep 100000
wait_for "decoy ready" test -e /tmp/decoy.ready
wait_for "outside holder ready" test -e /tmp/outside.ready
check "empty host reads \"containers\":[]" read_empty doc-empty-start
dump doc-empty-start /tmp/doc-empty-start.json

# ---- containers ---------------------------------------------------------

container ONE "$ID1" "$(rel "$ID1")"
container TWO "$ID2" "$(rel "$ID2")"
container THREE "$ID3" "$(rel "$ID3")"
if [ "$MODE" = v1 ]; then
	# only in the cpuacct hierarchy: found through cpuacct alone
	container FOUR "$ID4" "docker/$ID4" "cpu,cpuacct"
	# Docker's systemd driver on a cgroup v1 host
	container SIX "$ID6" "system.slice/docker-$ID6.scope"
	spawn "$DIRS_SIX" "$ID6" sleeper sleep 100000
else
	# Docker's cgroupfs driver on a cgroup v2 host
	container FOUR "$ID4" "docker/$ID4"
fi
# a cgroup inside container three: its processes are container three's
INNER_DIRS=
for d in $DIRS_THREE; do
	mkdir -p "$d/inner"
	INNER_DIRS="$INNER_DIRS $d/inner"
done

# shellcheck disable=SC2153 # DIRS_* are set through eval in container()
spawn "$DIRS_ONE" "$ID1" holder corral-memhold 32 /tmp/holder.ready
spawn "$DIRS_ONE" "$ID1" tricky corral-argv tricky /tmp/tricky.ready
spawn "$DIRS_ONE" "$ID1" long corral-argv long /tmp/long.ready
spawn "$DIRS_TWO" "$ID2" burner corral-burn 2
BURNER=$LASTPID
spawn "$DIRS_TWO" "$ID2" leader corral-argv leader /tmp/leader.ready
i=0
while [ $i -lt 24 ]; do
	spawn "$DIRS_TWO" "$ID2" sleeper sleep 100000
	i=$((i + 1))
done
spawn "$INNER_DIRS" "$ID3" nested sleep 100000
spawn "$DIRS_FOUR" "$ID4" sleeper sleep 100000
# a file mapped over its argument area: read as /proc/<pid>/cmdline reads it
spawn "$DIRS_ONE" "$ID1" filemapped corral-argv filemapped /tmp/filemapped.ready

# user-made cgroups and scopes that carry a populated container's id, but
# not where Docker puts containers: their processes are nobody's
for rel in "user.slice/docker-$ID1.scope" "foo/docker/$ID1" "docker-$ID1.scope" \
	"user.slice/docker/$ID2" "system.slice/user/docker-$ID2.scope" \
	"system.slice/docker/$ID2"; do
	dirs=$(dirs_for "$rel" "memory cpu,cpuacct")
	for d in $dirs; do
		mkdir -p "$d" || fail "mkdir $d"
	done
	spawn "$dirs" - impostor sleep 100000
	echo "impostor $LASTPID /$rel" >>"$EXPECT"
done

for r in holder tricky long leader filemapped; do
	wait_for "$r ready" test -e "/tmp/$r.ready"
done
# every process past its exec and asleep, so nothing moves while the host
# compares the document with /proc
settled() {
	[ "$(head -c 5 "/proc/$1/cmdline")" != /init ] &&
		case "$(state_of "$1")" in S | Z) true ;; *) false ;; esac
}
pids=$(awk '$1 == "member" { print $3 } $1 == "outside" { print $2 }' "$EXPECT")
for pid in $pids; do
	[ "$pid" = "$BURNER" ] || wait_for "pid $pid asleep" settled "$pid"
done
# let the burner run a while, then freeze its CPU time for the comparison
sleep 2
kill -STOP "$BURNER"
wait_for "burner stopped" stopped "$BURNER"

# a fresh module starts from empty size hints: this read must grow its buffer
check "reload before the main read" sh -c "rmmod corral_sysinfo && insmod $KO"
# the document, then at once the guest's own view of every process
cat "$FILE" >/tmp/doc-main.json
cat /proc/meminfo >/tmp/meminfo.txt
: >/tmp/procs.txt
pids=$(awk '$1 == "member" { print $3 } $1 == "outside" { print $2 }' "$EXPECT")
for pid in $pids; do
	{
		echo "==== CORRAL BEGIN proc $pid ===="
		echo "stat: $(cat "/proc/$pid/stat")"
		cat "/proc/$pid/status"
		echo "cmdline: $(od -An -v -tx1 "/proc/$pid/cmdline" | tr -d ' \n')"
		echo "==== CORRAL END proc $pid ===="
	} >>/tmp/procs.txt 2>&1
done
if [ -x /bin/corral ]; then
	corral sysinfo --source procfs >/tmp/corral-procfs.json 2>/tmp/corral-procfs.err
	echo "exit status $?" >>/tmp/corral-procfs.err
	dump corral-procfs /tmp/corral-procfs.json
	dump corral-procfs-stderr /tmp/corral-procfs.err
fi
kill -CONT "$BURNER"

dump expect "$EXPECT"
od -An -v -tx1 /tmp/filemapped.ready | tr -d ' \n' >/tmp/filemapped.hex
dump filemapped-args /tmp/filemapped.hex
dump doc-main /tmp/doc-main.json
dump meminfo /tmp/meminfo.txt
cat /tmp/procs.txt
check "the document is valid JSON" corral-jsoncheck /tmp/doc-main.json
check "the document is larger than a page" test "$(wc -c </tmp/doc-main.json)" -gt 4096
# membership is by cgroup, so a name never makes a container
check "the decoy named docker is not in it" sh -c "! grep -q '\"name\":\"docker\"' /tmp/doc-main.json"
check "the empty container is not in it" sh -c "! grep -q '$ID5' /tmp/doc-main.json"

# ---- reads, many and at once ---------------------------------------------

check "1000 reads, each a whole valid document" corral-jsoncheck --repeat 1000 "$FILE"

churn() {
	n=0
	while [ ! -e /tmp/stop-churn ] && [ $n -lt 400 ]; do
		spawn "$DIRS_TWO" "$ID2" churn sleep 0.05
		spawn "" - churn sleep 0.05
		spawn "$DIRS_ONE" "$ID1" churn corral-burn 3
		sleep 0.1
		kill "$LASTPID" 2>/dev/null
		n=$((n + 1))
	done
	wait
}
churn >/tmp/churn.log 2>&1 &
CHURN=$!
READERS=
for r in 1 2 3 4; do
	corral-jsoncheck --repeat 150 "$FILE" >"/tmp/reader$r.log" 2>&1 &
	READERS="$READERS $!"
done
r=0
for pid in $READERS; do
	r=$((r + 1))
	if wait "$pid"; then
		pass "reader $r of 4 concurrent, processes starting and exiting: $(cat "/tmp/reader$r.log")"
	else
		fail "reader $r of 4 concurrent"
		cat "/tmp/reader$r.log"
	fi
done
touch /tmp/stop-churn
wait "$CHURN"

# ---- unload and load while reading -------------------------------------

(
	while [ ! -e /tmp/stop-reader ]; do
		corral-jsoncheck --allow-missing --repeat 5 "$FILE" || exit 1
	done
) >/tmp/cycle-reader.log 2>&1 &
CYCLE_READER=$!
cycles_ok=0
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	if rmmod corral_sysinfo && [ ! -e "$FILE" ] && insmod "$KO" &&
		corral-jsoncheck "$FILE" >/dev/null; then
		cycles_ok=$((cycles_ok + 1))
	else
		echo "corral-proof: rmmod/insmod cycle $i failed"
	fi
done
touch /tmp/stop-reader
check "20 rmmod/insmod cycles with a reader running ($cycles_ok ok)" test "$cycles_ok" -eq 20
if wait "$CYCLE_READER"; then
	pass "the reader during the cycles saw only whole documents"
else
	fail "the reader during the cycles saw only whole documents"
	tail -n 40 /tmp/cycle-reader.log
fi

# ---- another cgroup parent -------------------------------------------------

ID7=$(cid seven)
check "insmod cgroup_parent=/corral/parent/" \
	sh -c "rmmod corral_sysinfo && insmod $KO cgroup_parent=/corral/parent/"
container SEVEN "$ID7" "corral/parent/$ID7"
spawn "$DIRS_SEVEN" "$ID7" sleeper sleep 100000
wait_for "the sleeper under /corral/parent asleep" settled "$LASTPID"
cat "$FILE" >/tmp/doc-parent.json
dump doc-parent /tmp/doc-parent.json
check "cgroup_parent: the document is valid JSON" corral-jsoncheck /tmp/doc-parent.json
check "cgroup_parent: /corral/parent/<id> is a container" \
	grep -q "\"cgroup\":\"/corral/parent/$ID7\"" /tmp/doc-parent.json
check "cgroup_parent: /docker/<id> no longer is" \
	sh -c "! grep -q '\"cgroup\":\"/docker/' /tmp/doc-parent.json"
check "back to the default cgroup_parent" sh -c "rmmod corral_sysinfo && insmod $KO"

# ---- a container with 5,000 processes, and the size bound ------------------

# summarize FILE: per container "container ID LISTED OMITTED" in document
# order, then "containers_omitted N" and "bytes N" (one process per line)
summarize() {
	awk '
	/^\{"id":"/ { id = substr($0, 8, 64); order[++k] = id; n[id] = 0 }
	/^\{"pid":/ { n[id]++ }
	match($0, /"processes_omitted":[0-9]+/) { om[id] = substr($0, RSTART + 20, RLENGTH - 20) }
	match($0, /"containers_omitted":[0-9]+/) { co = substr($0, RSTART + 21, RLENGTH - 21) }
	END {
		for (i = 1; i <= k; i++)
			print "container", order[i], n[order[i]], om[order[i]] + 0
		print "containers_omitted", co + 0
	}' "$1"
	echo "bytes $(wc -c <"$1")"
}
# within FILE BYTES: a valid document of at most BYTES bytes
within() {
	corral-jsoncheck "$1" >/dev/null && [ "$(wc -c <"$1")" -le "$2" ]
}
# wait_long DESCRIPTION COMMAND...: up to ~10 min of 0.2 s naps
wait_long() {
	desc=$1
	shift
	n=0
	until "$@"; do
		n=$((n + 1))
		if [ "$n" -gt 3000 ]; then
			fail "waiting for $desc"
			return 1
		fi
		sleep 0.2
	done
}

echo 30000 >/proc/sys/kernel/threads-max
ID8=$(cid eight)
container BIG "$ID8" "$(rel "$ID8")"
spawn "$DIRS_BIG" "$ID8" swarm corral-swarm 5000 /tmp/swarm.ready
SWARM=$LASTPID
if wait_long "5000 processes in one container" test -e /tmp/swarm.ready; then
	for d in $DIRS_BIG; do
		echo "big-cgroup-procs $(wc -l <"$d/cgroup.procs")"
		break
	done >/tmp/big-procs.txt
	dump big-procs /tmp/big-procs.txt
	cat "$FILE" >/tmp/doc-big.json
	check "5,000 processes: one valid document of at most 4 MiB (the default bound)" \
		within /tmp/doc-big.json 4194304
	summarize /tmp/doc-big.json >/tmp/summary-big.txt
	dump summary-big /tmp/summary-big.txt
	check "5,000 processes: 10 reads, each a whole valid document" \
		corral-jsoncheck --repeat 10 "$FILE"

	check "insmod max_bytes=65536" sh -c "rmmod corral_sysinfo && insmod $KO max_bytes=65536"
	cat "$FILE" >/tmp/doc-bounded.json
	dump doc-bounded /tmp/doc-bounded.json
	check "max_bytes=65536: a valid document of at most 65536 bytes" \
		within /tmp/doc-bounded.json 65536
	check "max_bytes=65536: the big container says how many it left out" \
		grep -q '"processes_omitted":[1-9]' /tmp/doc-bounded.json

	# more containers than 16 KiB has room for
	i=0
	while [ $i -lt 10 ]; do
		i=$((i + 1))
		container "EXTRA$i" "$(cid "extra-$i")" "$(rel "$(cid "extra-$i")")"
		eval "spawn \"\$DIRS_EXTRA$i\" $(cid "extra-$i") sleeper sleep 100000"
	done
	wait_for "the extra sleepers asleep" settled "$LASTPID"
	check "insmod max_bytes=16384" sh -c "rmmod corral_sysinfo && insmod $KO max_bytes=16384"
	cat "$FILE" >/tmp/doc-tiny.json
	dump doc-tiny /tmp/doc-tiny.json
	check "max_bytes=16384: a valid document of at most 16384 bytes" \
		within /tmp/doc-tiny.json 16384
	check "max_bytes=16384: it says how many containers it left out" \
		grep -q '"containers_omitted":[1-9]' /tmp/doc-tiny.json
	check "back to the default max_bytes" sh -c "rmmod corral_sysinfo && insmod $KO"
	cat "$FILE" >/tmp/doc-all.json
	summarize /tmp/doc-all.json >/tmp/summary-all.txt
	dump summary-all /tmp/summary-all.txt
fi
kill -TERM "$SWARM"
check "the 5,000 processes stopped and reaped" wait "$SWARM"

# ---- back to an empty host ------------------------------------------------

pids=$(awk '$1 == "member" && $4 != "churn" { print $3 }' "$EXPECT")
for pid in $pids; do
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
emptied() {
	for d in $DIRS_ONE $DIRS_TWO $INNER_DIRS $DIRS_FOUR ${DIRS_SIX:-} \
		$DIRS_SEVEN $DIRS_BIG; do
		[ -z "$(cat "$d/cgroup.procs")" ] || return 1
	done
}
wait_for "container cgroups emptied" emptied
check "empty host again reads \"containers\":[]" read_empty doc-empty-end
dump doc-empty-end /tmp/doc-empty-end.json

# Every reference the module took must be gone: a leaked task or mm
# reference keeps a process that exited allocated. prove.sh turns on
# slub_debug for these caches, which keeps their counts exact (no per-CPU
# caching): a task_struct is a thread /proc still lists (or an idle thread),
# an mm_struct a process with VmSize. One leaked reference shows.
slab_objects() {
	awk -v name="$1" '$1 == name { print $2 }' /proc/slabinfo
}
leak_check() {
	sleep 1 # let RCU free the tasks reaped just now
	threads=$(find /proc/[0-9]*/task -mindepth 1 -maxdepth 1 | wc -l)
	with_mm=$(grep -l '^VmSize:' /proc/[0-9]*/status 2>/dev/null | wc -l)
	tasks=$(slab_objects task_struct)
	mms=$(slab_objects mm_struct)
	echo "corral-proof: task_struct objects $tasks for $threads threads; mm_struct objects $mms for $with_mm processes"
	[ -n "$tasks" ] && [ -n "$mms" ] &&
		[ "$tasks" -le $((threads + 8)) ] && [ "$mms" -le $((with_mm + 8)) ]
}
check "no task or mm reference leaked" leak_check

check "rmmod at the end" rmmod corral_sysinfo
finish
