#!/usr/bin/env bash
# Makes sure a cron daemon runs, so the generator's crontab lines fire. Under
# systemd that is cron.service; elsewhere Debian's cron is started directly.
set -euo pipefail

case "${1:-}" in
-h | --help)
	echo "Usage: scripts/cron.sh    start cron unless a cron daemon already runs"
	exit 0
	;;
"") ;;
*) echo "cron: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

pgrep -x cron >/dev/null 2>&1 && exit 0
pgrep -x crond >/dev/null 2>&1 && exit 0
if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm 2>/dev/null)" = "systemd" ]; then
	systemctl start cron.service || { echo "cron: systemctl start cron.service failed" >&2; exit 1; }
	exit 0
fi
command -v cron >/dev/null || { echo "cron: the cron daemon is missing (run scripts/install-deps.sh)" >&2; exit 1; }
cron || { echo "cron: could not start cron" >&2; exit 1; }
echo "cron: started the cron daemon" >&2
