#!/usr/bin/env bash
# Builds the log collector's image, corral/collector:latest, on the local
# Debian base (build-base.sh) or a base given with --base, without a registry.
# The image carries the label corral.build-hash, a hash of everything that goes
# into it (the Dockerfile, requirements.txt, the collector package and the base
# image's id): when the existing image has the same hash nothing is rebuilt.
# Prints the image reference on stdout; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE=${CORRAL_COLLECTOR_IMAGE:-corral/collector:latest}
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}

usage() {
	cat <<TXT
Usage: dashboards/build-image.sh [--base IMAGE] [--force] [--print-hash]

Builds $IMAGE from dashboards/Dockerfile with DOCKER_BUILDKIT=0 and prints its
reference. Skips the build when $IMAGE already carries the same
corral.build-hash label.

  --base IMAGE   base image (default: the local Debian base, built first by
                 dashboards/build-base.sh when missing). It must be present
                 locally: no registry is reachable here.
  --force        rebuild even when the image is current
  --print-hash   print the build hash for the base and exit (no build)
  -h, --help     this text

Environment: CORRAL_COLLECTOR_IMAGE (default corral/collector:latest),
DOCKER_SOCKET (default /var/run/docker.sock). Needs a Docker daemon answering
on the socket (scripts/engine.sh starts one).
TXT
}

say() { echo "build-image: $*" >&2; }
die() {
	say "$*"
	exit 1
}

base=""
force=false
print_hash=false
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--base)
		[ $# -ge 2 ] || die "--base needs an image name (see --help)"
		base=$2
		shift
		;;
	--base=*) base=${1#--base=} ;;
	--force) force=true ;;
	--print-hash) print_hash=true ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (apt-get install -y docker.io)"
if [ "$(curl -s --max-time 3 --unix-socket "$SOCKET" http://localhost/_ping 2>/dev/null || true)" != "OK" ]; then
	die "no Docker daemon answers on $SOCKET; start one with scripts/engine.sh"
fi

if [ -z "$base" ]; then
	base=$("$here/build-base.sh") || die "could not build the local base image (dashboards/build-base.sh failed)"
fi
base_id=$(docker image inspect --format '{{.Id}}' "$base" 2>/dev/null) ||
	die "base image '$base' is not present locally and no registry is reachable; build it with dashboards/build-base.sh or pass --base"

# Everything the Dockerfile copies or reads, by path and content, in a fixed
# order, plus the base it builds on.
inputs() {
	(
		cd "$here"
		{
			printf '%s\n' Dockerfile .dockerignore requirements.txt
			find collector -type f -name '*.py' -not -path '*/__pycache__/*'
		} | LC_ALL=C sort | while read -r f; do
			[ -f "$f" ] || die "missing build input dashboards/$f"
			printf '%s  %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$f"
		done
	)
	printf 'base %s\n' "$base_id"
}
hash=$(inputs | sha256sum | cut -c1-64)

if $print_hash; then
	echo "$hash"
	exit 0
fi

current=$(docker image inspect --format '{{index .Config.Labels "corral.build-hash"}}' "$IMAGE" 2>/dev/null || true)
if ! $force && [ "$current" = "$hash" ]; then
	say "$IMAGE is current (build hash ${hash:0:16}); not rebuilding"
	echo "$IMAGE"
	exit 0
fi

old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
say "building $IMAGE on $base (build hash ${hash:0:16})"
started=$(date +%s)
if ! DOCKER_BUILDKIT=0 docker build \
	--build-arg "BASE=$base" \
	--label "corral.build-hash=$hash" \
	--label "corral.base=$base" \
	--tag "$IMAGE" \
	"$here" >"$log" 2>&1; then
	say "docker build failed; the last lines of its output:"
	tail -n 30 "$log" >&2
	exit 1
fi
say "built $IMAGE in $(($(date +%s) - started))s"
# The image this one replaces is now untagged: drop it unless a container uses it.
if [ -n "$old_id" ] && [ "$old_id" != "$(docker image inspect --format '{{.Id}}' "$IMAGE")" ]; then
	docker image rm "$old_id" >/dev/null 2>&1 || say "kept the previous image ${old_id:7:12} (still in use)"
fi
echo "$IMAGE"
