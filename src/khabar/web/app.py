"""The FastAPI application: one store per worker thread, security headers, clean errors."""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from khabar import __version__
from khabar.dates import parse_datetime
from khabar.errors import ConfigError, KhabarError, NotFound
from khabar.store import Store, open_store, resolve_db_url
from khabar.web import format as fmt

log = logging.getLogger(__name__)
NOT_FOUND = "الصفحة غير موجودة"  # "page not found": what a 404 of a route says
HERE = Path(__file__).parent

# No script runs on the pages, nothing comes from another origin, and no page may be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class StorePerThread:
    """One open store per thread: SQLite connections are not shared across threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Store] = []
        open_store(url).close()  # fail now, with a clear error, if the store cannot be opened

    def get(self) -> Store:
        """This thread's store, opened on first use."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = open_store(self.url)
            with self._lock:
                self._opened.append(store)
        return store

    def close(self) -> None:
        """Close every store opened."""
        with self._lock:
            for store in self._opened:
                store.close()
            self._opened.clear()


class TimedCache:
    """Results of slow read-side views kept for a few seconds, so a busy front page is computed once per
    interval rather than once per visitor. News pages tolerate being ``seconds`` old."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, compute):  # noqa: ANN001, ANN201 - any view function and its result
        """The cached value for ``key``, computing it when missing or older than the interval."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry and now - entry[0] < self.seconds:
            return entry[1]
        value = compute()
        with self._lock:
            if len(self._entries) > 1000:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value


FRONT_PAGE_SECONDS = 10.0


def templates() -> Jinja2Templates:
    """The page templates, autoescaping on, with khabar's formatting filters."""
    env = Jinja2Templates(directory=str(HERE / "templates"))
    env.env.autoescape = True
    env.env.filters.update(
        when=lambda iso: fmt.relative_time(parse_datetime(iso)),
        full_date=lambda iso: fmt.full_date(parse_datetime(iso)),
        paragraphs=fmt.paragraphs,
        highlight=fmt.highlight,
    )
    env.env.globals["version"] = __version__
    return env


def wants_json(request: Request) -> bool:
    """Whether an error should be answered in JSON (API and feed paths) rather than as a page."""
    return request.url.path.startswith("/api/")


def create_app(db_url: str | None = None) -> FastAPI:
    """The khabar web application over the store at ``db_url`` (default: ``KHABAR_DB`` or ./khabar.db)."""
    from khabar.web import api, feeds, pages

    url = resolve_db_url(db_url)
    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202 - the stores close when the server stops
        yield
        app.state.stores.close()

    app = FastAPI(
        lifespan=lifespan,
        title="khabar API",
        version=__version__,
        description="Arabic news: articles, related articles, stories, tags, outlets and search.",
        docs_url=None,  # Swagger UI loads from a CDN; /api/docs is rendered here from the same schema
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.stores = StorePerThread(url)
    app.state.templates = templates()
    app.state.front_page = TimedCache(FRONT_PAGE_SECONDS)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next):  # noqa: ANN001, ANN202
        # A NUL character (%00) names nothing khabar holds, and PostgreSQL refuses one in any text it
        # compares: the lookup failed with a server error there. Answered here, alike on both backends.
        if "\x00" in request.scope["path"]:
            return error_response(request, 404, NOT_FOUND)  # no name holds a NUL
        if b"%00" in request.scope["query_string"]:
            return error_response(request, 422, "invalid request: a parameter holds a NUL character (%00)")
        return await call_next(request)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(ConfigError)
    async def bad_request(request: Request, exc: ConfigError) -> Response:
        return error_response(request, 422, str(exc))

    @app.exception_handler(KhabarError)
    async def khabar_error(request: Request, exc: KhabarError) -> Response:
        log.error("%s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 500, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()
        )
        return error_response(request, 422, f"invalid request: {problems}", detail=exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = NOT_FOUND if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(request, 500, "internal error; the server log has the details")

    return app


def error_response(request: Request, status: int, message: str, detail: object = None) -> Response:
    """The error as JSON for API paths, as a page otherwise; with the security headers either way."""
    if wants_json(request):
        body = {"error": message, "status": status}
        if detail is not None:
            body["detail"] = jsonable(detail)
        response: Response = JSONResponse(body, status_code=status)
    else:
        response = request.app.state.templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    response.headers.update(SECURITY_HEADERS)
    return response


def jsonable(detail: object) -> object:
    """Validation details without the exception objects pydantic puts in ``ctx``."""
    from fastapi.encoders import jsonable_encoder

    if isinstance(detail, list):
        return [{k: v for k, v in item.items() if k != "ctx"} if isinstance(item, dict) else item for item in jsonable_encoder(detail, custom_encoder={Exception: str})]
    return jsonable_encoder(detail)


def app_from_env() -> FastAPI:
    """The application over ``KHABAR_DB``: the factory ``khabar serve`` gives uvicorn's workers."""
    if not os.environ.get("KHABAR_DB"):
        raise ConfigError("KHABAR_DB is not set; run the server with `khabar serve --db URL`")
    return create_app(os.environ["KHABAR_DB"])


class ThisThreadsStore:
    """Forwards each call to the calling thread's store.

    FastAPI may resolve a dependency in one worker thread and run the endpoint
    in another, so a store handed out by the dependency itself could end up
    used by two threads at once, and a transaction begun in one could be
    committed in the other. Looking the store up at each call keeps every
    connection in its own thread.
    """

    def __init__(self, stores: StorePerThread) -> None:
        self._stores = stores

    def __getattr__(self, name: str):  # noqa: ANN204 - whatever the store has
        return getattr(self._stores.get(), name)


def store_of(request: Request) -> Store:
    """The store of whichever thread uses it (see :class:`ThisThreadsStore`)."""
    return cast(Store, ThisThreadsStore(request.app.state.stores))
