#!/usr/bin/env bash
# Removes what scripts/install.sh put on the system: stops and disables the
# units, removes the binary, the box helper, generator, units, docs, the
# kernel module from DKMS, the collector container and Corral's images. Keeps
# the logs, graphs, spool and config unless PURGE=1, and the images when
# KEEP_IMAGES=1. Boxes (corral box) are left as they are, and named. Called
# by `make uninstall`; installed as $PREFIX/lib/corral/uninstall.sh too.
#
# It removes nothing it did not install: files by their exact names, then
# Corral's own directories (those ending in /corral) with rmdir, so whatever
# else someone put there stays and is named. Only PURGE=1 empties the state
# and config directories whole, and only those ending in /corral. Paths from
# the environment are checked first (scripts/install-paths.sh): an empty,
# relative or '/' PREFIX, DESTDIR or directory is refused before anything goes.
set -euo pipefail

# shellcheck source=scripts/install-paths.sh
. "$(dirname "${BASH_SOURCE[0]}")/install-paths.sh"
PURGE=${PURGE:-0}
KEEP_IMAGES=${KEEP_IMAGES:-0}
UNITS=(corral-enforcer.service corral-generator.timer corral-generator.service corral-control.service corral-control-replica.service corral-agent.service
	corral-boxes.service)
# What install.sh puts in Corral's directories.
LIBEXEC_FILES=(corral-box-helper generator.sh uninstall.sh install-paths.sh)
DOC_FILES=(README.md)
DATA_FILES=(grafana/corral.json)
CONFIG_FILES=(corral.toml corral.toml.default)

say() { echo "uninstall: $*"; }
die() { echo "uninstall: $*" >&2; exit 1; }

check_install_paths || exit 2
case "$PURGE" in 0 | 1 | "") ;; *) die "PURGE must be 0 or 1, not '$PURGE'" ;; esac

root=$DESTDIR
if [ -z "$DESTDIR" ]; then
	[ "$(id -u)" -eq 0 ] || die "needs root (or set DESTDIR)"
	if [ -d /run/systemd/system ]; then
		# The enforcer's graceful stop draws the final graphs before it goes.
		systemctl disable --now "${UNITS[@]}" >/dev/null 2>&1 || true
		say "stopped and disabled ${UNITS[*]}"
	fi
	# Boxes outlive the uninstall, and only corral stops or removes them.
	boxes=0
	if [ -d "$STATEDIR/boxes" ]; then
		boxes=$(find "$STATEDIR/boxes" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l) || boxes=0
	fi
	if [ "$boxes" -gt 0 ]; then
		say "warning: $boxes box(es) under $STATEDIR/boxes are left as they are, running ones running ('corral box rm --force NAME' before uninstalling removes one)"
	fi
	if [ -x "$LIBEXECDIR/generator.sh" ]; then
		"$LIBEXECDIR/generator.sh" --remove-cron >/dev/null 2>&1 || say "warning: could not remove the generator's crontab lines ('$LIBEXECDIR/generator.sh --remove-cron' says why)"
	fi
fi

# A file by its exact name; never a directory, whatever the name holds.
remove_file() {
	if [ -L "$1" ] || [ -f "$1" ]; then
		rm -f -- "$1"
	elif [ -e "$1" ]; then
		say "warning: $1 is not a file; left as it is"
	fi
}

# A directory of Corral's, once empty; what someone else put there stays.
remove_dir() {
	[ -d "$1" ] && [ ! -L "$1" ] || return 0
	if ! rmdir -- "$1" 2>/dev/null; then
		say "kept $1: it holds files Corral did not install ($(find "$1" -mindepth 1 -maxdepth 2 -printf '%P\n' | head -n 10 | paste -s -d' '))"
	fi
}

for unit in "${UNITS[@]}"; do remove_file "$root$UNITDIR/$unit"; done
# Enablement links (systemctl enable, or --root on a staged tree), by name.
for link in multi-user.target.wants/corral-enforcer.service timers.target.wants/corral-generator.timer \
	corral-enforcer.service.wants/corral-generator.timer multi-user.target.wants/corral-control.service \
	multi-user.target.wants/corral-control-replica.service multi-user.target.wants/corral-agent.service \
	multi-user.target.wants/corral-boxes.service; do
	if [ -L "$root$UNITDIR/$link" ]; then rm -f -- "$root$UNITDIR/$link"; fi
done
if [ -d "$root$UNITDIR/corral-enforcer.service.wants" ]; then
	rmdir -- "$root$UNITDIR/corral-enforcer.service.wants" 2>/dev/null || true
fi
remove_file "$root$BINDIR/corral"
for file in "${LIBEXEC_FILES[@]}"; do remove_file "$root$LIBEXECDIR/$file"; done
for file in "${DOC_FILES[@]}"; do remove_file "$root$DOCDIR/$file"; done
for file in "${DATA_FILES[@]}"; do remove_file "$root$DATADIR/$file"; done
remove_dir "$root$LIBEXECDIR"
remove_dir "$root$DOCDIR"
remove_dir "$root$DATADIR/grafana"
remove_dir "$root$DATADIR"
say "removed the binary, the box helper, the generator, the units and the docs"

if [ -z "$DESTDIR" ]; then
	if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	if command -v dkms >/dev/null && dkms status -m "$MODULE_NAME" 2>/dev/null | grep -q .; then
		rmmod corral_sysinfo 2>/dev/null || true
		dkms remove -m "$MODULE_NAME" -v "$MODULE_VERSION" --all >/dev/null 2>&1 || true
		rm -rf -- "/usr/src/$MODULE_NAME-$MODULE_VERSION"
		rm -f -- /etc/modules-load.d/corral.conf
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
	# Logs, graphs and spool have no fixed names: the state directory goes
	# whole, which check_install_paths allows only for a path ending in /corral.
	if [ -L "$root$STATEDIR" ]; then
		rm -f -- "$root$STATEDIR"
	elif [ -d "$root$STATEDIR" ]; then
		rm -rf --one-file-system -- "$root$STATEDIR"
	fi
	for file in "${CONFIG_FILES[@]}"; do remove_file "$root$SYSCONFDIR/$file"; done
	remove_dir "$root$SYSCONFDIR"
	say "purged $STATEDIR (logs, graphs, spool) and $SYSCONFDIR"
else
	say "kept $STATEDIR (logs, graphs, spool) and $SYSCONFDIR; 'make uninstall PURGE=1' removes them too"
fi
