#!/usr/bin/env bash
# Corral's workload generator: each run creates and starts containers from the
# four stress images, picked at random, labelled so Corral manages them. Run it
# from cron or a systemd timer every 30 s to keep the enforcer busy.
set -euo pipefail

# cron starts jobs with a minimal PATH; docker may live in /usr/local/bin.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

REPO=${CORRAL_IMAGE_REPO:-corral}
IMAGES=(high-cpu high-ram low-idle low-tick)
CRON_TAG="# corral-generator"
CRON_LOG=${CORRAL_GENERATOR_LOG:-/var/log/corral-generator.log}
self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

usage() {
	cat <<TXT
Usage: generator.sh [--count N] [--label KEY=VALUE ...]
       generator.sh --install-cron | --remove-cron

Creates and starts N containers (default 10), each from one of the images
$REPO/{${IMAGES[*]}} picked at random. Each is named
corral-<class>-<8 hex chars>, labelled corral.managed=true and
corral.class=<class> (the class comes from the image's own corral.class label),
and runs with --network none. Prints one line per container started.

  --count N        how many containers to start (1 to 1000)
  --label K=V      add a label to every container (repeatable), e.g. to tag a batch
  --install-cron   add two crontab lines, 30 s apart, that run this script every
                   30 s (logging to $CRON_LOG); other lines are left as they are
  --remove-cron    remove those two lines, and only them
  -h, --help       this text

Exits non-zero, creating nothing, when the Docker daemon does not answer or an
image is missing (build them with 'make images'). A container that was created
but could not be started is removed again.
Environment: DOCKER_HOST (the daemon), CORRAL_IMAGE_REPO (default corral).
TXT
}

say() { echo "generator: $*" >&2; }
die() { say "$*"; exit 1; }

current_crontab() { crontab -l 2>/dev/null || true; }

install_cron() {
	command -v crontab >/dev/null || die "crontab is missing (install the cron package)"
	local run="$self >>$CRON_LOG 2>&1"
	{
		current_crontab | grep -v -F "$CRON_TAG" || true
		echo "* * * * * $run $CRON_TAG"
		echo "* * * * * sleep 30 && $run $CRON_TAG"
	} | crontab - || die "crontab refused the new table"
	say "installed: runs every 30 s from cron, logging to $CRON_LOG"
	if ! pgrep -x cron >/dev/null 2>&1 && ! pgrep -x crond >/dev/null 2>&1; then
		say "warning: no cron daemon is running, so nothing will fire (start 'cron')"
	fi
}

remove_cron() {
	command -v crontab >/dev/null || die "crontab is missing (install the cron package)"
	current_crontab | { grep -v -F "$CRON_TAG" || true; } | crontab - || die "crontab refused the new table"
	say "removed the generator's crontab lines"
}

count=10
labels=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--install-cron) install_cron; exit 0 ;;
	--remove-cron) remove_cron; exit 0 ;;
	--count)
		[ $# -ge 2 ] || die "--count needs a number"
		count=$2
		shift 2
		if ! [[ "$count" =~ ^[0-9]+$ ]] || [ "$count" -lt 1 ] || [ "$count" -gt 1000 ]; then
			die "--count must be a number from 1 to 1000, not '$count'"
		fi
		;;
	--label)
		[ $# -ge 2 ] || die "--label needs KEY=VALUE"
		[[ "$2" =~ ^[A-Za-z0-9._/-]+=.*$ ]] || die "--label wants KEY=VALUE, not '$2'"
		case "$2" in corral.managed=* | corral.class=*) die "--label cannot set ${2%%=*}: the generator sets it" ;; esac
		labels+=(--label "$2")
		shift 2
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

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

random_hex() { od -An -N4 -tx1 /dev/urandom | tr -d ' \n'; }
random_index() { echo $(($(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % ${#IMAGES[@]})); }

started=0
failed=0
for _ in $(seq "$count"); do
	i=$(random_index)
	image="$REPO/${IMAGES[$i]}"
	class=${classes[$i]}
	name="corral-$class-$(random_hex)"
	if ! id=$(docker create --name "$name" --network none \
		--label corral.managed=true --label "corral.class=$class" "${labels[@]}" "$image" 2>&1); then
		say "could not create $name from $image: $id"
		failed=$((failed + 1))
		continue
	fi
	if ! err=$(docker start "$id" 2>&1 >/dev/null); then
		say "could not start $name: $err; removing it"
		docker rm -f "$id" >/dev/null 2>&1 || say "warning: could not remove $name ($id)"
		failed=$((failed + 1))
		continue
	fi
	printf 'started %s  class=%s  image=%s  id=%s\n' "$name" "$class" "$image" "${id:0:12}"
	started=$((started + 1))
done

if [ "$failed" -gt 0 ]; then
	say "started $started container(s); $failed failed"
	exit 1
fi
say "started $started container(s)"
