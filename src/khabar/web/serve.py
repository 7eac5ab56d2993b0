"""Running the web application with uvicorn."""

from __future__ import annotations

import logging
import os

import uvicorn

from khabar.store import open_store

log = logging.getLogger(__name__)


def run_server(db_url: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the store at ``db_url`` until interrupted; several worker processes share the port.

    The store is opened (and migrated) once here, so a bad URL fails before
    any worker starts.
    """
    open_store(db_url).close()
    os.environ["KHABAR_DB"] = db_url  # what each worker's app factory reads
    log.info("serving %s on http://%s:%d with %d worker(s)", db_url, host, port, workers)
    uvicorn.run(
        "khabar.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="info",
    )
