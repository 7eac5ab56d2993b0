"""The ``khabar`` command: a thin layer over the library, one function call per command."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from khabar import __version__, compiled
from khabar.dates import isoformat_utc
from khabar.enrich import retag as retag_store
from khabar.enrich import OLDER_TAGS_ADVICE, tags_are_current
from khabar.enrich.batch import tag_file
from khabar.enrich.entities import (
    DEFAULT_ITERATIONS,
    EntityRecognizer,
    optional_recognizer,
    read_store_entities,
    train_model,
)
from khabar.errors import KhabarError
from khabar.ingest.dumps import export_articles
from khabar.link.pairs import score_pairs_file
from khabar.parallel import default_workers
from khabar.pipeline import IngestReport, ingest_paths
from khabar.store import open_store, resolve_db_url
from khabar.views import (
    articles_for_tag,
    describe_article,
    describe_duplicates,
    articles_for_entity,
    describe_entities,
    describe_related,
    describe_story,
    describe_tags,
    search_page,
)

app = typer.Typer(
    help="khabar (خبر): gather, understand, link and serve Arabic news.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

DbOption = Annotated[
    Optional[str],
    typer.Option("--db", envvar="KHABAR_DB", help="Store URL: a SQLite path or sqlite:///path (default: ./khabar.db)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
SchedulerOption = Annotated[
    Optional[str],
    typer.Option(
        "--scheduler",
        envvar="KHABAR_SCHEDULER",
        help="A Dask scheduler (tcp://host:8786) whose workers prepare the articles instead of local processes; "
        "needs a PostgreSQL --db (docs/cluster.md).",
    ),
]
ModelOption = Annotated[
    Optional[Path],
    typer.Option("--model", envvar="KHABAR_ENTITY_MODEL", help="The entity model file (default: ./khabar-entities.crf)."),
]
EntityModelOption = Annotated[
    Optional[Path],
    typer.Option(
        "--entity-model",
        envvar="KHABAR_ENTITY_MODEL",
        help="Find the names of the articles fetched with this entity model (docs/entities.md) (default: "
        "./khabar-entities.crf when it exists, else none).",
    ),
]
ArticleId = Annotated[str, typer.Argument(metavar="ID", help="A stored article's id (see `khabar export`).")]


def _e(value: object) -> str:
    """A value shown inside console markup, escaped: titles and names come from fetched pages, and a
    "[/b]" in one would otherwise end the command with a markup error (or style what follows)."""
    return escape(str(value))


def _print_json(data: object) -> None:
    """Print JSON to standard output, Arabic left readable."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _query(db: str | None, fn, *args):  # noqa: ANN001, ANN202 - any library read function
    """Open the store, return ``fn(store, *args)``, and turn a khabar error into a clear exit."""
    try:
        with open_store(db) as store:
            return fn(store, *args)
    except KhabarError as exc:
        raise _fail(exc) from exc


def _fail(exc: KhabarError) -> typer.Exit:
    """Show a khabar error as one clear line and exit with code 2."""
    err.print(f"[red]error:[/red] {_e(exc)}")
    return typer.Exit(2)


def _print_version(asked: bool) -> None:
    """``--version``: the version, and whether the hot modules run compiled (setup.py); then exit."""
    if asked:
        out.print(f"{__version__} ({'compiled' if compiled() else 'pure Python'})")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step, including each skipped record.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """khabar (خبر): gather, understand, link and serve Arabic news."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Dump files: .jsonl, .json or .csv, optionally .gz.")],
    db: DbOption = None,
    workers: Annotated[
        Optional[int], typer.Option("--workers", envvar="KHABAR_WORKERS", help="Processes that normalize (default: the CPUs, at most 4).")
    ] = None,
    tags: Annotated[bool, typer.Option("--tags/--no-tags", help="Compute keyword tags and corpus statistics.")] = True,
    then_retag: Annotated[
        bool, typer.Option("--retag", help="Afterwards, recompute every article's tags with the final statistics.")
    ] = False,
    scheduler: SchedulerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load dump files into the store: normalize, store, enrich, link.

    Idempotent: running it again on the same files changes nothing, and a
    changed article is updated in place. Bad records are reported and skipped.
    """
    try:
        with open_store(db) as store, Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True
        ) as progress:
            task = progress.add_task("reading…")
            started = time.monotonic()

            def on_batch(report: IngestReport) -> None:
                rate = report.read / max(time.monotonic() - started, 1e-9)
                progress.update(
                    task,
                    description=f"read {report.read:,} · stored {report.stored:,} · updated {report.updated:,} · "
                    f"skipped {report.skipped_total:,} · {rate:,.0f} records/s",
                )

            documents_before = store.corpus_documents()
            report = ingest_paths(
                store, [str(p) for p in paths], workers=workers or default_workers(), enrich=tags, on_batch=on_batch,
                scheduler=scheduler,
            )
            grew = store.corpus_documents() > 2 * documents_before + 1000
            if then_retag:
                progress.update(task, description="retagging with the final statistics…")
                retag_store(store, workers=workers or default_workers(), scheduler=scheduler)
            older_tags = tags and not tags_are_current(store)
            elapsed = time.monotonic() - started
    except KhabarError as exc:
        raise _fail(exc) from exc
    summary = report.to_dict() | {"seconds": round(elapsed, 2)}
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"read {report.read:,}, stored {report.stored:,}, updated {report.updated:,}, "
            f"unchanged {report.unchanged:,}, skipped {report.skipped_total:,} in {elapsed:.1f}s "
            f"({report.read / max(elapsed, 1e-9):,.0f} records/s)"
        )
        for reason, count in report.skipped.most_common():
            out.print(f"  skipped {count:,}: {_e(reason)}")
        for problem in report.problems[:10]:
            err.print(f"  {_e(problem.where)}: {_e(problem.reason)}")
        if len(report.problems) > 10:
            err.print("  … and more; run with --verbose to see every skipped record")
        if tags and grew and not then_retag:
            err.print("the corpus more than doubled: run `khabar retag` to recompute early articles' tags")
        elif older_tags:
            err.print(OLDER_TAGS_ADVICE)
    if report.read == 0:
        err.print("[red]error:[/red] nothing could be read from the given files")
        raise typer.Exit(1)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Count stored articles: in total, by outlet and by day of publication (UTC)."""
    result = _query(db, lambda store: store.stats())
    if as_json:
        _print_json(result.to_dict())
        return
    out.print(f"{result.articles:,} articles in {_e(resolve_db_url(db))}")
    table = Table("outlet", "articles")
    for outlet, count in result.by_outlet.items():
        table.add_row(_e(outlet), f"{count:,}")
    out.print(table)
    days = Table("day", "articles")
    for day, count in result.by_day.items():
        days.add_row(day, f"{count:,}")
    out.print(days)


@app.command()
def show(
    article_id: ArticleId,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one article with its normalized forms (display form, match key, stems)."""
    described = _query(db, describe_article, article_id)
    if as_json:
        _print_json(described)
        return
    for key, value in described.items():
        if isinstance(value, dict):
            out.print(f"[bold]{_e(key)}[/bold]")
            for inner, inner_value in value.items():
                out.print(f"  {_e(inner)}: {_e(inner_value)}")
        else:
            out.print(f"[bold]{_e(key)}[/bold]: {_e(value)}")


@app.command()
def tags(
    article_id: Annotated[Optional[str], typer.Argument(metavar="[ID]", help="A stored article's id.")] = None,
    input: Annotated[Optional[Path], typer.Option("--input", help="Batch mode: JSON Lines of {id, title, text}.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", help="Batch mode: where to write {id, tags} lines.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many tags.", min=1, max=50)] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a stored article's keyword tags, or tag a JSON Lines file (--input/--output).

    In batch mode the statistics come from the store when --db (or KHABAR_DB)
    is given, else from the input file itself.
    """
    try:
        if input is not None:
            stats = None
            if db or os.environ.get("KHABAR_DB"):
                with open_store(db) as store:
                    stats = store.load_term_stats()
            with (output.open("w", encoding="utf-8") if output and str(output) != "-" else nullcontext(sys.stdout)) as handle:
                report = tag_file(input, handle, stats, k)
            err.print(f"tagged {report.tagged:,} documents, skipped {len(report.skipped):,}")
            for line in report.skipped[:10]:
                err.print(f"  {_e(line)}")
            if report.tagged == 0:
                raise typer.Exit(1)
            return
        if article_id is None:
            raise KhabarError("give an article ID, or --input FILE --output FILE for batch mode")
    except KhabarError as exc:
        raise _fail(exc) from exc
    described = _query(db, describe_tags, article_id)
    if as_json:
        _print_json(described)
        return
    out.print(f"[bold]{_e(described['title'])}[/bold]")
    out.print("كلمات دلالية (keyword tags):")
    for tag in described["tags"]:
        out.print(f"  {_e(tag['display'])}  [dim]{tag['score']:.2f}[/dim]")
    if described["publisher_tags"]:
        out.print("publisher's tags: " + "، ".join(described["publisher_tags"]))


@app.command()
def tag(
    name: Annotated[str, typer.Argument(help="A tag, in any spelling (e.g. التحالف الدولي).")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the articles that carry a tag, newest first."""
    page = _query(db, articles_for_tag, name, limit, offset)
    if as_json:
        _print_json(page)
        return
    out.print(f"[bold]{_e(page['tag'])}[/bold]: {page['total']:,} articles")
    for item in page["articles"]:
        out.print(f"  {item['published'] or '—':<21} {_e(item['id'])}  {_e(item['outlet'])}: {_e(item['title'])}")


@app.command()
def retag(
    db: DbOption = None,
    workers: Annotated[Optional[int], typer.Option("--workers", envvar="KHABAR_WORKERS", help="Processes (default: the CPUs, at most 4).")] = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Rebuild the corpus statistics and recompute every article's tags."""
    try:
        with open_store(db) as store:
            started = time.monotonic()
            report = retag_store(store, workers=workers or default_workers(), scheduler=scheduler)
    except KhabarError as exc:
        raise _fail(exc) from exc
    out.print(
        f"statistics from {report.documents:,} articles ({report.keys:,} keys); "
        f"retagged {report.tagged:,} articles in {time.monotonic() - started:.1f}s"
    )


@app.command()
def dupes(
    article_id: ArticleId,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show an article's near-duplicates (the same text republished), canonical first."""
    group = _query(db, describe_duplicates, article_id)
    if as_json:
        _print_json(group)
        return
    if not group["members"]:
        out.print("no near-duplicates")
        return
    for member in group["members"]:
        mark = "canonical" if member["id"] == group["canonical"] else "copy     "
        out.print(f"  {mark} {member['published'] or '—':<21} {_e(member['id'])}  {_e(member['outlet'])}: {_e(member['title'])}")


@app.command()
def related(
    article_id: ArticleId,
    k: Annotated[int, typer.Option("-k", help="How many similar articles.", min=1, max=50)] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show an article's "read also" (إقرأ أيضاً) and similar articles (مقالات مشابهة)."""
    found = _query(db, describe_related, article_id, k)
    if as_json:
        _print_json(found)
        return
    if found["read_also"]:
        item = found["read_also"]
        out.print(f"إقرأ أيضاً (read also): {_e(item['outlet'])}: {_e(item['title'])}  [dim]{_e(item['id'])} {item['score']:.2f}[/dim]")
    out.print("مقالات مشابهة (similar articles):")
    for item in found["similar"]:
        out.print(f"  {_e(item['outlet'])}: {_e(item['title'])}  [dim]{_e(item['id'])} {item['score']:.2f}[/dim]")


@app.command()
def story(
    article_id: ArticleId,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the story an article belongs to: its outlets and the timeline of coverage."""
    found = _query(db, describe_story, article_id)
    if as_json:
        _print_json(found)
        return
    out.print(f"[bold]{_e(found['title'])}[/bold] — {found['articles']} articles from {len(found['outlets'])} outlets")
    for item in found["timeline"]:
        out.print(f"  {item['published'] or '—':<21} {_e(item['outlet'])}: {_e(item['title'])}  [dim]{_e(item['id'])}[/dim]")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words in any spelling; "quoted phrases" match exactly.')],
    outlet: Annotated[Optional[str], typer.Option("--outlet", help="Only this outlet.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Published at or after (ISO 8601).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Published before (ISO 8601).")] = None,
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only articles with this tag.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date.")] = "relevance",
    limit: Annotated[int, typer.Option("--limit", min=1, max=100)] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search articles across spellings and word forms (BM25, title boost, recency; duplicates collapsed)."""
    page = _query(db, search_page, query, outlet, since, until, tag, sort, limit, offset)
    if as_json:
        _print_json(page)
        return
    out.print(f"{page['total']:,} results for {_e(query)}")
    for item in page["results"]:
        copies = f" (+{item['duplicates']} copies)" if item["duplicates"] else ""
        out.print(f"[bold]{_e(item['title'])}[/bold] — {_e(item['outlet'])} {item['published'] or ''}{copies}  [dim]{_e(item['id'])}[/dim]")
        out.print(f"  {_e(item['snippet'])}")


@app.command()
def pairs(
    articles: Annotated[Path, typer.Option("--articles", help="JSON Lines of {id, title, text, published?, source?}.")],
    pairs_file: Annotated[Path, typer.Option("--pairs", help="JSON Lines of {id1, id2}.")],
    output: Annotated[Path, typer.Option("--output", help="Where to write {id1, id2, similarity, same_story, duplicate}.")],
    db: DbOption = None,
) -> None:
    """Compare pairs of articles: similarity 0..1, same story, duplicate."""
    try:
        stats = None
        if db or os.environ.get("KHABAR_DB"):
            with open_store(db) as store:
                stats = store.load_term_stats()
        with output.open("w", encoding="utf-8") as handle:
            report = score_pairs_file(articles, pairs_file, handle, stats)
    except KhabarError as exc:
        raise _fail(exc) from exc
    err.print(f"scored {report.scored:,} pairs, skipped {len(report.skipped):,}")
    for line in report.skipped[:10]:
        err.print(f"  {_e(line)}")


@app.command()
def export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write; - or nothing for stdout.")] = None,
    db: DbOption = None,
) -> None:
    """Write every stored article as JSON Lines in khabar's generic layout, with ids."""
    try:
        with open_store(db) as store:
            if output is None or str(output) == "-":
                count = export_articles(store, sys.stdout)
            else:
                with output.open("w", encoding="utf-8") as handle:
                    count = export_articles(store, handle)
    except KhabarError as exc:
        raise _fail(exc) from exc
    err.print(f"exported {count:,} articles")


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", envvar="KHABAR_WEB_WORKERS", help="Server processes.")] = 1,
) -> None:
    """Serve the web UI, the JSON API (/api/v1) and Atom feeds over the store."""
    from khabar.web.serve import run_server

    try:
        run_server(resolve_db_url(db), host, port, workers)
    except KhabarError as exc:
        raise _fail(exc) from exc


SourcesOption = Annotated[
    Optional[Path],
    typer.Option("--sources", envvar="KHABAR_SOURCES", help="Sources file (TOML) (default: khabar's outlet list)."),
]


def _sources(sources_file: Path | None, feeds: list[str] | None, allow_private: bool):  # noqa: ANN202
    """The outlets a command works on: given feeds, else the sources file, else the default list."""
    from khabar.ingest.sources import load_sources, single_feed, with_local

    if feeds:
        return [single_feed(url, allow_private) for url in feeds]
    chosen = list(load_sources(sources_file).sources)
    return [with_local(s) for s in chosen] if allow_private else chosen


@app.command()
def fetch(
    once: Annotated[bool, typer.Option("--once", help="Poll every outlet once and exit (for cron).")] = True,
    feed: Annotated[Optional[list[str]], typer.Option("--feed", help="Fetch this feed URL instead of the sources.")] = None,
    sources_file: SourcesOption = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow private and loopback addresses (local test outlets).")
    ] = False,
    db: DbOption = None,
    entity_model: EntityModelOption = None,
    json_output: JsonOption = False,
) -> None:
    """Poll feeds once: fetch new items' pages, extract, tag, link and store them (and find their names
    when there is an entity model)."""
    from khabar.ingest.live import fetch_once

    try:
        outlets = _sources(sources_file, feed, allow_private)
        recognizer = optional_recognizer(entity_model)
        with open_store(db) as store:
            reports = fetch_once(store, outlets)
            if recognizer is not None:
                read_store_entities(store, recognizer)
    except KhabarError as exc:
        raise _fail(exc) from exc
    if json_output:
        _print_json([r.to_dict() for r in reports])
        return
    for r in reports:
        err.print(f"{_e(r.source)}: {r.items} items, {r.stored} stored, {r.updated} updated, {len(r.problems)} problems")
        for problem in r.problems[:10]:
            err.print(f"  {_e(problem)}")


@app.command()
def up(
    sources_file: SourcesOption = None,
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address the web server listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the web server listens on.")] = 8000,
    serve_web: Annotated[bool, typer.Option("--serve/--no-serve", help="Run the web server too.")] = True,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow private and loopback addresses.")] = False,
    entity_model: EntityModelOption = None,
) -> None:
    """Follow the outlets continuously and serve the result, until Ctrl-C or SIGTERM."""
    from khabar.up import run_up

    logging.getLogger().setLevel(min(logging.getLogger().level, logging.WARNING))
    try:
        outlets = _sources(sources_file, None, allow_private)
        entities = optional_recognizer(entity_model)
        run_up(resolve_db_url(db), outlets, host=host, port=port, serve=serve_web, entities=entities)
    except KhabarError as exc:
        raise _fail(exc) from exc


@app.command()
def sources(
    sources_file: SourcesOption = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Each outlet's feeds and fetching state: last success, last error, items seen, next poll."""
    from khabar.ingest.sources import load_sources

    try:
        outlets = load_sources(sources_file).sources
        with open_store(db) as store:
            states = store.source_states()
    except KhabarError as exc:
        raise _fail(exc) from exc
    rows = []
    for s in outlets:
        st = states.get(s.name)
        rows.append({
            "name": s.name, "feeds": list(s.feeds),
            "last_success": isoformat_utc(st.last_success) if st else None,
            "last_error": st.last_error if st else None,
            "last_error_at": isoformat_utc(st.last_error_at) if st else None,
            "items_seen": st.items_seen if st else 0, "articles": st.articles if st else 0,
            "next_poll": isoformat_utc(st.next_poll) if st else None,
        })  # fmt: skip
    if json_output:
        _print_json(rows)
        return
    table = Table("outlet", "last success", "items seen", "articles", "last error")
    for row in rows:
        table.add_row(_e(row["name"]), row["last_success"] or "never", str(row["items_seen"]), str(row["articles"]),
                      _e((row["last_error"] or "")[:80]))  # fmt: skip
    out.print(table)


entities_app = typer.Typer(
    help="Named entities (people, places, organisations): train a model on labelled text, check it, use it.",
    no_args_is_help=True,
)
app.add_typer(entities_app, name="entities")


@entities_app.command("train")
def entities_train(
    conll: Annotated[list[Path], typer.Option("--conll", help="Labelled text in CoNLL form (word TAG a line); repeatable.")],
    model: ModelOption = None,
    iterations: Annotated[int, typer.Option(help="Training passes at most.", min=1, max=1000)] = DEFAULT_ITERATIONS,
    corpus_db: Annotated[
        Optional[str],
        typer.Option("--corpus-db", help="Learn word clusters from this store's articles first, as features (docs/entities.md)."),
    ] = None,
) -> None:
    """Train an entity model on labelled sentences and write it (with what it was trained on beside it)."""
    from khabar.enrich.entities import learn_store_clusters, model_path_from

    path = model_path_from(model)
    try:
        clusters = None
        if corpus_db:
            with open_store(corpus_db) as store:
                clusters = learn_store_clusters(store)
            if not clusters:
                raise KhabarError(f"the store {corpus_db} has too few articles to learn word clusters from; train without --corpus-db")
        about = train_model(conll, path, iterations, clusters)
    except KhabarError as exc:
        raise _fail(exc) from exc
    names = ", ".join(f"{kind} {count:,}" for kind, count in about["names"].items())
    out.print(f"trained on {about['sentences']:,} sentences, {about['tokens']:,} words ({_e(names)}); model: {_e(path)}")
    if clusters:
        out.print(f"with the clusters of {len(clusters):,} words learned from {_e(corpus_db)}")
    if about["problems"]:
        err.print(f"left out {len(about['problems']):,} sentences with a malformed line; the first:")
        for problem in about["problems"][:5]:
            err.print(f"  {_e(problem)}")


@entities_app.command("evaluate")
def entities_evaluate(
    conll: Annotated[Path, typer.Option("--conll", help="Labelled text the model was not trained on.")],
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Precision, recall and F1 of whole names (type and both ends right), per type and over all."""
    try:
        scores = EntityRecognizer(model).evaluate(conll).as_dict()
    except KhabarError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(scores)
        return
    table = Table("type", "precision", "recall", "F1", "names", "found")
    for kind, row in scores.items():
        table.add_row(_e(kind), f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", f"{row['gold']:,}", f"{row['found']:,}")
    out.print(table)


@entities_app.command("run")
def entities_run(
    model: ModelOption = None,
    db: DbOption = None,
    workers: Annotated[int, typer.Option(help="Worker processes that read the articles.", min=1)] = default_workers(),
    as_json: JsonOption = False,
) -> None:
    """Find and store the names of every article this model has not read yet (resumable; a second run
    reads only new or changed articles, or all of them after the model changes)."""
    try:
        recognizer = EntityRecognizer(model)
        with open_store(db) as store:
            report = read_store_entities(store, recognizer, workers)
    except KhabarError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(report.to_dict())
        return
    out.print(f"read {report.read:,} articles, found {report.names:,} names")


@entities_app.command("show")
def entities_show(article_id: ArticleId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The people, places and organisations a stored article names, most mentioned first."""
    described = _query(db, describe_entities, article_id)
    if as_json:
        _print_json(described)
        return
    out.print(f"[bold]{_e(described['title'])}[/bold]")
    if not described["entities"]:
        out.print("no names stored for this article (`khabar entities run` reads the articles)")
    for entity in described["entities"]:
        out.print(f"  {entity['kind']:<5} {_e(entity['name'])}  [dim]×{entity['mentions']}[/dim]")


@entities_app.command("articles")
def entities_articles(
    name: Annotated[str, typer.Argument(help="A name, in any spelling (e.g. الأمم المتحدة).")],
    limit: Annotated[int, typer.Option(help="How many articles.", min=1, max=500)] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The articles that name a person, place or organisation, newest first."""
    found = _query(db, articles_for_entity, name, limit)
    if as_json:
        _print_json(found)
        return
    out.print(f"[bold]{_e(found['entity'])}[/bold] ({found['kind']}): {found['total']:,} articles")
    for item in found["articles"]:
        out.print(f"  {item['published'] or '—':<21} {_e(item['id'])}  {_e(item['outlet'])}: {_e(item['title'])}")
