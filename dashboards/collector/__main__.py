"""`python3 -m collector`: serves the collector with uvicorn.

Every option has an environment twin, so the container is configured with
`docker run -e ...` and the command line stays the image's default:

    --host      CORRAL_COLLECTOR_HOST       127.0.0.1 (loopback: reach it with host networking)
    --port      CORRAL_COLLECTOR_PORT       9410
    --store     CORRAL_COLLECTOR_STORE      /var/lib/corral/logs
    --workers   CORRAL_COLLECTOR_WORKERS    1 (several share the store safely)
    --log-level CORRAL_COLLECTOR_LOG_LEVEL  info
    --retention-days CORRAL_COLLECTOR_RETENTION_DAYS  30 (0 keeps everything)
    --max-file-mib   CORRAL_COLLECTOR_MAX_FILE_MIB    64 (a day's file is not grown past it)
    --graph-window   CORRAL_COLLECTOR_GRAPH_WINDOW_SECONDS  86400 (the last 24 h)

`--check` asks a running collector's /healthz instead (the image's health check).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import List, Optional

from .app import (
    DEFAULT_MAX_FILE_MIB,
    DEFAULT_STORE,
    MAX_FILE_ENV,
    RETENTION_ENV,
    STORE_ENV,
    WINDOW_ENV,
)
from .models import DEFAULT_WINDOW_SECONDS, MAX_WINDOW_SECONDS
from .store import DEFAULT_RETENTION_DAYS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9410


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1-65535")
    return port


def _at_least(minimum: int, maximum: Optional[int] = None):
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {n}")
        if maximum is not None and n > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, not {n}")
        return n

    return parse


_positive = _at_least(1)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python3 -m collector",
        description="Corral's log collector: stores the enforcer's logs and draws charts from them.",
        epilog="Each option defaults to its environment variable, then to the value shown.",
    )
    parser.add_argument("--host", default=env("CORRAL_COLLECTOR_HOST", DEFAULT_HOST),
                        help="address to bind (CORRAL_COLLECTOR_HOST; default %(default)s)")
    parser.add_argument("--port", type=_port, default=env("CORRAL_COLLECTOR_PORT", str(DEFAULT_PORT)),
                        help="TCP port (CORRAL_COLLECTOR_PORT; default %(default)s)")
    parser.add_argument("--store", default=env(STORE_ENV, DEFAULT_STORE),
                        help=f"store directory ({STORE_ENV}; default %(default)s)")
    parser.add_argument("--workers", type=_positive, default=env("CORRAL_COLLECTOR_WORKERS", "1"),
                        help="uvicorn worker processes (CORRAL_COLLECTOR_WORKERS; default %(default)s)")
    parser.add_argument("--log-level", default=env("CORRAL_COLLECTOR_LOG_LEVEL", "info"),
                        choices=["critical", "error", "warning", "info", "debug"],
                        help="CORRAL_COLLECTOR_LOG_LEVEL; default %(default)s")
    parser.add_argument("--retention-days", type=_at_least(0),
                        default=env(RETENTION_ENV, str(DEFAULT_RETENTION_DAYS)),
                        help=f"days of logs kept; older days' files are removed, 0 keeps everything "
                             f"({RETENTION_ENV}; default %(default)s)")
    parser.add_argument("--max-file-mib", type=_positive, default=env(MAX_FILE_ENV, str(DEFAULT_MAX_FILE_MIB)),
                        help=f"largest size of one log file in MiB; a day that outgrows it gets another "
                             f"({MAX_FILE_ENV}; default %(default)s)")
    parser.add_argument("--graph-window", type=_at_least(60, MAX_WINDOW_SECONDS),
                        default=env(WINDOW_ENV, str(DEFAULT_WINDOW_SECONDS)),
                        help=f"seconds of logs, up to the newest record, that POST /v1/graphs draws when its "
                             f"request does not say ({WINDOW_ENV}; default %(default)s, the last 24 h)")
    parser.add_argument("--check", action="store_true",
                        help="ask the collector at --host:--port for /healthz and exit 0 when it answers ok")
    return parser.parse_args(argv)


def check(host: str, port: int) -> int:
    """0 when the collector at host:port reports itself healthy, 1 otherwise."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as e:
        print(f"collector: no healthy answer from {url}: {e}", file=sys.stderr)
        return 1
    if body.get("status") != "ok":
        print(f"collector: {url} answered {body!r}", file=sys.stderr)
        return 1
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.check:
        return check(args.host, args.port)

    import uvicorn

    from .store import LogStore, StoreError

    # Fail here, with the path, rather than in every worker. This also splits a
    # store from before rotation into day files and applies the retention once.
    try:
        LogStore(args.store, retention_days=args.retention_days, max_file_bytes=args.max_file_mib * 1024 * 1024)
    except StoreError as e:
        print(f"collector: {e}", file=sys.stderr)
        return 1
    # Workers build their own app from the environment (see create_app_from_env).
    os.environ[STORE_ENV] = os.path.abspath(args.store)
    os.environ[RETENTION_ENV] = str(args.retention_days)
    os.environ[MAX_FILE_ENV] = str(args.max_file_mib)
    os.environ[WINDOW_ENV] = str(args.graph_window)
    uvicorn.run(
        "collector.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
