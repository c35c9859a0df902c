#!/usr/bin/env bash
# Builds Corral's four stress images with no registry: each workload is a
# statically linked C program copied into a FROM scratch image. An image whose
# inputs are unchanged is skipped: its corral.build-hash label says what it was
# built from.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ALL=(high-cpu high-ram low-idle low-tick)
REPO=${CORRAL_IMAGE_REPO:-corral}
force=0

usage() {
	cat <<TXT
Usage: stress-images/build.sh [--force] [IMAGE ...]

Builds the stress images $REPO/{${ALL[*]}} (default: all four), skipping
those already built from the same sources. --force rebuilds regardless.
Needs gcc with static glibc and a running Docker daemon.
TXT
}

say() { echo "images: $*" >&2; }

names=()
for arg in "$@"; do
	case "$arg" in
	-h | --help) usage; exit 0 ;;
	--force) force=1 ;;
	-*) say "unknown option '$arg' (see --help)"; exit 2 ;;
	*)
		if [ ! -f "$here/$arg/Dockerfile" ]; then
			say "no image named '$arg' (known: ${ALL[*]})"
			exit 2
		fi
		names+=("$arg")
		;;
	esac
done
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")

command -v gcc >/dev/null || { say "gcc is missing (run scripts/install-deps.sh)"; exit 1; }
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
	{ say "the Docker daemon does not answer (run scripts/engine.sh)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for name in "${names[@]}"; do
	dir="$here/$name"
	hash=$(cat "$dir/Dockerfile" "$dir/main.c" "$here/common/stress.h" "$here/build.sh" | sha256sum | cut -c1-16)
	current=$(docker image inspect "$REPO/$name" --format '{{index .Config.Labels "corral.build-hash"}}' 2>/dev/null || true)
	if [ "$force" -eq 0 ] && [ "$current" = "$hash" ]; then
		continue
	fi
	ctx="$work/$name"
	mkdir -p "$ctx"
	cp "$dir/Dockerfile" "$ctx/"
	if ! gcc -static -O2 -Wall -Wextra -Werror -pthread -o "$ctx/$name" "$dir/main.c" 2>"$work/gcc.log"; then
		say "compiling $name failed:"
		cat "$work/gcc.log" >&2
		exit 1
	fi
	strip "$ctx/$name"
	# The classic builder: it needs no buildx plugin and no registry.
	if ! DOCKER_BUILDKIT=0 docker build -q --label "corral.build-hash=$hash" -t "$REPO/$name:latest" "$ctx" >"$work/build.log" 2>&1; then
		say "docker build of $REPO/$name failed:"
		cat "$work/build.log" >&2
		exit 1
	fi
	say "built $REPO/$name ($(stat -c %s "$ctx/$name") bytes, hash $hash)"
done
