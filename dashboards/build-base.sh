#!/usr/bin/env bash
# Builds the log collector's base image without a registry: a debootstrap'd
# Debian root with Python, FastAPI, uvicorn, matplotlib and the test tools
# from Debian's own archive (scripts/debian-base.sh does the work and skips
# it while the inputs are unchanged). Prints the image reference on stdout.
# Arguments (--print-ref, --force) are passed on.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Runtime (fastapi, uvicorn, matplotlib) and test (pytest, httpx) packages:
# Debian's own versions, so the tests run against what the service runs on.
PACKAGES=python3-fastapi,python3-uvicorn,python3-matplotlib,python3-pytest,python3-httpx,ca-certificates

exec "$here/../scripts/debian-base.sh" --repo "${CORRAL_BASE_REPO:-corral/collector-base}" --packages "$PACKAGES" "$@"
