#!/usr/bin/env bash
# Runs a command beside a PostgreSQL server of its own: Debian's postgres,
# initdb'd into a temporary directory, listening on 127.0.0.1 at a free port
# (and a unix socket in the same directory), stopped and removed afterwards
# whatever the command did. The command gets CORRAL_TEST_POSTGRES, the
# server's URL without a database (postgresql://corral@127.0.0.1:PORT), whose
# user `corral` is a superuser that may create databases of its own.
set -euo pipefail

usage() {
	cat <<'TXT'
Usage: scripts/tests/with-postgres.sh COMMAND [ARGS...]

Starts a throw-away PostgreSQL (user corral, trust authentication, loopback
only), runs COMMAND with CORRAL_TEST_POSTGRES=postgresql://corral@127.0.0.1:PORT,
then stops the server and removes its files. Exits with COMMAND's status.
Run as root (initdb runs as the postgres user) or as any other user.
Needs Debian's postgresql-15 (PG_BIN overrides /usr/lib/postgresql/15/bin).
TXT
}
case "${1:-}" in -h | --help | "") usage; exit 0 ;; esac

say() { echo "with-postgres: $*" >&2; }
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in initdb pg_ctl postgres; do
	[ -x "$bin/$tool" ] || { say "no $bin/$tool: install postgresql-15 (make test-deps does)"; exit 2; }
done

# initdb refuses root: the server runs as postgres (Debian's package makes it).
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
dir=$(mktemp -d /tmp/corral-pg.XXXXXX)
chmod 0755 "$dir"
if [ "${#as[@]}" -gt 0 ]; then chown postgres: "$dir"; fi
# shellcheck disable=SC2317 # called by the trap below
stop() {
	"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap stop EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if ! "${as[@]}" "$bin/initdb" -D "$dir/data" -U corral --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
	say "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1
fi
# Enough connections for every test's pool at once; durable commits as in
# production (fsync stays on).
if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400" start >/dev/null; then
	say "the server did not start:"; cat "$dir/server.log" >&2; exit 1
fi
say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
export CORRAL_TEST_POSTGRES="postgresql://corral@127.0.0.1:$port"
status=0
"$@" || status=$?
exit "$status"
