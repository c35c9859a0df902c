# shellcheck shell=bash disable=SC2034
# Where `make install` puts Corral and `make uninstall` looks for it; sourced
# by both. Every path may be overridden from the environment (set but empty
# is refused, not defaulted); DESTDIR is prefixed to each when set (staging a
# package or an image's root).
# check_install_paths refuses values that could aim either script at a
# directory that is not Corral's: both call it before touching anything.
PREFIX=${PREFIX-/usr/local}
DESTDIR=${DESTDIR:-}
BINDIR=${BINDIR-$PREFIX/bin}
LIBEXECDIR=${LIBEXECDIR-$PREFIX/lib/corral}
DATADIR=${DATADIR-$PREFIX/share/corral}
DOCDIR=${DOCDIR-$PREFIX/share/doc/corral}
UNITDIR=${UNITDIR-/etc/systemd/system}
SYSCONFDIR=${SYSCONFDIR-/etc/corral}
STATEDIR=${STATEDIR-/var/lib/corral}
# The kernel module's DKMS name and version (kernel-module/dkms.conf).
MODULE_NAME=corral-sysinfo
MODULE_VERSION=1.0.0

# An absolute, normalised path other than /: no empty, . or .. component, no
# doubled or trailing slash, no newline.
is_plain_absolute_path() {
	local path=$1
	[[ "$path" == /?* ]] || return 1
	[[ "$path" != *$'\n'* && "$path" != *//* && "$path" != */ ]] || return 1
	[[ "/$path/" != */./* && "/$path/" != */../* ]] || return 1
}

# The directories Corral owns outright (it may remove them whole) end in
# /corral; every other path only ever loses the files Corral put there.
check_install_paths() {
	local name value
	if [ -n "$DESTDIR" ] && ! is_plain_absolute_path "$DESTDIR"; then
		echo "${0##*/}: DESTDIR must be empty (this system) or an absolute path other than /, not '$DESTDIR'" >&2
		return 1
	fi
	for name in PREFIX BINDIR LIBEXECDIR DATADIR DOCDIR UNITDIR SYSCONFDIR STATEDIR; do
		value=${!name}
		if ! is_plain_absolute_path "$value"; then
			echo "${0##*/}: $name must be an absolute path other than / (no '.', '..' or '//'), not '$value'" >&2
			return 1
		fi
	done
	for name in LIBEXECDIR DATADIR DOCDIR SYSCONFDIR STATEDIR; do
		value=${!name}
		if [[ "$value" != */corral ]]; then
			echo "${0##*/}: $name must end in /corral (a directory Corral owns), not '$value'" >&2
			return 1
		fi
	done
}
