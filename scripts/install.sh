#!/usr/bin/env bash
# Installs Corral as operators run it: the release binary and corral box's C
# helper (built beside it), the generator, the systemd units and timer, the
# default config (never over an edited one), the docs and the Grafana
# dashboard; on the live system (no DESTDIR) also the stress and collector
# images and, where kernel headers exist, the kernel module through DKMS.
# Called by `make install`, which builds the release first.
set -euo pipefail

# shellcheck source=scripts/install-paths.sh
. "$(dirname "${BASH_SOURCE[0]}")/install-paths.sh"
BINARY=${BINARY:-.build/release/corral}
# corral box's C helper: SwiftPM builds it beside the binary.
HELPER=${HELPER:-$(dirname "$BINARY")/corral-box-helper}
check_install_paths || exit 2

say() { echo "install: $*"; }
die() { echo "install: $*" >&2; exit 1; }

[ -x "$BINARY" ] || die "$BINARY is missing: build it with 'make release' (make install does)"
[ -x "$HELPER" ] || die "$HELPER (corral box's helper, built beside $BINARY) is missing: build it with 'make release' (make install does), or set HELPER"
if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then die "installing onto this system needs root (or set DESTDIR to stage it)"; fi

root=$DESTDIR
install -d "$root$BINDIR" "$root$LIBEXECDIR" "$root$DATADIR/grafana" "$root$DOCDIR" "$root$UNITDIR" "$root$SYSCONFDIR"
install -m 0755 "$BINARY" "$root$BINDIR/corral"
strip "$root$BINDIR/corral" 2>/dev/null || true
install -m 0755 "$HELPER" "$root$LIBEXECDIR/corral-box-helper"
strip "$root$LIBEXECDIR/corral-box-helper" 2>/dev/null || true
install -m 0755 generator.sh "$root$LIBEXECDIR/generator.sh"
# The uninstaller goes along, so the source tree is not needed to remove it.
install -m 0755 scripts/uninstall.sh "$root$LIBEXECDIR/uninstall.sh"
install -m 0644 scripts/install-paths.sh "$root$LIBEXECDIR/install-paths.sh"
install -m 0644 README.md "$root$DOCDIR/README.md"
install -m 0644 dashboards/grafana/corral.json "$root$DATADIR/grafana/corral.json"
for unit in deploy/systemd/*.service deploy/systemd/*.timer; do
	sed -e "s#@BINDIR@#$BINDIR#g" -e "s#@LIBEXECDIR@#$LIBEXECDIR#g" -e "s#@DOCDIR@#$DOCDIR#g" "$unit" >"$root$UNITDIR/$(basename "$unit")"
	chmod 0644 "$root$UNITDIR/$(basename "$unit")"
done
say "binary $BINDIR/corral, box helper, generator and uninstaller in $LIBEXECDIR, units in $UNITDIR"

config=$root$SYSCONFDIR/corral.toml
if [ ! -e "$config" ]; then
	install -m 0644 deploy/config/corral.toml "$config"
	say "config $SYSCONFDIR/corral.toml (the defaults, commented)"
elif cmp -s deploy/config/corral.toml "$config"; then
	:
else
	install -m 0644 deploy/config/corral.toml "$config.default"
	say "kept your edited $SYSCONFDIR/corral.toml; the shipped one is beside it as corral.toml.default"
fi

if [ -n "$DESTDIR" ]; then
	say "staged under $DESTDIR: images, kernel module and systemd reload are left to the target system"
	exit 0
fi

# The images the generator and the enforcer run.
if scripts/engine.sh --status; then
	stress-images/build.sh
	dashboards/build-image.sh
else
	say "no Docker daemon answers: build the images later with 'make images' (the generator and the collector need them)"
fi

# The kernel module, through DKMS, where this kernel's headers exist.
kernel=$(uname -r)
if [ ! -d "/lib/modules/$kernel/build" ]; then
	say "no kernel headers for $kernel (/lib/modules/$kernel/build): the kernel module is not installed; the enforcer uses its procfs twin"
elif ! command -v dkms >/dev/null; then
	say "dkms is not installed (apt-get install dkms): the kernel module is not installed; the enforcer uses its procfs twin"
else
	src=/usr/src/$MODULE_NAME-$MODULE_VERSION
	rm -rf "$src"
	install -d "$src"
	cp kernel-module/*.c kernel-module/Kbuild kernel-module/Makefile kernel-module/dkms.conf "$src/"
	dkms remove -m "$MODULE_NAME" -v "$MODULE_VERSION" --all >/dev/null 2>&1 || true
	if dkms install -m "$MODULE_NAME" -v "$MODULE_VERSION" >/tmp/corral-dkms.log 2>&1; then
		echo corral_sysinfo >/etc/modules-load.d/corral.conf
		if modprobe corral_sysinfo 2>/dev/null; then
			say "kernel module loaded: /proc/sysinfo_corral"
		else
			say "kernel module installed through DKMS; it loads at the next boot (modprobe corral_sysinfo)"
		fi
	else
		say "dkms could not build the module for $kernel (see /tmp/corral-dkms.log): the enforcer uses its procfs twin"
	fi
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	say "start it with: systemctl enable --now corral-generator.timer corral-enforcer.service"
	say "boxes (corral box) come back after a reboot with: systemctl enable corral-boxes.service"
else
	say "systemd is not running here: start it with '$BINDIR/corral enforce' and '$LIBEXECDIR/generator.sh --install-cron'; run '$BINDIR/corral box restore' at boot to bring boxes back"
fi
