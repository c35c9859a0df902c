#!/usr/bin/env bash
# The Python SDK (clients/python) as its users get it: `pip install
# ./clients/python` into a fresh virtual environment, its types checked with
# mypy --strict, and its tests against a corral control and agent of their own
# (CORRAL_BINARY, default .build/debug/corral) on the host's dockerd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

usage() {
	cat <<'TXT'
Usage: scripts/tests/python-sdk.sh [PYTEST-ARGS...]

Installs clients/python into a new virtual environment (removed afterwards),
runs mypy --strict on it and its pytest suite.
TXT
}
case "${1:-}" in -h | --help) usage; exit 0 ;; esac

say() { echo "python-sdk: $*" >&2; }
venv=$(mktemp -d /tmp/corral-sdk-venv.XXXXXX)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
say "pip install ./clients/python into a fresh virtual environment"
# From a copy, so setuptools' build/ and egg-info land outside the checkout.
cp -r clients/python "$venv/source"
"$venv/bin/pip" install -q --disable-pip-version-check "$venv/source"
"$venv/bin/python" -c 'import corral_client; print("python-sdk: imported corral_client", corral_client.__all__[:3], "...")'
"$venv/bin/pip" install -q --disable-pip-version-check 'pytest==9.0.3' 'mypy==2.4.1'
say "mypy --strict"
"$venv/bin/mypy" --strict --config-file clients/python/pyproject.toml clients/python/src/corral_client
# Not exec: the trap must still remove the environment afterwards. Bounded,
# so a wedged daemon fails the run instead of holding it (the tests take 3
# minutes or so).
timeout --signal=INT --kill-after=60 1200 "$venv/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests "$@"
