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
  build    what the Swift build alone needs (make check): C toolchain,
           pkg-config, libcgroup, libsystemd
  base     build's, and the docker engine, iptables (box networking),
           the ssh client, busybox, cron,
           debootstrap (the collector image), systemd (journald), python3
           jsonschema, pytest and yaml (tests),
           shellcheck, curl, jq
  kernel   linux headers and image, qemu, cpio (the kernel module's qemu proof)
  metrics  promtool (checks the enforcer's /metrics), taken from Debian's
           prometheus package without installing or starting the server
  postgres PostgreSQL 15 server and client, for the tests and benchmarks that
           start one of their own (no system cluster is made or started)
  bench    wrk (the farm's benchmark rows), and earlyoom (the pressure row's
           anchor), its binary alone from Debian's package: the package's
           service would watch and kill on this host wherever systemd runs
  all      every group
Must run as root.
TXT
}

declare -A groups=(
	[build]="libcgroup-dev libsystemd-dev build-essential pkg-config"
	[base]="docker.io iproute2 iptables openssh-client libcgroup-dev libsystemd-dev busybox-static build-essential pkg-config cron shellcheck curl jq procps ca-certificates debootstrap python3-jsonschema python3-pytest python3-yaml systemd"
	[kernel]="linux-headers-amd64 linux-image-amd64 qemu-system-x86 cpio kmod"
	[metrics]=""
	[postgres]="postgresql-15 postgresql-client-15"
	[bench]="wrk"
)

# One binary out of a Debian package, into /usr/local/bin, the rest left out:
# promtool without the Prometheus server the prometheus package would install
# (and, where services start, run on every interface); earlyoom without the
# service that would start killing on this host.
install_binary() {
	local name=$1 package=$2
	command -v "$name" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: $name is missing and not root: run as root" >&2
		exit 1
	fi
	echo "install-deps: installing $name (from Debian's $package package, its binary alone)"
	local dir
	dir=$(mktemp -d)
	if ! (cd "$dir" && { apt-get download -q "$package" || { apt-get update -q && apt-get download -q "$package"; }; } >"$dir/log" 2>&1); then
		echo "install-deps: apt-get download $package failed; its last lines:" >&2
		tail -n 20 "$dir/log" >&2
		rm -rf "$dir"
		exit 1
	fi
	dpkg-deb -x "$dir/${package}"_*.deb "$dir/root"
	install -m 0755 "$dir/root/usr/bin/$name" "/usr/local/bin/$name"
	rm -rf "$dir"
}

binaries() {
	[ "$promtool" = no ] || install_binary promtool prometheus
	[ "$earlyoom" = no ] || install_binary earlyoom earlyoom
}

wanted=()
promtool=no
earlyoom=no
[ $# -eq 0 ] && set -- base
for g in "$@"; do
	[ "$g" = metrics ] || [ "$g" = all ] && promtool=yes
	[ "$g" = bench ] || [ "$g" = all ] && earlyoom=yes
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
if [ ${#missing[@]} -eq 0 ]; then
	binaries
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}) and not root: run as root or install them yourself" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The tests start PostgreSQL themselves (scripts/tests/with-postgres.sh): the
# package must not make (and start) a system cluster of its own.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
	mkdir -p /etc/postgresql-common
	grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
		echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	echo "install-deps: apt-get failed installing ${missing[*]}; its last lines:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
binaries
exit 0
