"""Following outlets: poll their feeds, fetch and extract new items' pages, and send the articles
down the one path (:func:`khabar.pipeline.ingest_records`) like any dump.

- **Incremental**: a feed is fetched with conditional GET; an item is handled
  again only when what the feed says of it changes (the outlet edited it), and
  its page is then fetched with conditional GET too. An edited article is
  updated in place (same id, from its canonical URL).
- **Resumable**: an item is recorded as handled only after its article is
  committed, so a process killed mid-poll fetches the rest next time, and
  upserts make the repeated part a no-op: nothing lost, nothing duplicated.
- **Resilient**: a broken feed or page is logged with its reason and recorded
  as the outlet's last error; the other items and outlets go on. Items that
  failed for a passing reason (timeout, 5xx) are tried again next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from khabar.dates import UTC, isoformat_utc, offset_text
from khabar.ingest.dumps import Record
from khabar.ingest.feeds import FeedError, FeedItem, parse_feed
from khabar.ingest.fetch import Fetcher, FetchError
from khabar.ingest.sources import Source
from khabar.model import article_id
from khabar.parallel import default_workers
from khabar.pipeline import IngestReport, ingest_records
from khabar.store import SourceState, Store, open_store
from khabar.urls import MAX_URL_CHARS

log = logging.getLogger(__name__)

FULL_TEXT_CHARS = 200  # a feed item with less text than this is a summary: its page is fetched
PAGE_THREADS = 8  # pages fetched at once per outlet (the fetcher's per-host limit still applies)
MAX_SITEMAPS = 5  # child sitemaps read from a sitemap index
PASSING_REASONS = {"timeout", "connection", "truncated", "http 429", "http 500", "http 502", "http 503", "http 504", "dns"}


@dataclass
class PollProblem:
    """A feed, page or item that could not be used, and why."""

    url: str
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class PollReport:
    """What one poll of one outlet did."""

    source: str
    feeds: int = 0
    feeds_unchanged: int = 0
    items: int = 0  # distinct items in its feeds
    handled: int = 0  # new or edited items taken through the pipeline
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[PollProblem] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of ``khabar fetch --json``."""
        return {
            "source": self.source, "feeds": self.feeds, "feeds_unchanged": self.feeds_unchanged,
            "items": self.items, "handled": self.handled, "stored": self.stored, "updated": self.updated,
            "unchanged": self.unchanged, "problems": [str(p) for p in self.problems],
        }  # fmt: skip


@dataclass
class Harvest:
    """What fetching one outlet gave: records for the pipeline, and the items they stand for."""

    source: Source
    report: PollReport
    records: list[Record] = field(default_factory=list)
    handled: list[tuple[str, str, str | None]] = field(default_factory=list)  # (item url, fingerprint, article id)


# -- fetching ------------------------------------------------------------------------


def read_feeds(store: Store, fetcher: Fetcher, source: Source, report: PollReport) -> list[FeedItem]:
    """The items of all the outlet's feeds (conditional GET; sitemap indexes followed one level), each once."""
    items: dict[str, FeedItem] = {}
    queue = list(source.feeds)
    followed = 0
    while queue:
        url = queue.pop(0)
        report.feeds += 1
        etag, last_modified = store.http_validators(url)
        try:
            fetched = fetcher.get(url, kind="feed", local=source.local, etag=etag, last_modified=last_modified)
        except FetchError as exc:
            _problem(report, url, exc.reason, exc.detail)
            continue
        if fetched.not_modified:
            report.feeds_unchanged += 1
            continue
        try:
            parsed = parse_feed(fetched.text, fetched.url, source.timezone, content_type=fetched.content_type)
        except FeedError as exc:
            _problem(report, url, "malformed feed", str(exc))
            continue
        if parsed.warning:
            _problem(report, url, "malformed feed", f"{parsed.warning}; {len(parsed.items)} item(s) read anyway")
        if parsed.too_long:
            _problem(report, url, "address too long", f"{parsed.too_long} item(s) left out: longer than {MAX_URL_CHARS:,} characters")
        for child in parsed.sitemaps:
            if followed < MAX_SITEMAPS:
                queue.append(child)
                followed += 1
        for item in parsed.items:
            items.setdefault(item.url, item)  # an item repeated within or across feeds counts once
        store.save_http_validators(url, fetched.etag, fetched.last_modified)
    return list(items.values())


@dataclass(frozen=True)
class PageState:
    """What the store knows of an item's page before fetching it: whether its article is stored, and the
    validators of the last fetch (sent only when it is, so a page never stored is always fetched whole)."""

    stored: bool = False
    etag: str | None = None
    last_modified: str | None = None


def item_record(
    fetcher: Fetcher, source: Source, item: FeedItem, state: PageState
) -> tuple[Record | PollProblem | None, tuple[str | None, str | None] | None]:
    """The raw record of a feed item, with its page's HTML when the feed gives no full text, and the
    page's new validators (None when no page was fetched).

    Runs in a page thread and touches no store. The page's main text is
    extracted later, in the pipeline's normalization step
    (:func:`khabar.ingest.pages.page_record`). The record is None when the page
    is unchanged since its article was stored (304).
    """
    data = {
        "url": item.url,
        "outlet": source.name,
        "title": item.title,
        "published": isoformat_utc(item.published),
        "published_raw": item.published_raw or None,
        "fetched": isoformat_utc(datetime.now(UTC)),
        "author": item.author or None,
        "tags": list(item.tags),
    }
    if not (source.fetch_pages and len(item.content) < FULL_TEXT_CHARS):
        data["text"] = item.content or item.summary
        if not data["text"].strip():
            return PollProblem(item.url, "no article text", "the feed gives no text and pages are not fetched"), None
        return Record(data, item.url), None
    try:
        page = fetcher.get(
            item.url, kind="page", local=source.local,
            etag=state.etag if state.stored else None, last_modified=state.last_modified if state.stored else None,
        )  # fmt: skip
    except FetchError as exc:
        return PollProblem(item.url, exc.reason, exc.detail), None
    if page.not_modified:
        return None, None
    data["html"] = page.text
    data["timezone"] = offset_text(source.timezone)  # for a date found only in the page
    return Record(data, item.url), (page.etag, page.last_modified)


def harvest(store: Store, fetcher: Fetcher, source: Source) -> Harvest:
    """Fetch an outlet: its feeds, then the pages of its new and edited items, several at a time.

    ``store`` is read and written from this thread only; the page threads get
    what they need from it beforehand.
    """
    report = PollReport(source.name)
    result = Harvest(source, report)
    items = read_feeds(store, fetcher, source, report)
    report.items = len(items)
    handled = store.feed_item_fingerprints([i.url for i in items])
    todo = [i for i in items if handled.get(i.url) != i.fingerprint()]
    ids = {i.url: url_article_id(i.url) for i in todo}
    stored = store.stored_ids(list(ids.values()))
    states = [PageState(ids[i.url] in stored, *store.http_validators(i.url)) for i in todo]
    with ThreadPoolExecutor(PAGE_THREADS) as pool:
        outcomes = list(pool.map(lambda pair: item_record(fetcher, source, *pair), zip(todo, states)))
    for item, (outcome, validators) in zip(todo, outcomes):
        if validators is not None:
            store.save_http_validators(item.url, *validators)
        if isinstance(outcome, PollProblem):
            _problem(report, outcome.url, outcome.reason, outcome.detail)
            if outcome.reason in PASSING_REASONS:
                continue  # try again next poll
            result.handled.append((item.url, item.fingerprint(), None))
        elif outcome is None:
            result.handled.append((item.url, item.fingerprint(), None))  # page unchanged
        else:
            result.records.append(outcome)
            result.handled.append((item.url, item.fingerprint(), ids[item.url]))
    return result


# -- storing ---------------------------------------------------------------------------


def store_harvests(store: Store, harvests: Iterable[Harvest], workers: int | None = None) -> list[Harvest]:
    """Send harvested records down the pipeline in one run, as harvests arrive; then record their items
    as handled. Returns the harvests, each report with its own counts.

    One run keeps one pool of worker processes (page extraction and tagging run
    there) for the whole round. Items are recorded as handled only after the
    run has committed their articles: a process killed before that fetches
    them again next time, and the pipeline's upserts make that a no-op.
    """
    done: list[Harvest] = []
    ids: dict[str, str] = {}
    known: set[str] = set()
    changed: set[str] = set()

    def records() -> Iterator[Record]:
        for result in harvests:
            done.append(result)
            batch_ids = {r.where: url_article_id(r.where) for r in result.records}
            ids.update(batch_ids)
            known.update(store.stored_ids(list(batch_ids.values())))
            yield from result.records

    def note_changed(_store: Store, batch_ids: Sequence[str]) -> None:
        changed.update(batch_ids)

    ingested: IngestReport = ingest_records(
        store, records(), workers=workers or default_workers(), stages=[note_changed]
    )
    problems = {p.where: p.reason for p in ingested.problems}
    for result in done:
        report = result.report
        report.handled = len(result.records)
        for record in result.records:
            aid = ids[record.where]
            if record.where in problems:
                _problem(report, record.where, "unusable article", problems[record.where])
            elif aid in changed:
                report.stored += aid not in known
                report.updated += aid in known
            else:
                report.unchanged += 1
        store.record_feed_items([(url, result.source.name, fp, aid) for url, fp, aid in result.handled])
    return done


def update_state(store: Store, source: Source, report: PollReport, now: datetime | None = None) -> SourceState:
    """Record a poll in the outlet's state and schedule its next one.

    The interval adapts to how often the outlet publishes: it halves (down to
    ``min_interval``) after a poll that found new articles and grows by half
    (up to ``max_interval``) after one that found none.
    """
    now = now or datetime.now(UTC)
    state = store.source_states().get(source.name) or SourceState(source.name)
    state.last_poll = now
    failed_feeds = [p for p in report.problems if p.url in source.feeds]
    if len(failed_feeds) < report.feeds or report.feeds == 0:
        state.last_success = now
    if report.problems:
        state.last_error, state.last_error_at = str(report.problems[-1])[:500], now
    state.items_seen += report.handled
    state.articles += report.stored
    interval = state.interval or source.min_interval
    interval = interval / 2 if report.stored else interval * 1.5
    state.interval = min(source.max_interval, max(source.min_interval, interval))
    state.next_poll = now + timedelta(seconds=state.interval)
    store.save_source_state(state)
    return state


def fetch_once(
    store: Store,
    sources: Sequence[Source],
    fetcher: Fetcher | None = None,
    *,
    workers: int | None = None,
    parallel_sources: int = 4,
    on_report: Callable[[PollReport], None] | None = None,
) -> list[PollReport]:
    """Poll every source once: outlets are fetched in parallel (threads), and what each gives goes down
    the pipeline (``workers`` processes, by default the CPUs) as soon as it is done."""
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    reports = []
    try:
        with ThreadPoolExecutor(max(1, min(parallel_sources, len(sources)))) as pool:
            futures = [pool.submit(safe_harvest, store, fetcher, s) for s in sources]
            for result in store_harvests(store, (f.result() for f in as_completed(futures)), workers):
                update_state(store, result.source, result.report)
                _log_report(result.report)
                reports.append(result.report)
                if on_report:
                    on_report(result.report)
    finally:
        if own:
            fetcher.close()
    return reports


def safe_harvest(store: Store, fetcher: Fetcher, source: Source) -> Harvest:
    """:func:`harvest` in a worker thread, with a store connection of its own (closed after); an
    unexpected error becomes the outlet's problem instead of stopping the other outlets."""
    try:
        with open_store(store.url) as own:
            return harvest(own, fetcher, source)
    except Exception as exc:  # noqa: BLE001 - one outlet's bug must not stop the others
        log.exception("%s: harvest failed", source.name)
        result = Harvest(source, PollReport(source.name))
        _problem(result.report, source.feeds[0], "internal error", f"{type(exc).__name__}: {exc}")
        return result


def due_sources(store: Store, sources: Iterable[Source], now: datetime | None = None) -> list[Source]:
    """The sources whose next poll time has come (or that were never polled)."""
    now = now or datetime.now(UTC)
    states = store.source_states()
    return [s for s in sources if (st := states.get(s.name)) is None or st.next_poll is None or st.next_poll <= now]


def follow(
    store: Store,
    sources: Sequence[Source],
    stop: threading.Event,
    fetcher: Fetcher | None = None,
    *,
    workers: int | None = None,
    on_report: Callable[[PollReport], None] | None = None,
    idle: float = 1.0,
    after_poll: Callable[[Store], object] | None = None,
) -> int:
    """Poll each source on its own schedule until ``stop`` is set; return how many polls ran.

    A poll under way when ``stop`` is set is finished and stored before returning. ``after_poll`` runs
    after each round of polls (``khabar up`` finds the new articles' names there).
    """
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    polls = 0
    try:
        while not stop.is_set():
            due = due_sources(store, sources)
            if due:
                polls += len(fetch_once(store, due, fetcher, workers=workers, on_report=on_report))
                if after_poll is not None:
                    after_poll(store)
                continue
            states = store.source_states()
            upcoming = [st.next_poll for s in sources if (st := states.get(s.name)) and st.next_poll]
            wait = (min(upcoming) - datetime.now(UTC)).total_seconds() if upcoming else idle
            stop.wait(max(0.05, min(wait, 30.0)))
    finally:
        if own:
            fetcher.close()
    return polls


# -- helpers -------------------------------------------------------------------------------

def url_article_id(url: str) -> str:
    """The id the pipeline gives the article at a (canonical) URL."""
    return article_id(url, "", "", "")


def _problem(report: PollReport, url: str, reason: str, detail: str = "") -> None:
    """Log a problem with its reason and keep it in the report."""
    problem = PollProblem(url, reason, detail)
    log.warning("%s: %s", report.source, problem)
    report.problems.append(problem)


def _log_report(report: PollReport) -> None:
    """One line per poll."""
    log.info(
        "%s: %d feed(s), %d unchanged, %d item(s), %d handled: %d stored, %d updated, %d unchanged, %d problem(s)",
        report.source, report.feeds, report.feeds_unchanged, report.items, report.handled, report.stored,
        report.updated, report.unchanged, len(report.problems),
    )  # fmt: skip


def problems_of(reports: Iterable[PollReport]) -> list[PollProblem]:
    """Every problem of several polls."""
    return [p for r in reports for p in r.problems]


__all__ = ["fetch_once", "follow", "harvest", "PollReport", "PollProblem"]
