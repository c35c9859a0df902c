#!/usr/bin/env bash
# The control plane's API checked by other people's tools from PyPI: a stock
# JSON-RPC 2.0 client (jsonrpcclient) and schemathesis against /openapi.json.
# Installs them into a virtual environment under .build, named by the hash of
# Tests/Python/control/requirements.txt, so it is made once per pin set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

usage() {
	cat <<'TXT'
Usage: scripts/tests/control-api.sh [PYTEST-ARGS...]

Runs Tests/Python/control with pytest against a corral control of its own
(CORRAL_BINARY, default .build/debug/corral), on loopback.
TXT
}
case "${1:-}" in -h | --help) usage; exit 0 ;; esac

say() { echo "control-api: $*" >&2; }
requirements=Tests/Python/control/requirements.txt
hash=$(sha256sum "$requirements" | cut -c1-12)
venv=.build/venv-control-$hash
if [ ! -x "$venv/bin/pytest" ]; then
	say "making $venv (pip, from PyPI: $(grep -v '^#' "$requirements" | tr '\n' ' '))"
	rm -rf "$venv"
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
fi
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Python/control "$@"
