#!/usr/bin/env bash
# Removes what scripts/install.sh put on the system: stops and disables the
# units, removes the binary, generator, units, docs, the kernel module from
# DKMS, the collector container and Corral's images. Keeps the logs, graphs,
# spool and config unless PURGE=1, and the images when KEEP_IMAGES=1. Called
# by `make uninstall`; installed as $PREFIX/lib/corral/uninstall.sh too.
set -euo pipefail

# shellcheck source=scripts/install-paths.sh
. "$(dirname "${BASH_SOURCE[0]}")/install-paths.sh"
PURGE=${PURGE:-0}
KEEP_IMAGES=${KEEP_IMAGES:-0}
UNITS=(corral-enforcer.service corral-generator.timer corral-generator.service)

say() { echo "uninstall: $*"; }

root=$DESTDIR
if [ -z "$DESTDIR" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "uninstall: needs root (or set DESTDIR)" >&2; exit 1; }
	if [ -d /run/systemd/system ]; then
		# The enforcer's graceful stop draws the final graphs before it goes.
		systemctl disable --now "${UNITS[@]}" >/dev/null 2>&1 || true
		say "stopped and disabled ${UNITS[*]}"
	fi
	"$root$LIBEXECDIR/generator.sh" --remove-cron >/dev/null 2>&1 || true
fi

for unit in "${UNITS[@]}"; do rm -f "$root$UNITDIR/$unit"; done
rm -f "$root$BINDIR/corral"
rm -rf "$root$LIBEXECDIR" "$root$DATADIR" "$root$DOCDIR"
say "removed the binary, the generator, the units and the docs"

if [ -z "$DESTDIR" ]; then
	[ -d /run/systemd/system ] && systemctl daemon-reload
	if command -v dkms >/dev/null && dkms status -m "$MODULE_NAME" 2>/dev/null | grep -q .; then
		rmmod corral_sysinfo 2>/dev/null || true
		dkms remove -m "$MODULE_NAME" -v "$MODULE_VERSION" --all >/dev/null 2>&1 || true
		rm -rf "/usr/src/$MODULE_NAME-$MODULE_VERSION" /etc/modules-load.d/corral.conf
		say "removed the kernel module from DKMS"
	fi
	if [ -S /var/run/docker.sock ] && command -v docker >/dev/null && docker version >/dev/null 2>&1; then
		docker ps -aq --filter label=corral.role=collector | xargs -r docker rm -f >/dev/null
		say "removed the collector container (managed containers are left running: 'docker rm -f \$(docker ps -q --filter label=corral.managed=true)')"
		if [ "$KEEP_IMAGES" != 1 ]; then
			docker images -q 'corral/*' | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
			say "removed Corral's images"
		fi
	fi
fi

if [ "$PURGE" = 1 ]; then
	rm -rf "$root$STATEDIR" "$root$SYSCONFDIR"
	say "purged $STATEDIR (logs, graphs, spool) and $SYSCONFDIR"
else
	say "kept $STATEDIR (logs, graphs, spool) and $SYSCONFDIR; 'make uninstall PURGE=1' removes them too"
fi
