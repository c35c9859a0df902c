"""The HTTP API: a FastAPI application over one store directory.

`create_app(store_dir)` builds a complete application, so tests run the real
thing on a temporary directory. The routes only translate between HTTP and the
store, charts and report modules; the models module says what is valid.

    POST /v1/logs/memory     {"records": [...]}  -> {"stored": n, "duplicates": m}
    POST /v1/logs/process    {"records": [...]}  -> {"stored": n, "duplicates": m}
    GET  /v1/logs/memory     ?since&until&limit&offset
    GET  /v1/logs/process    ?since&until&limit&offset&action&class&cycle
    POST /v1/graphs          renders the charts and report.html (optional body {"window_seconds": N})
    GET  /v1/graphs          the names rendered so far
    GET  /v1/graphs/{name}   one chart (PNG) or report.html
    GET  /healthz
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Literal, Optional

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse


from . import __version__, report
from ._compat import to_jsonable
from .models import (
    MAX_BATCH,
    BatchAck,
    GraphsRendered,
    GraphsRequest,
    Health,
    MemoryBatch,
    MemoryPage,
    ProcessBatch,
    ProcessPage,
    query_bound,
)
from .store import DEFAULT_MAX_FILE_BYTES, DEFAULT_RETENTION_DAYS, LogStore, StoreError, Stream

log = logging.getLogger("corral.collector")

#: The environment variable `create_app_from_env` reads the store directory from.
STORE_ENV = "CORRAL_COLLECTOR_STORE"
DEFAULT_STORE = "/var/lib/corral/logs"
#: The store's and the renders' settings, which `create_app_from_env` reads too.
RETENTION_ENV = "CORRAL_COLLECTOR_RETENTION_DAYS"
MAX_FILE_ENV = "CORRAL_COLLECTOR_MAX_FILE_MIB"
WINDOW_ENV = "CORRAL_COLLECTOR_GRAPH_WINDOW_SECONDS"
DEFAULT_MAX_FILE_MIB = DEFAULT_MAX_FILE_BYTES // (1024 * 1024)
MAX_PAGE = 1000

DESCRIPTION = f"""\
Receives Corral's enforcer logs (host memory and per-container decisions),
keeps them as JSON Lines, and draws charts and an HTML report from them.

Batches are `{{"records": [...]}}`, at most {MAX_BATCH} records. Every record
has a UUID `id`: a record whose id is already stored is acknowledged and counted
as a duplicate, so retrying a batch is always safe. A batch with any invalid
record is refused whole (422, naming the record index and the field) and
nothing of it is stored.
"""


def _validation_detail(errors: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """FastAPI's error list, plus `record` (index in the batch) and `field`, and
    only JSON-safe members."""
    out = []
    for err in errors:
        loc = list(err.get("loc", ()))
        entry: Dict[str, Any] = {"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        if len(loc) >= 3 and loc[0] == "body" and loc[1] == "records" and isinstance(loc[2], int):
            entry["record"] = loc[2]
            names = [p for p in loc[3:] if isinstance(p, str)]
            if names:
                entry["field"] = ".".join(names)
        elif len(loc) >= 2 and loc[0] in ("query", "path"):
            entry["field"] = str(loc[1])
        elif len(loc) >= 2 and loc[0] == "body":
            entry["field"] = ".".join(str(p) for p in loc[1:])
        out.append(entry)
    return out


def _bound(name: str, value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        return query_bound(value)
    except ValueError as e:
        raise HTTPException(
            status_code=422,
            detail=[{
                "loc": ["query", name],
                "msg": f"must be an RFC 3339 time with a zone, like 2026-11-21T21:07:15.123Z ({e})",
                "type": "value_error",
                "field": name,
            }],
        ) from None


def _page(
    store: LogStore,
    stream: Stream,
    since: Optional[str],
    until: Optional[str],
    limit: int,
    offset: int,
    where: Optional[Callable[[dict], bool]] = None,
) -> Dict[str, Any]:
    records, total = store.query(
        stream, since=_bound("since", since), until=_bound("until", until), limit=limit, offset=offset, where=where
    )
    following = offset + len(records)
    return {
        "records": records,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < total else None,
    }


def create_app(
    store_dir: os.PathLike | str,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    graph_window_seconds: int = report.DEFAULT_WINDOW_SECONDS,
) -> FastAPI:
    """The collector's application, storing under `store_dir` (created if
    missing), keeping `retention_days` days in files of at most
    `max_file_bytes`, and drawing the last `graph_window_seconds` by default."""
    store = LogStore(Path(store_dir), retention_days=retention_days, max_file_bytes=max_file_bytes)
    app = FastAPI(title="Corral log collector", version=__version__, description=DESCRIPTION)
    app.state.store = store
    app.state.graph_window_seconds = graph_window_seconds

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _validation_detail(exc.errors())})

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store failure: %s", exc)
        return JSONResponse(status_code=503, content={"detail": f"the log store failed: {exc}"})

    ack_responses = {422: {"description": "An invalid record; nothing of the batch was stored."}}

    def ack(result) -> BatchAck:
        # `expired` only appears when some were: the usual answer stays {"stored", "duplicates"}.
        return BatchAck(stored=result.stored, duplicates=result.duplicates, expired=result.expired or None)

    @app.post("/v1/logs/memory", response_model=BatchAck, response_model_exclude_none=True, tags=["logs"],
              responses=ack_responses)
    def post_memory(batch: MemoryBatch) -> BatchAck:
        """Stores a batch of host memory records (each id once)."""
        return ack(store.append(Stream.MEMORY, [to_jsonable(r) for r in batch.records]))

    @app.post("/v1/logs/process", response_model=BatchAck, response_model_exclude_none=True, tags=["logs"],
              responses=ack_responses)
    def post_process(batch: ProcessBatch) -> BatchAck:
        """Stores a batch of per-container decision records (each id once)."""
        return ack(store.append(Stream.PROCESS, [to_jsonable(r) for r in batch.records]))

    since_q = Query(None, description="Only records at or after this RFC 3339 time.")
    until_q = Query(None, description="Only records before this RFC 3339 time.")
    limit_q = Query(100, ge=1, le=MAX_PAGE, description="Page size.")
    offset_q = Query(0, ge=0, description="Records to skip; take it from next_offset.")

    @app.get("/v1/logs/memory", response_model=MemoryPage, tags=["logs"])
    def get_memory(
        since: Optional[str] = since_q,
        until: Optional[str] = until_q,
        limit: int = limit_q,
        offset: int = offset_q,
    ) -> Dict[str, Any]:
        """Stored memory records in the order they were stored, one page at a time."""
        return _page(store, Stream.MEMORY, since, until, limit, offset)

    @app.get("/v1/logs/process", response_model=ProcessPage, tags=["logs"])
    def get_process(
        since: Optional[str] = since_q,
        until: Optional[str] = until_q,
        limit: int = limit_q,
        offset: int = offset_q,
        action: Optional[Literal["keep", "kill"]] = Query(None, description="Only this decision."),
        klass: Optional[Literal["high", "low"]] = Query(None, alias="class", description="Only this class."),
        cycle: Optional[int] = Query(None, ge=0, description="Only this enforcer cycle."),
    ) -> Dict[str, Any]:
        """Stored process records in the order they were stored, one page at a time."""
        def where(r: dict) -> bool:
            return (
                (action is None or r.get("action") == action)
                and (klass is None or r.get("class") == klass)
                and (cycle is None or r.get("cycle") == cycle)
            )

        filtered = where if (action or klass or cycle is not None) else None
        return _page(store, Stream.PROCESS, since, until, limit, offset, filtered)

    @app.post("/v1/graphs", response_model=GraphsRendered, tags=["graphs"])
    def post_graphs(request: Optional[GraphsRequest] = Body(None)) -> GraphsRendered:
        """Draws every chart and report.html from the logs of a window ending at
        the newest record (the body's `window_seconds`, or the collector's
        setting); returns their names. No body, or `{}`, takes the setting."""
        window = request.window_seconds if request is not None and request.window_seconds else None
        return report.render_all(store, window_seconds=window or graph_window_seconds)

    @app.get("/v1/graphs", tags=["graphs"])
    def list_graphs() -> Dict[str, List[str]]:
        """The names rendered so far (POST /v1/graphs renders them)."""
        return {"graphs": [n for n in report.GRAPH_NAMES if (store.graphs_dir / n).is_file()]}

    @app.get(
        "/v1/graphs/{name}",
        tags=["graphs"],
        response_class=FileResponse,
        responses={
            200: {"content": {"image/png": {}, "text/html": {}}, "description": "The chart or the report."},
            404: {"description": "Not a graph name, or not rendered yet."},
        },
    )
    def get_graph(name: str) -> FileResponse:
        """One chart (PNG) or the HTML report, as last rendered."""
        # Only the fixed names are served: nothing from the request reaches a path.
        media_type = report.GRAPH_NAMES.get(name)
        if media_type is None:
            raise HTTPException(status_code=404, detail=f"no graph named {name!r}; names: {', '.join(report.GRAPH_NAMES)}")
        path = store.graphs_dir / name
        if not path.is_file():
            raise HTTPException(status_code=404, detail=f"{name} is not rendered yet; POST /v1/graphs first")
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        """Answers while the service runs; counts the stored records."""
        return Health(
            status="ok",
            store=str(store.root),
            records={s.value: store.count(s) for s in Stream},
        )

    return app


def _env_int(name: str, default: int, minimum: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def settings_from_env() -> Dict[str, int]:
    """create_app's settings from the environment (ValueError naming a bad one)."""
    return {
        "retention_days": _env_int(RETENTION_ENV, DEFAULT_RETENTION_DAYS, 0),
        "max_file_bytes": _env_int(MAX_FILE_ENV, DEFAULT_MAX_FILE_MIB, 1) * 1024 * 1024,
        "graph_window_seconds": _env_int(WINDOW_ENV, report.DEFAULT_WINDOW_SECONDS, 60),
    }


def create_app_from_env() -> FastAPI:
    """The factory uvicorn calls in each worker: the store from
    CORRAL_COLLECTOR_STORE, its settings from their variables."""
    return create_app(os.environ.get(STORE_ENV, DEFAULT_STORE), **settings_from_env())
