"""The ``khabar`` command: a thin layer over the library, one function call per command."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from khabar import __version__
from khabar.errors import KhabarError
from khabar.ingest.dumps import export_articles
from khabar.pipeline import IngestReport, default_workers, ingest_paths
from khabar.views import describe_article
from khabar.store import open_store, resolve_db_url

app = typer.Typer(
    help="khabar (خبر): gather, understand, link and serve Arabic news.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

DbOption = Annotated[
    Optional[str],
    typer.Option("--db", envvar="KHABAR_DB", help="Store URL: a SQLite path or sqlite:///path [default: ./khabar.db]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _print_json(data: object) -> None:
    """Print JSON to standard output, Arabic left readable."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _fail(exc: KhabarError) -> typer.Exit:
    """Show a khabar error as one clear line and exit with code 2."""
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(2)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step, including each skipped record.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """khabar (خبر): gather, understand, link and serve Arabic news."""
    if version:
        out.print(__version__)
        raise typer.Exit()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Dump files: .jsonl, .json or .csv, optionally .gz.")],
    db: DbOption = None,
    workers: Annotated[
        Optional[int], typer.Option("--workers", envvar="KHABAR_WORKERS", help="Processes that normalize [default: CPUs].")
    ] = None,
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

            report = ingest_paths(
                store, [str(p) for p in paths], workers=workers or default_workers(), on_batch=on_batch
            )
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
            out.print(f"  skipped {count:,}: {reason}")
        for problem in report.problems[:10]:
            err.print(f"  {problem.where}: {problem.reason}")
        if len(report.problems) > 10:
            err.print(f"  … and more; run with --verbose to see every skipped record")
    if report.read == 0:
        err.print("[red]error:[/red] nothing could be read from the given files")
        raise typer.Exit(1)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Count stored articles: in total, by outlet and by day of publication (UTC)."""
    try:
        with open_store(db) as store:
            result = store.stats()
    except KhabarError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(result.to_dict())
        return
    out.print(f"{result.articles:,} articles in {resolve_db_url(db)}")
    table = Table("outlet", "articles")
    for outlet, count in result.by_outlet.items():
        table.add_row(outlet, f"{count:,}")
    out.print(table)
    days = Table("day", "articles")
    for day, count in result.by_day.items():
        days.add_row(day, f"{count:,}")
    out.print(days)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id (see `khabar export`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one article with its normalized forms (display form, match key, stems)."""
    try:
        with open_store(db) as store:
            described = describe_article(store, article_id)
    except KhabarError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(described)
        return
    for key, value in described.items():
        if isinstance(value, dict):
            out.print(f"[bold]{key}[/bold]")
            for inner, inner_value in value.items():
                out.print(f"  {inner}: {inner_value}")
        else:
            out.print(f"[bold]{key}[/bold]: {value}")


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
