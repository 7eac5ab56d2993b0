"""Bulk dumps: JSON Lines, JSON arrays and CSV, gzip-compressed or not.

Reading never stops at a bad record: each yields either a record (a dict and
where it came from) or a :class:`Problem` with the file, the line and the
reason. A file cut short (a half-written ``.gz``) yields what it holds and then
a problem saying where it ends.

Records are turned into :class:`~khabar.model.Article` by a layout (see
:data:`LAYOUTS`): SaudiNewsNet's and khabar's own generic one, described in the
README.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import logging
import lzma
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TextIO

import ijson
import orjson

from khabar.dates import EARLIEST_YEAR, LATEST_YEAR, RIYADH, UTC, parse_datetime
from khabar.errors import RecordError
from khabar.model import Article
from khabar.urls import MAX_URL_CHARS

if TYPE_CHECKING:
    from khabar.store import Store

log = logging.getLogger(__name__)

FALLBACK_ENCODING = "windows-1256"  # the legacy encoding of most Arabic sites and exports
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF8_BOM = b"\xef\xbb\xbf"
# The longest outlet name or id a record may have (its address: khabar.urls.MAX_URL_CHARS). They are keys
# of the store's indexes, and PostgreSQL's B-tree keeps an entry of at most 2,704 bytes: a record with
# 9,000 characters in either failed its whole batch there.
MAX_NAME_CHARS = 256
# The longest text and title a record may have. The longest SaudiNewsNet article has 33,687 characters;
# a text of 48 MB took 53 s to ingest and would be served whole on its page, so a record past these
# limits is no article (a book, a log, a dump inside a dump) and is skipped with its reason.
MAX_TEXT_CHARS = 1_000_000
MAX_TITLE_CHARS = 10_000
# A publisher's own keywords: an outlet gives five to twenty, of a few words. Past these, a list is junk
# (a record with 200,000 of them took 16 s), so only the first ones that fit are kept.
MAX_PUBLISHER_TAGS = 100
MAX_PUBLISHER_TAG_CHARS = 200
# A publication time further than this past the moment the article was fetched is a wrong clock or time
# zone, or a placeholder (2099-01-01): taken as given, the article would top every list by date for
# years. Such a time is kept only as written (``published_raw``); the article's time is unknown.
MAX_AHEAD_OF_FETCH = timedelta(days=1)


@dataclass(frozen=True)
class Record:
    """One raw record and where it was read (``file:line``)."""

    data: dict[str, Any]
    where: str


@dataclass(frozen=True)
class Problem:
    """Something that could not be read or used, where, and why."""

    where: str
    reason: str
    was_read: bool = False  # the record itself was read, but could not be used


# ---------------------------------------------------------------------------
# Reading files


# The compressions a dump may come in: each one's magic number, how to open it, its usual suffix.
COMPRESSIONS: tuple[tuple[bytes, Callable[..., Any], str], ...] = (
    (b"\x1f\x8b", gzip.open, ".gz"),
    (b"BZh", bz2.open, ".bz2"),
    (b"\xfd7zXZ\x00", lzma.open, ".xz"),
)


def _open_bytes(path: Path) -> io.BufferedIOBase:
    """Open a file for reading bytes, through the decompressor whose magic number it starts with."""
    with path.open("rb") as probe:
        head = probe.read(6)
    for magic, opener, _ in COMPRESSIONS:
        if head.startswith(magic):
            return opener(path, "rb")
    return path.open("rb")  # type: ignore[return-value]


def _format_of(path: Path, head: bytes) -> str:
    """``jsonl``, ``json`` or ``csv``: from the name, else from the first bytes."""
    name = path.name.lower()
    for _, _, suffix in COMPRESSIONS:
        name = name.removesuffix(suffix)
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"[": "json", b"{": "jsonl"}.get(first, "csv")


def _decode(line: bytes, where: str, warned: set[str]) -> str:
    """UTF-8, else the Arabic legacy encoding (logged once per file)."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        file = where.rsplit(":", 1)[0]
        if file not in warned:
            warned.add(file)
            log.warning("%s: not UTF-8; reading as %s", where, FALLBACK_ENCODING)
        return line.decode(FALLBACK_ENCODING, errors="replace")


def _without_surrogates(value: Any) -> Any:
    """Parsed JSON with each lone surrogate in its strings made U+FFFD (the replacement character).

    Python's json module reads an escape such as ``\\ud800`` as a lone surrogate, which no store can
    write (it is no UTF-8), and the batch holding it failed; orjson refuses such a line, so only this
    fallback parse meets them.
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
    return value


# The longest line of a JSON Lines or CSV dump. A record holds at most MAX_TEXT_CHARS of text (6 MB as JSON
# escapes) and a fetched page's HTML (5 MiB, escaped); a longer line is no record, and one that never
# ends (binary data, a whole export on one line) would be read into memory whole.
MAX_LINE_BYTES = 64 * 2**20


def _line_too_long(where: str) -> Problem:
    """The problem of a line past ``MAX_LINE_BYTES``."""
    return Problem(where, f"a line longer than {MAX_LINE_BYTES // 2**20} MiB is no record; not read")


def _bounded_lines(stream: io.BufferedIOBase) -> Iterator[bytes | None]:
    """The lines of a stream, each at most ``MAX_LINE_BYTES`` long; a longer one is passed over without
    being held and given as None."""
    while line := stream.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def _read_jsonl(stream: io.BufferedIOBase, name: str) -> Iterator[Record | Problem]:
    """One JSON object a line; blank lines are passed over."""
    warned: set[str] = set()
    for number, line in enumerate(_bounded_lines(stream), start=1):
        if line is None:
            yield _line_too_long(f"{name}:{number}")
            continue
        if number == 1 and line.startswith(_UTF8_BOM):  # Windows tools write one; neither parser takes it
            line = line[len(_UTF8_BOM) :]
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            try:  # orjson refuses non-UTF-8 bytes; a legacy-encoded line is still JSON
                data = _without_surrogates(json.loads(_decode(line, where, warned)))
            except (ValueError, RecursionError):  # json recurses: a value nested thousands deep raises
                yield Problem(where, f"malformed JSON: {exc}")
                continue
        if isinstance(data, dict):
            yield Record(data, where)
        else:
            yield Problem(where, f"expected a JSON object, found {type(data).__name__}")


# How deep a record's values may nest. A record is a flat object of strings (and a list of tags); orjson
# refuses a line nested 1,024 deep, and a value thousands deep cannot even be sent to a worker (pickle
# recurses), so past this depth an array's value is a bad record.
MAX_RECORD_DEPTH = 64


def _too_deep(value: Any, limit: int = MAX_RECORD_DEPTH) -> bool:
    """Whether lists and objects nest past ``limit`` levels in a parsed value (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


def _read_json_array(stream: io.BufferedIOBase, name: str) -> Iterator[Record | Problem]:
    """A JSON array of objects (or one object); records are numbered from 1.

    An array is read one value at a time (ijson's C parser), so an export of any size takes the memory
    of one record: a 107 MB array of the SaudiNewsNet dump took 380 MB read whole, against 25 MB for the
    same records as JSON Lines. What that parser stops at (text in the Arabic legacy encoding, a number
    past a float, a half-written or broken array) is read again whole, as :func:`_read_json_whole`
    reads it, and gives the records after those already given, then the problem with its line.
    """
    if stream.peek(3)[:3] == _UTF8_BOM:
        stream.read(3)
    if not stream.peek(64)[:64].lstrip(b" \t\r\n").startswith(b"["):
        yield from _read_json_whole(stream, name)  # one object, or not JSON at all
        return
    given = 0
    try:
        for given, item in enumerate(ijson.items(stream, "item", use_float=True), start=1):
            if _too_deep(item):
                yield Problem(f"{name}:record {given}", "malformed JSON: a value nested too deeply")
            else:
                yield from _array_records([item], name, first=given)
        return
    except ijson.JSONError:
        pass
    stream.seek(0)
    yield from islice(_read_json_whole(stream, name), given, None)


def _read_json_whole(stream: io.BufferedIOBase, name: str) -> Iterator[Record | Problem]:
    """A JSON text read whole: an array of objects or one object. An array that breaks off part way (a
    half-written export) gives its whole records, then a problem saying where it broke."""
    content = stream.read()
    if content.startswith(_UTF8_BOM):
        content = content[len(_UTF8_BOM) :]
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        text = _decode(content, f"{name}:1", set())
        try:
            data = _without_surrogates(json.loads(text))
        except (ValueError, RecursionError):
            yield from _salvage_array(text, name)
            return
    yield from _array_records(data if isinstance(data, list) else [data], name)


def _array_records(items: list[Any], name: str, first: int = 1) -> Iterator[Record | Problem]:
    """The values of a JSON array as records, numbered from ``first``; a value that is no object is a problem."""
    for number, item in enumerate(items, start=first):
        where = f"{name}:record {number}"
        if isinstance(item, dict):
            yield Record(item, where)
        else:
            yield Problem(where, f"expected a JSON object, found {type(item).__name__}")


_BLANK = re.compile(r"[ \t\r\n]*")


def _salvage_array(text: str, name: str) -> Iterator[Record | Problem]:
    """The records of a JSON text that does not parse whole: an array's values one by one up to the first
    that does not parse, then one problem saying where (the rest of the file cannot be told apart)."""
    decoder = json.JSONDecoder()
    position = _BLANK.match(text).end()
    if not text.startswith("[", position):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            yield Problem(f"{name}:{exc.lineno}", f"malformed JSON: {exc.msg}")
        except RecursionError:
            yield Problem(f"{name}:1", "malformed JSON: a value nested too deeply")
        return
    position, number = position + 1, 0
    while True:
        position = _BLANK.match(text, position).end()
        if number == 0 and text.startswith("]", position):
            break  # an empty array with something after it
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            yield Problem(f"{name}:{exc.lineno}", f"malformed JSON array after record {number}: {exc.msg}; the rest is not read")
            return
        except RecursionError:
            line = text.count("\n", 0, position) + 1
            yield Problem(f"{name}:{line}", f"malformed JSON array after record {number}: a value nested too deeply; the rest is not read")
            return
        number += 1
        yield from _array_records([_without_surrogates(item)], name, first=number)
        position = _BLANK.match(text, position).end()
        if text.startswith(",", position):
            position += 1
        elif text.startswith("]", position):
            break
        else:
            line = text.count("\n", 0, position) + 1
            reason = "ends" if position >= len(text) else "expected ',' or ']'"
            yield Problem(f"{name}:{line}", f"malformed JSON array after record {number}: it {reason} here; the rest is not read")
            return
    if text[position + 1 :].strip():
        line = text.count("\n", 0, position) + 1
        yield Problem(f"{name}:{line}", "malformed JSON array: text after its end is not read")


def _read_csv(stream: io.BufferedIOBase, name: str) -> Iterator[Record | Problem]:
    """CSV with a header row; records are located by the line they start on. A line past
    ``MAX_LINE_BYTES`` is passed over (read as an empty line) and reported."""
    warned: set[str] = set()
    too_long: list[int] = []  # numbers of the lines passed over, reported after the row they fell in

    def lines() -> Iterator[str]:
        for number, line in enumerate(_bounded_lines(stream), start=1):
            if line is None:
                too_long.append(number)
                yield "\n"
            else:
                yield _decode(line, f"{name}:?", warned)

    csv.field_size_limit(1 << 30)
    reader = csv.reader(lines())
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        return
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Problem(f"{name}:{start}", f"malformed CSV: {exc}")
            start = reader.line_num + 1
            continue
        where = f"{name}:{start}"
        start = reader.line_num + 1
        while too_long:
            yield _line_too_long(f"{name}:{too_long.pop(0)}")
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Problem(where, f"expected {len(header)} fields, found {len(row)}")
            continue
        yield Record(dict(zip(header, row)), where)


_READERS: dict[str, Callable[[io.BufferedIOBase, str], Iterator[Record | Problem]]] = {
    "jsonl": _read_jsonl,
    "json": _read_json_array,
    "csv": _read_csv,
}


def read_dump(path: str | Path) -> Iterator[Record | Problem]:
    """Every record of a dump file, or the problem that stopped each bad one.

    A file that cannot be opened is one problem; the caller goes on with the next.
    """
    path = Path(path)
    try:
        stream = _open_bytes(path)
    except OSError as exc:
        yield Problem(str(path), f"cannot read the file: {exc.strerror or exc}")
        return
    name = str(path)
    last = "start"
    with stream:
        try:
            head = stream.peek(64)[:64]
            reader = _READERS[_format_of(path, head)]
            for item in reader(stream, name):
                last = item.where
                yield item
        except (EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError) as exc:
            yield Problem(f"{name}", f"file ends early after {last} ({exc}); it may be half-written")
        except OSError as exc:
            yield Problem(f"{name}", f"read failed after {last}: {exc}")


# ---------------------------------------------------------------------------
# Layouts: which fields of a record make an article


@dataclass(frozen=True)
class Layout:
    """How a dump names an article's fields, and the time zone of its naive times."""

    name: str
    marker: str  # a field only this layout has
    outlet: str
    text: str
    published: str
    assume_tz: timezone
    tags: str | None = None


LAYOUTS: tuple[Layout, ...] = (
    # SaudiNewsNet: source, url, date_extracted, title, author, content. Its times
    # have no offset; they were taken from Saudi outlets, so Riyadh time (UTC+3).
    Layout("saudinewsnet", marker="content", outlet="source", text="content", published="date_extracted", assume_tz=RIYADH),
    # khabar's generic layout: url, outlet, title, text, published (ISO 8601), and
    # optionally id, author, language, tags, published_raw, fetched.
    Layout("khabar", marker="text", outlet="outlet", text="text", published="published", assume_tz=UTC, tags="tags"),
)


def _layout_of(data: dict[str, Any]) -> Layout:
    """The layout whose marker field the record has."""
    for layout in LAYOUTS:
        if layout.marker in data:
            return layout
    raise RecordError(
        "unknown layout: expected a 'text' field (khabar layout) or a 'content' field (SaudiNewsNet layout); "
        f"found fields {sorted(data)[:12]}"
    )


def text_field(data: dict[str, Any], key: str | None) -> str:
    """A field of a record as a string ('' when absent or null, NUL characters dropped); raises
    :class:`RecordError` for a list or an object."""
    if key is None:
        return ""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise RecordError(f"field {key!r} should be text, found {type(value).__name__}")
    return _without_nul(str(value))


def _without_nul(value: str) -> str:
    """``value`` without NUL characters: junk in any text, and PostgreSQL refuses them (one failed the
    whole batch of its dump there)."""
    return value.replace("\x00", "") if "\x00" in value else value


def _tags(data: dict[str, Any], key: str | None) -> list[str]:
    """Publisher tags: a JSON list, or a string separated by commas (Arabic or Latin) or semicolons; the first
    ``MAX_PUBLISHER_TAGS`` of at most ``MAX_PUBLISHER_TAG_CHARS`` characters each."""
    if key is None or data.get(key) in (None, ""):
        return []
    value = data[key]
    if isinstance(value, str):
        for sep in ("،", ";", "؛", "|"):
            value = value.replace(sep, ",")
        value = value.split(",")
    if not isinstance(value, list):
        raise RecordError(f"field {key!r} should be a list of strings, found {type(value).__name__}")
    tags = (_without_nul(str(v)).strip() for v in value if v is not None)
    return [tag for tag in tags if tag and len(tag) <= MAX_PUBLISHER_TAG_CHARS][:MAX_PUBLISHER_TAGS]


def _check_lengths(fields: Iterable[tuple[str, str | None, int]], why: str = "") -> None:
    """Raise :class:`RecordError` for the first (name, value, limit) whose value is longer than its limit."""
    for what, value, limit in fields:
        if value and len(value) > limit:
            raise RecordError(f"{what} of {len(value):,} characters; at most {limit:,}{why}")


def record_to_article(data: dict[str, Any]) -> Article:
    """Turn one raw record into a normalized article, or raise :class:`RecordError` saying why not.

    A fetched page (a record with ``html`` and no ``text``) has its main text extracted first.
    """
    if "html" in data and not data.get("text"):
        from khabar.ingest.pages import page_record

        data = page_record(data)
    layout = _layout_of(data)
    text = text_field(data, layout.text)
    if not text.strip():
        raise RecordError("empty text")
    title = text_field(data, "title")
    _check_lengths((("text", text, MAX_TEXT_CHARS), ("title", title, MAX_TITLE_CHARS)), " (an article, not a whole book or site)")
    outlet = text_field(data, layout.outlet).strip()
    if not outlet:
        raise RecordError(f"missing outlet (field {layout.outlet!r})")
    published_raw = text_field(data, layout.published).strip() or None
    published = parse_datetime(published_raw, assume=layout.assume_tz)
    if published_raw and published is None:
        raise RecordError(
            f"unreadable time {published_raw!r} in field {layout.published!r}; use ISO 8601, "
            f"in the years {EARLIEST_YEAR} to {LATEST_YEAR}"
        )
    given_id = text_field(data, "id").strip() if layout.name == "khabar" else ""
    article = Article.create(
        id=given_id or None,
        url=text_field(data, "url").strip() or None,
        outlet=outlet,
        title=title,
        text=text,
        published=published,
        published_raw=text_field(data, "published_raw").strip() or published_raw,
        fetched=parse_datetime(text_field(data, "fetched")),
        author=text_field(data, "author").strip() or None,
        language=text_field(data, "language").strip() or None,
        publisher_tags=_tags(data, layout.tags),
    )
    if not article.text:
        raise RecordError("empty text")
    if article.published is not None and article.published > article.fetched + MAX_AHEAD_OF_FETCH:
        article.published = None
    _check_lengths((("url", article.url, MAX_URL_CHARS), ("outlet", article.outlet, MAX_NAME_CHARS), ("id", given_id, MAX_NAME_CHARS)))
    return article


# ---------------------------------------------------------------------------
# Writing: the generic layout, which ``read_dump`` reads back


def export_articles(store: "Store", handle: TextIO) -> int:
    """Write every stored article to ``handle`` as JSON Lines in the generic layout; return the count.

    Ingesting the result into a fresh store gives the same articles, ids included.
    """
    count = 0
    for article in store.iter_articles():
        handle.write(orjson.dumps(article.to_record()).decode("utf-8"))
        handle.write("\n")
        count += 1
    return count
