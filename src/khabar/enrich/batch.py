"""Stateless batch tagging, for evaluation and for callers outside the store.

Each input line is ``{"id": ..., "title": ..., "text": ...}`` (``tags``, the
publisher's keywords, optional); each output line is ``{"id": ..., "tags":
[...]}``, best first. Statistics come from a store when one is given, else
from the batch itself (every input document counts once).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from khabar.enrich.tags import (
    DEFAULT_K,
    batch_stats,
    clean_publisher_tags,
    extract_tags,
)
from khabar.ingest.dumps import Problem, read_dump
from khabar.stats import CounterStats

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    """Lines tagged, and the lines skipped with their reasons."""

    tagged: int = 0
    skipped: list[str] = field(default_factory=list)


def _read(path: Path, report: BatchReport) -> list[dict]:
    """The usable input documents (any format :func:`read_dump` reads); bad ones are reported and skipped."""
    docs = []
    for item in read_dump(path):
        if isinstance(item, Problem):
            report.skipped.append(f"{item.where}: {item.reason}")
        elif "id" not in item.data or not isinstance(item.data.get("text", ""), str):
            report.skipped.append(f"{item.where}: expected an object with 'id' and 'text'")
        else:
            docs.append(item.data)
    for line in report.skipped:
        log.warning("skipped %s", line)
    return docs


def tag_file(input_path: Path, output: TextIO, stats: CounterStats | None = None, k: int = DEFAULT_K) -> BatchReport:
    """Tag every document of a JSON Lines file and write one result line each."""
    report = BatchReport()
    docs = _read(input_path, report)
    if stats is None:
        stats = batch_stats((d.get("title") or "", d.get("text") or "") for d in docs)
    for doc in docs:
        publisher = clean_publisher_tags([str(t) for t in doc.get("tags") or []])
        tags = extract_tags(doc.get("title") or "", doc.get("text") or "", stats, k, publisher)
        output.write(json.dumps({"id": doc["id"], "tags": [t.display for t in tags]}, ensure_ascii=False) + "\n")
        report.tagged += 1
    return report
