#!/usr/bin/env bash
# Builds a Debian base image without a registry: debootstrap a minimal root
# with the packages asked for from Debian's own archive, then `docker import`
# it. The image is tagged with a hash of this script and its inputs, so an
# unchanged base is never rebuilt. Prints the image reference on stdout;
# progress goes to stderr. Used for the log collector's base
# (dashboards/build-base.sh) and the systemd host of the deployment test.
set -euo pipefail

SUITE=${CORRAL_BASE_SUITE:-bookworm}
REPO=
MIRROR=${CORRAL_DEBIAN_MIRROR:-}
PACKAGES=
CMD=/bin/bash
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}

usage() {
	cat <<TXT
Usage: scripts/debian-base.sh --repo NAME --packages P1,P2,... [--cmd PATH]
                              [--print-ref] [--force]

Builds NAME:<hash> from a debootstrap'd Debian $SUITE root (minbase) holding
the packages, and prints its reference. Skips the build when an image for the
same inputs (this script, the suite, the repository, the package list, the
command) already exists.

  --repo NAME        image repository, e.g. corral/collector-base
  --packages LIST    comma-separated Debian packages to include
  --cmd PATH         the image's default command (default /bin/bash)
  --print-ref        print the reference the inputs map to and exit (no build)
  --force            rebuild even when the image exists
  -h, --help         this text

Environment:
  CORRAL_DEBIAN_MIRROR  Debian mirror (default: the first one apt is
                        configured with for $SUITE in /etc/apt/sources.list*)
  CORRAL_BASE_SUITE     Debian suite (default bookworm)
  DOCKER_SOCKET         engine socket (default /var/run/docker.sock)
Needs root, debootstrap (apt-get install -y debootstrap) and a Docker daemon
answering on the socket (scripts/engine.sh starts one).
TXT
}

say() { echo "debian-base: $*" >&2; }
die() {
	say "$*"
	exit 1
}

print_only=false
force=false
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--print-ref) print_only=true ;;
	--force) force=true ;;
	--repo) REPO=${2:?--repo needs a name}; shift ;;
	--packages) PACKAGES=${2:?--packages needs a list}; shift ;;
	--cmd) CMD=${2:?--cmd needs a path}; shift ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done
[ -n "$REPO" ] || die "--repo is required (see --help)"
[ -n "$PACKAGES" ] || die "--packages is required (see --help)"

self=$(readlink -f "${BASH_SOURCE[0]}")
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
# The mirror is where the packages come from, not what they are: it stays out
# of the hash so the same image is found whichever mirror built it.
hash=$(
	{
		cat "$self"
		printf 'suite=%s\nrepo=%s\npackages=%s\ncmd=%s\narch=%s\n' "$SUITE" "$REPO" "$PACKAGES" "$CMD" "$arch"
	} | sha256sum | cut -c1-64
)
ref="$REPO:${hash:0:16}"

if $print_only; then
	echo "$ref"
	exit 0
fi

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (apt-get install -y docker.io)"
if [ "$(curl -s --max-time 3 --unix-socket "$SOCKET" http://localhost/_ping 2>/dev/null || true)" != "OK" ]; then
	die "no Docker daemon answers on $SOCKET; start one with scripts/engine.sh"
fi

if ! $force && docker image inspect "$ref" >/dev/null 2>&1; then
	say "$ref is current (inputs hash ${hash:0:16}); not rebuilding"
	echo "$ref"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run as root"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed; run: apt-get install -y debootstrap"

# The first mirror apt is configured with for the suite: deb822 stanzas in
# *.sources (URIs:/Suites:) and one-line entries in *.list.
find_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v suite="$SUITE" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) == suite) { print $i; exit }
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v suite="$SUITE" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && uris != "" && (" " suites " ") ~ (" " suite " ")) {
					split(uris, u, " "); print u[1]; found = 1
				}
				types = ""; uris = ""; suites = ""
			}
			/^[ \t]*$/ { flush(); if (found) exit; next }
			/^Types:/  { sub(/^Types:[ \t]*/, "");  types = $0 }
			/^URIs:/   { sub(/^URIs:[ \t]*/, "");   uris = $0 }
			/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
			END { if (!found) flush() }' "$f"
	done
}

if [ -z "$MIRROR" ]; then
	MIRROR=$(find_mirror | head -n 1)
	[ -n "$MIRROR" ] || die "no Debian mirror for '$SUITE' in /etc/apt/sources.list*; set CORRAL_DEBIAN_MIRROR"
fi

work=$(mktemp -d /var/tmp/corral-base.XXXXXX)
root="$work/root"
log="$work/debootstrap.log"

# debootstrap mounts proc, sys and maybe dev inside the root; a failed run can
# leave them mounted. Unmount everything below the root before deleting it,
# and never cross into another file system while deleting.
unmount_below_root() {
	local m
	[ -d "$root" ] || return 0
	awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || say "could not unmount $m"
	done
}
cleanup() {
	unmount_below_root
	rm -rf --one-file-system "$work" || say "could not remove $work entirely; remove it by hand"
}
trap cleanup EXIT

say "debootstrap $SUITE from $MIRROR into $root (minbase + ${PACKAGES//,/ })"
started=$(date +%s)
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$MIRROR" >"$log" 2>&1; then
	say "debootstrap failed; the last lines of its log:"
	tail -n 30 "$log" >&2
	if [ -f "$root/debootstrap/debootstrap.log" ]; then
		say "and of $root/debootstrap/debootstrap.log:"
		tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	fi
	exit 1
fi
bootstrapped=$(date +%s)
say "debootstrap took $((bootstrapped - started))s"

unmount_below_root
# Downloaded packages and index files are of no use in the image.
rm -rf "${root:?}/var/cache/apt/archives/"*.deb "${root:?}/var/lib/apt/lists/"*

say "importing into $ref"
if ! tar --numeric-owner -C "$root" -c . | docker import \
	--change "LABEL corral.base-hash=$hash" \
	--change "LABEL corral.base-suite=$SUITE" \
	--change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	--change "ENV LANG=C.UTF-8" \
	--change "CMD [\"$CMD\"]" \
	- "$ref" >/dev/null; then
	die "docker import of $root as $ref failed"
fi
say "built $ref in $(($(date +%s) - started))s"
echo "$ref"
