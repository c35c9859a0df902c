#!/usr/bin/env bash
# Installs, from Debian's archive, what Corral's make targets need on a fresh
# Debian 12 machine. Idempotent: packages already present are not touched and
# nothing is printed for them; apt runs only when something is missing.
set -euo pipefail

usage() {
	cat <<'TXT'
Usage: scripts/install-deps.sh [GROUP ...]

Installs the Debian packages Corral needs, quietly skipping those already
installed. Groups (default: base):
  base     docker engine, C toolchain, libcgroup, libsystemd, busybox, cron,
           debootstrap (the collector image), systemd (journald), python3
           jsonschema and pytest (tests),
           shellcheck, curl, jq
  kernel   linux headers and image, qemu, cpio (the kernel module's qemu proof)
  all      every group
Must run as root.
TXT
}

declare -A groups=(
	[base]="docker.io libcgroup-dev libsystemd-dev busybox-static build-essential pkg-config cron shellcheck curl jq procps ca-certificates debootstrap python3-jsonschema python3-pytest systemd"
	[kernel]="linux-headers-amd64 linux-image-amd64 qemu-system-x86 cpio kmod"
)

wanted=()
[ $# -eq 0 ] && set -- base
for g in "$@"; do
	case "$g" in
	-h | --help) usage; exit 0 ;;
	all) for k in "${!groups[@]}"; do read -ra p <<<"${groups[$k]}"; wanted+=("${p[@]}"); done ;;
	*)
		if [ -z "${groups[$g]+x}" ]; then
			echo "install-deps: unknown group '$g' (see --help)" >&2
			exit 2
		fi
		read -ra p <<<"${groups[$g]}"
		wanted+=("${p[@]}")
		;;
	esac
done

missing=()
for pkg in "${wanted[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}) and not root: run as root or install them yourself" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	echo "install-deps: apt-get failed installing ${missing[*]}; its last lines:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
