"""Corral's log collector: receives the enforcer's memory and process records,
stores them as JSON Lines and draws charts and an HTML report from them.

    models   what a record is (pydantic; the API's truth)
    store    the append-only JSON Lines store: day files, retention, locking, id index
    charts   the PNG charts (matplotlib, Agg)
    report   the summary, report.html, and rendering everything at once
    app      the FastAPI application factory
    __main__ the command line: runs uvicorn
    bench    python3 -m collector.bench: a month-old store, timed and measured
"""

__version__ = "1.0.0"
