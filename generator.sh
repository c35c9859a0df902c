#!/usr/bin/env bash
# Corral's workload generator: each run creates and starts containers running
# the four stress workloads, picked at random, labelled so Corral manages them:
# Docker containers from the stress images, or (--runtime native) Corral's own
# boxes running the same workloads as shell commands. Run it from cron or a
# systemd timer every 30 s to keep the enforcer busy.
set -euo pipefail

# cron starts jobs with a minimal PATH; docker and corral may live in /usr/local/bin.
# Appended, so the caller's own PATH still decides first.
PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

REPO=${CORRAL_IMAGE_REPO:-corral}
IMAGES=(high-cpu high-ram low-idle low-tick)
BOX_IMAGE=${CORRAL_BOX_IMAGE:-debian}
# --runtime native: each workload's class (the stress image's corral.class) and
# what it runs in the box's /bin/sh, indexed as IMAGES. high-ram holds 256 MiB
# in 16 variables of 16 MiB: one of 256 MiB passes through twice that while
# the shell reads it (measured: 514 MiB at the peak), over the box's limit;
# 16 of them peak at about 275 MiB and stay there.
BOX_CLASSES=(high high low low)
# shellcheck disable=SC2016 # the box's shell expands them, not this one
BOX_COMMANDS=(
	'echo "high-cpu: burning 1 thread"; while :; do :; done'
	'i=0; while [ "$i" -lt 16 ]; do eval "m$i=\$(yes | head -c 16777216)"; i=$((i + 1)); done; echo "high-ram: holding 256 MiB"; while :; do sleep 3600; done'
	'echo "low-idle: sleeping"; exec sleep infinity'
	'echo "low-tick: ticking every second"; while :; do sleep 1; done'
)
BOX_LIMITS=(--memory 512M --disk 64M --pids 64)
CRON_TAG="# corral-generator"
CRON_LOG=${CORRAL_GENERATOR_LOG:-/var/log/corral-generator.log}
DEFAULT_MAX_MANAGED=40
# EX_TEMPFAIL: the host is at the cap, try again later.
AT_CAP_STATUS=75
self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

usage() {
	cat <<TXT
Usage: generator.sh [--runtime docker|native] [--count N] [--label KEY=VALUE ...] [--max-managed N]
       generator.sh [--runtime docker|native] --install-cron | --remove-cron

Creates and starts N containers (default 10), each running one of the four
workloads (${IMAGES[*]}) picked at random. Each is named
corral-<class>-<8 hex chars> and labelled corral.managed=true and
corral.class=<class>. Prints one line per container started.

  --runtime R      where they run (default docker, or CORRAL_RUNTIME):
                   docker  containers from the images $REPO/<workload>, the
                           class from the image's own corral.class label,
                           with --network none
                   native  Corral's own boxes (corral box) from the box image
                           $BOX_IMAGE, each running its workload as a shell
                           command (high-cpu a busy loop, high-ram 256 MiB
                           held, low-idle a sleep, low-tick a sleep every
                           second), with ${BOX_LIMITS[*]}, also
                           labelled corral.workload=<workload>; needs root and jq
  --count N        how many containers to start (1 to 1000)
  --label K=V      add a label to every container (repeatable), e.g. to tag a batch
  --max-managed N  the host's cap (default $DEFAULT_MAX_MANAGED, or CORRAL_MAX_MANAGED;
                   0 turns it off): never more than N managed containers
  --install-cron   add two crontab lines, 30 s apart, that run this script every
                   30 s with this --runtime, logging to
                   $CRON_LOG; other lines are left as they
                   are (generator lines of either runtime are replaced)
  --remove-cron    remove those two lines, and only them (whichever runtime)
  --from-cron      how those lines run it: start nothing once the lines are
                   gone (a run cron had already started, such as the one that
                   sleeps 30 s first, finds them removed and stops)
  -h, --help       this text

The cap keeps a generator whose enforcer is dead from flooding the host. It
counts every container on the host labelled corral.managed=true that is
running, paused, restarting or created (not exited), except those labelled
corral.protected=true, whoever made them; with --runtime native, every box
'corral box ls' lists so labelled that is running or created. A run starts at
most the cap minus that count: near the cap it tops up, at the cap it starts
nothing and says so in one line on stderr. Runs on one host take turns (a lock
on this script), so two runs cannot both fill the same room.

Exit status:
  0   started every container asked for, or as many as the cap left room for
  75  started none: the host is at the cap (EX_TEMPFAIL; a normal state, not a
      failure: corral-generator.service lists 75 in SuccessExitStatus=)
  1   the daemon does not answer, an image is missing, a container failed to
      start, or a crontab could not be read or written; with --runtime native,
      corral, jq or the box image is missing, or this is not root
  2   a bad argument

Exits non-zero, creating nothing, when the Docker daemon does not answer or an
image is missing (build them with 'make images'); with --runtime native, when
corral is not found (CORRAL_BIN, then PATH, then /usr/local/bin/corral) or the
box image is missing (build it with 'corral box image build $BOX_IMAGE'). A
container that was created but could not be started is removed again.

--install-cron and --remove-cron touch only the generator's own lines: lines
that start with '* * * * * ' and end with ' $CRON_TAG'. When 'crontab -l' fails
for any reason other than "no crontab for USER", they change nothing and exit 1.
The lines carry --runtime, not the environment: cron's runs find corral on
PATH or in /usr/local/bin, and use the default box root and image.

Environment: DOCKER_HOST (the daemon), CORRAL_IMAGE_REPO (default corral),
CORRAL_MAX_MANAGED (the cap, default $DEFAULT_MAX_MANAGED; --max-managed wins),
CORRAL_GENERATOR_LOG (the cron lines' log, default /var/log/corral-generator.log),
CORRAL_RUNTIME (docker or native; --runtime wins), CORRAL_BIN (the corral
binary for native), CORRAL_BOX_IMAGE (the box image, default debian), and
CORRAL_BOX_ROOT, CORRAL_BOX_IMAGES (where corral box keeps boxes and images).
TXT
}

say() { echo "generator: $*" >&2; }
die() { say "$*"; exit 1; }
usage_error() { say "$*"; exit 2; }

# The crontab as it stands, on stdout; "no crontab for USER" is an empty one.
# Any other failure of `crontab -l` (a spool it cannot read, a PAM refusal)
# aborts: writing a table after it would replace the user's with ours alone.
current_crontab() {
	local err status=0
	err=$(mktemp) || die "cannot make a temporary file"
	crontab -l 2>"$err" || status=$?
	if [ "$status" -ne 0 ]; then
		if grep -q '^no crontab for ' "$err"; then
			rm -f "$err"
			return 0
		fi
		say "crontab -l failed (exit $status): $(tr '\n' ' ' <"$err")"
		rm -f "$err"
		return 1
	fi
	rm -f "$err"
}

# Ours: the lines --install-cron writes, which start with five stars and end
# with the tag. A line that only mentions the tag elsewhere is the user's.
is_ours() { [[ "$1" == "* * * * * "* && "$1" == *" $CRON_TAG" ]]; }

# The table without our lines, on stdout.
others() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		is_ours "$line" || printf '%s\n' "$line"
	done <<<"$1"
}

install_cron() {
	command -v crontab >/dev/null || die "crontab is missing (install the cron package)"
	local table run
	table=$(current_crontab) || die "crontab left as it was"
	printf -v run '%q --runtime %q --from-cron >>%q 2>&1' "$self" "$runtime" "$CRON_LOG"
	{
		[ -z "$table" ] || others "$table"
		echo "* * * * * $run $CRON_TAG"
		echo "* * * * * sleep 30 && $run $CRON_TAG"
	} | crontab - || die "crontab refused the new table"
	say "installed: runs every 30 s from cron with --runtime $runtime, logging to $CRON_LOG"
	# cron's runs see neither CORRAL_BIN nor the caller's PATH.
	if [ "$runtime" = native ] && ! PATH=/usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin CORRAL_BIN='' find_corral >/dev/null; then
		say "warning: cron's runs will not find corral (not in /usr/local/bin or /usr/bin): install it there ('make install')"
	fi
	if ! pgrep -x cron >/dev/null 2>&1 && ! pgrep -x crond >/dev/null 2>&1; then
		say "warning: no cron daemon is running, so nothing will fire (start 'cron')"
	fi
}

remove_cron() {
	command -v crontab >/dev/null || die "crontab is missing (install the cron package)"
	local table kept
	table=$(current_crontab) || die "crontab left as it was"
	kept=$( [ -z "$table" ] || others "$table")
	if [ "$kept" = "$table" ]; then
		say "no generator lines in the crontab; nothing to remove"
		return 0
	fi
	printf '%s\n' "$kept" | sed '${/^$/d}' | crontab - || die "crontab refused the new table"
	say "removed the generator's crontab lines"
}

# The corral binary --runtime native drives, on stdout: CORRAL_BIN, else the
# one on PATH, else the installed one.
find_corral() {
	if [ -n "${CORRAL_BIN:-}" ]; then
		[ -f "$CORRAL_BIN" ] && [ -x "$CORRAL_BIN" ] || return 1
		echo "$CORRAL_BIN"
	elif command -v corral; then
		:
	elif [ -x /usr/local/bin/corral ]; then
		echo /usr/local/bin/corral
	else
		return 1
	fi
}

# Runs corral with the arguments, for its stdout alone (its warnings stay out
# of the JSON); when it fails, says so with its last line of stderr.
corral_out() {
	local err out last status=0
	err=$(mktemp) || die "cannot make a temporary file"
	out=$("$corral" "$@" 2>"$err") || status=$?
	if [ "$status" -ne 0 ]; then
		last=$(tail -n 1 "$err")
		say "'corral $*' failed (exit $status)${last:+: $last}"
		rm -f "$err"
		return 1
	fi
	rm -f "$err"
	printf '%s\n' "$out"
}

count=10
from_cron=0
action=
labels=()
max_managed=${CORRAL_MAX_MANAGED:-$DEFAULT_MAX_MANAGED}
max_from="CORRAL_MAX_MANAGED"
[ -n "${CORRAL_MAX_MANAGED:-}" ] || max_from="default"
runtime=${CORRAL_RUNTIME:-docker}
runtime_from="CORRAL_RUNTIME"
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--install-cron | --remove-cron)
		[ -z "$action" ] || [ "$action" = "$1" ] || usage_error "--install-cron and --remove-cron cannot go together"
		action=$1
		shift
		;;
	--from-cron) from_cron=1; shift ;;
	--runtime)
		[ $# -ge 2 ] || usage_error "--runtime needs docker or native"
		runtime=$2
		runtime_from="--runtime"
		shift 2
		;;
	--count)
		[ $# -ge 2 ] || usage_error "--count needs a number"
		count=$2
		shift 2
		if ! [[ "$count" =~ ^[0-9]+$ ]] || [ "$count" -lt 1 ] || [ "$count" -gt 1000 ]; then
			usage_error "--count must be a number from 1 to 1000, not '$count'"
		fi
		;;
	--max-managed)
		[ $# -ge 2 ] || usage_error "--max-managed needs a number"
		max_managed=$2
		max_from="--max-managed"
		shift 2
		;;
	--label)
		[ $# -ge 2 ] || usage_error "--label needs KEY=VALUE"
		[[ "$2" =~ ^[A-Za-z0-9._/-]+=.*$ ]] || usage_error "--label wants KEY=VALUE, not '$2'"
		case "$2" in corral.managed=* | corral.class=* | corral.protected=* | corral.role=*) usage_error "--label cannot set ${2%%=*}: the generator sets it or Corral reserves it" ;; esac
		labels+=(--label "$2")
		shift 2
		;;
	*) usage_error "unknown argument '$1' (see --help)" ;;
	esac
done
case "$runtime" in
docker | native) ;;
*) usage_error "$runtime_from must be docker or native, not '$runtime'" ;;
esac
if [ "$runtime" = native ]; then
	for label in "${labels[@]}"; do
		case "$label" in corral.workload=*) usage_error "--label cannot set corral.workload: the generator sets it" ;; esac
	done
fi
case "$action" in
--install-cron) install_cron; exit 0 ;;
--remove-cron) remove_cron; exit 0 ;;
esac
if ! [[ "$max_managed" =~ ^[0-9]{1,6}$ ]]; then
	usage_error "$max_from must be a number from 0 (no cap) to 999999, not '$max_managed'"
fi
max_managed=$((10#$max_managed))

if [ "$runtime" = docker ]; then
	one=container things=containers some="container(s)"
	command -v docker >/dev/null || die "the docker command is missing (install docker.io)"
	if ! err=$(docker version --format '{{.Server.Version}}' 2>&1 >/dev/null); then
		die "the Docker daemon does not answer${DOCKER_HOST:+ at $DOCKER_HOST}: ${err##*$'\n'}"
	fi

	# Check every image before creating anything, so a missing one leaves the
	# host as it was.
	classes=()
	for image in "${IMAGES[@]}"; do
		if ! class=$(docker image inspect --format '{{index .Config.Labels "corral.class"}}' "$REPO/$image" 2>/dev/null); then
			die "image $REPO/$image is missing: build it with 'make images'"
		fi
		case "$class" in
		high | low) classes+=("$class") ;;
		*) die "image $REPO/$image has corral.class='$class'; expected high or low" ;;
		esac
	done
else
	one=box things=boxes some="box(es)"
	if [ -n "${CORRAL_BIN:-}" ]; then
		corral=$(find_corral) || die "CORRAL_BIN=$CORRAL_BIN is not an executable file"
	else
		corral=$(find_corral) || die "the corral command is missing (not on PATH nor in /usr/local/bin): install it with 'make install', or set CORRAL_BIN"
	fi
	command -v jq >/dev/null || die "jq is missing (install the jq package): --runtime native reads corral box's JSON with it"
	[ "$(id -u)" -eq 0 ] || die "--runtime native needs root, as corral box does"
	# The image before anything is created, as for Docker.
	images=$(corral_out box image ls --json) || die "cannot tell whether the box image $BOX_IMAGE is there"
	known=$(jq -r --arg name "$BOX_IMAGE" 'if type == "array" then any(.[]; .name == $name) else "unreadable" end' <<<"$images" 2>/dev/null) || known=unreadable
	case "$known" in
	true) ;;
	false) die "box image $BOX_IMAGE is missing: build it with 'corral box image build $BOX_IMAGE'" ;;
	*) die "'corral box image ls --json' printed something that is not a JSON array: $(head -c 200 <<<"$images")" ;;
	esac
fi

# Runs take turns so two of them cannot both count the same room; the lock
# is this script itself, readable wherever it runs (a read-only root under
# systemd's ProtectSystem= included). Whoever removes the cron lines and then
# takes this lock (make run's cleanup) knows no cron run starts anything after.
exec 9<"$self"
flock -w 120 9 || say "warning: another run has held the lock for 120 s; going on without it"

if [ "$from_cron" = 1 ]; then
	table=$(current_crontab) || die "cannot tell whether the generator's crontab lines are still there"
	ours=0
	while IFS= read -r line; do
		if is_ours "$line"; then ours=1; fi
	done <<<"$table"
	if [ "$ours" = 0 ]; then
		say "its crontab lines are gone (removed when the enforcer stopped): starting nothing"
		exit 0
	fi
fi

# The cap.
if [ "$max_managed" -gt 0 ]; then
	if [ "$runtime" = docker ]; then
		if ! states=$(docker ps -a --filter label=corral.managed=true \
			--filter status=running --filter status=created --filter status=restarting --filter status=paused \
			--format 'protected={{.Label "corral.protected"}}' 2>&1); then
			die "could not list the managed containers: ${states##*$'\n'}"
		fi
		managed=0
		while IFS= read -r line; do
			case "$line" in protected=true) ;; protected=*) managed=$((managed + 1)) ;; esac
		done <<<"$states"
	else
		boxes=$(corral_out box ls --json) || die "could not list the managed boxes"
		if ! managed=$(jq '[.[] | select(.labels["corral.managed"] == "true" and .labels["corral.protected"] != "true"
			and (.state == "running" or .state == "created"))] | length' <<<"$boxes" 2>/dev/null); then
			die "'corral box ls --json' printed something that is not a JSON array of boxes: $(head -c 200 <<<"$boxes")"
		fi
	fi
	room=$((max_managed - managed))
	if [ "$room" -le 0 ]; then
		say "at the cap: $managed managed $things on the host, cap $max_managed ($max_from); started none"
		exit "$AT_CAP_STATUS"
	fi
	if [ "$room" -lt "$count" ]; then
		say "near the cap: $managed managed $things on the host, cap $max_managed ($max_from); starting $room of $count"
		count=$room
	fi
fi

random_hex() { od -An -N4 -tx1 /dev/urandom | tr -d ' \n'; }
random_index() { echo $(($(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % ${#IMAGES[@]})); }

# One container from image $1 (an index into IMAGES); says what went wrong
# and returns 1 when it could not be started.
start_container() {
	local image="$REPO/${IMAGES[$1]}" class=${classes[$1]} name id err
	name="corral-$class-$(random_hex)"
	# The id is stdout's last line; the CLI's warnings go to stderr and stay
	# out of it.
	if ! id=$(docker create --name "$name" --network none \
		--label corral.managed=true --label "corral.class=$class" "${labels[@]}" "$image" 2>"$create_err"); then
		say "could not create $name from $image: $(tail -n 1 "$create_err")"
		return 1
	fi
	id=${id##*$'\n'}
	if ! err=$(docker start "$id" 2>&1 >/dev/null); then
		say "could not start $name: $err; removing it"
		docker rm -f "$id" >/dev/null 2>&1 || say "warning: could not remove $name ($id)"
		return 1
	fi
	printf 'started %s  class=%s  image=%s  id=%s\n' "$name" "$class" "$image" "${id:0:12}"
}

# One box running workload $1 (an index into IMAGES), as start_container.
start_box() {
	local workload=${IMAGES[$1]} class=${BOX_CLASSES[$1]} name id err
	name="corral-$class-$(random_hex)"
	# corral box create prints the id alone on stdout.
	if ! id=$("$corral" box create "$name" --image "$BOX_IMAGE" "${BOX_LIMITS[@]}" \
		--label corral.managed=true --label "corral.class=$class" --label "corral.workload=$workload" "${labels[@]}" \
		-- /bin/sh -c "${BOX_COMMANDS[$1]}" 2>"$create_err"); then
		say "could not create box $name ($workload) from $BOX_IMAGE: $(tail -n 1 "$create_err")"
		return 1
	fi
	id=${id##*$'\n'}
	if ! err=$("$corral" box start "$id" 2>&1 >/dev/null); then
		say "could not start box $name: ${err//$'\n'/; }; removing it"
		"$corral" box rm --force "$id" >/dev/null 2>&1 || say "warning: could not remove box $name ($id)"
		return 1
	fi
	printf 'started %s  class=%s  workload=%s  image=%s  id=%s\n' "$name" "$class" "$workload" "$BOX_IMAGE" "${id:0:12}"
}

started=0
failed=0
create_err=$(mktemp)
trap 'rm -f "$create_err"' EXIT
for _ in $(seq "$count"); do
	i=$(random_index)
	if "start_$one" "$i"; then
		started=$((started + 1))
	else
		failed=$((failed + 1))
	fi
done

if [ "$failed" -gt 0 ]; then
	say "started $started $some; $failed failed"
	exit 1
fi
say "started $started $some"
