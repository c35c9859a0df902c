"""Corral's log collector: receives the enforcer's memory and process records,
stores them as JSON Lines and draws charts and an HTML report from them.

    models   what a record is (pydantic; the API's truth)
    store    the append-only JSON Lines store and its locking
    charts   the PNG charts (matplotlib, Agg)
    report   the summary, report.html, and rendering everything at once
    app      the FastAPI application factory
    __main__ the command line: runs uvicorn
"""

__version__ = "1.0.0"
