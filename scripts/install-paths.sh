# shellcheck shell=bash disable=SC2034
# Where `make install` puts Corral and `make uninstall` looks for it; sourced
# by both. Every path may be overridden from the environment; DESTDIR is
# prefixed to each when set (staging a package or an image's root).
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BINDIR=${BINDIR:-$PREFIX/bin}
LIBEXECDIR=${LIBEXECDIR:-$PREFIX/lib/corral}
DATADIR=${DATADIR:-$PREFIX/share/corral}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/corral}
UNITDIR=${UNITDIR:-/etc/systemd/system}
SYSCONFDIR=${SYSCONFDIR:-/etc/corral}
STATEDIR=${STATEDIR:-/var/lib/corral}
# The kernel module's DKMS name and version (kernel-module/dkms.conf).
MODULE_NAME=corral-sysinfo
MODULE_VERSION=1.0.0
