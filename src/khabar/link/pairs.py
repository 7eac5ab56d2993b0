"""Pair scoring for evaluation and for callers who want to compare two articles.

Articles come as JSON Lines ``{"id", "title", "text", "published"?, "source"?}``,
pairs as ``{"id1", "id2"}``; each output line is ``{"id1", "id2", "similarity",
"same_story", "duplicate"}``. Statistics come from a store when given, else
from the articles file itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from khabar.dates import parse_datetime
from khabar.enrich.tags import batch_stats, extract_tags
from khabar.errors import IngestError, RecordError
from khabar.ingest.dumps import Problem, read_dump, text_field
from khabar.link.duplicates import fingerprint, is_duplicate
from khabar.link.similarity import same_story, similarity, term_vector
from khabar.stats import CounterStats
from khabar.text import display_form


@dataclass
class PairsReport:
    """Pairs scored, and the lines skipped with their reasons."""

    scored: int = 0
    skipped: list[str] = field(default_factory=list)


def _lines(path: Path, report: PairsReport) -> list[tuple[str, dict]]:
    """The objects of a JSON Lines file (any format :func:`read_dump` reads) with where each is; bad ones
    are reported and skipped."""
    if not path.is_file():
        raise IngestError(f"cannot read {path}: no such file")
    rows = []
    for item in read_dump(path):
        if isinstance(item, Problem):
            report.skipped.append(f"{item.where}: {item.reason}")
        else:
            rows.append((item.where, item.data))
    return rows


def _read_articles(path: Path, report: PairsReport) -> dict[str, tuple[str, str, datetime | None]]:
    """Each article's (title, text, published) by id; a line without an id or with a field of the wrong
    type is reported and skipped."""
    articles = {}
    for where, doc in _lines(path, report):
        try:
            article_id = text_field(doc, "id").strip()
            if not article_id:
                raise RecordError("no id")
            title, text, published = text_field(doc, "title"), text_field(doc, "text"), text_field(doc, "published")
        except RecordError as exc:
            report.skipped.append(f"{where}: {exc}")
            continue
        articles[article_id] = (display_form(title), display_form(text), parse_datetime(published))
    return articles


def score_pairs_file(articles_path: Path, pairs_path: Path, output: TextIO, stats: CounterStats | None = None) -> PairsReport:
    """Score every pair of ``pairs_path`` over the articles of ``articles_path``; write one line each."""
    report = PairsReport()
    docs = _read_articles(articles_path, report)
    if stats is None:
        stats = batch_stats((title, text) for title, text, _ in docs.values())
    prepared = {}
    for doc_id, (title, text, published) in docs.items():
        prepared[doc_id] = (
            term_vector(title, text, stats),
            extract_tags(title, text, stats),
            fingerprint(text),
            published,
        )
    for where, pair in _lines(pairs_path, report):
        if pair.get("id1") is None or pair.get("id2") is None:
            report.skipped.append(f"{where}: a pair needs both id1 and id2")
            continue
        a, b = str(pair["id1"]).strip(), str(pair["id2"]).strip()
        if a not in prepared or b not in prepared:
            report.skipped.append(f"{where}: pair {a}–{b}: unknown article id")
            continue
        va, ta, fa, pa = prepared[a]
        vb, tb, fb, pb = prepared[b]
        score = similarity(va, vb, ta, tb)
        duplicate = bool(fa and fb and is_duplicate(fa, fb, pa, pb))
        row = {"id1": pair["id1"], "id2": pair["id2"], "similarity": round(min(max(score, 0.0), 1.0), 4),
               "same_story": duplicate or same_story(score, pa, pb), "duplicate": duplicate}
        output.write(json.dumps(row, ensure_ascii=False) + "\n")
        report.scored += 1
    return report
