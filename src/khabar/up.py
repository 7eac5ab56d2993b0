"""`khabar up`: follow the outlets and serve what they publish, in one process, until told to stop.

The fetcher polls in the main thread; the web server (uvicorn) runs in a
second thread over the same store. SIGINT or SIGTERM sets a stop event: the
poll under way is finished and committed, the server drains, and the process
exits. Nothing fetched is lost: what was not yet committed is fetched again
on the next start (see :mod:`khabar.ingest.live`).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence

from khabar.enrich import OLDER_TAGS_ADVICE, tags_are_current
from khabar.enrich.entities import EntityRecognizer, read_store_entities
from khabar.ingest.fetch import Fetcher, FetchPolicy
from khabar.ingest.live import follow
from khabar.ingest.sources import Source
from khabar.store import open_store

log = logging.getLogger(__name__)


def start_server(db_url: str, host: str, port: int) -> tuple[threading.Thread, object]:
    """The web server in a background thread; returns the thread and the uvicorn server (to stop it)."""
    import uvicorn

    from khabar.web import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(db_url), host=host, port=port, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    return thread, server


def run_up(
    db_url: str,
    sources: Sequence[Source],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    serve: bool = True,
    policy: FetchPolicy | None = None,
    stop: threading.Event | None = None,
    entities: EntityRecognizer | None = None,
) -> int:
    """Follow ``sources`` into the store at ``db_url`` and serve it until SIGINT/SIGTERM; return the polls run.

    With ``entities``, the names of the articles each round of polls brings are found and stored after it.
    """
    stop = stop or threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.warning("%s received: finishing the poll under way, then stopping", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    server = thread = None
    try:
        with open_store(db_url) as store:
            if not tags_are_current(store):
                log.warning(OLDER_TAGS_ADVICE)
            if serve:
                thread, server = start_server(db_url, host, port)
                log.warning("serving http://%s:%d/ over %s", host, port, db_url)
            log.warning("following %d outlet(s)", len(sources))
            with Fetcher(policy) as fetcher:
                after_poll = (lambda s: read_store_entities(s, entities)) if entities is not None else None
                polls = follow(store, sources, stop, fetcher, after_poll=after_poll)
    finally:
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(timeout=10)  # type: ignore[union-attr]
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.warning("stopped after %d poll(s)", polls)
    return polls
