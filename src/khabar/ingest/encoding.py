"""Bytes from the web into text: the declared encoding first, then detection.

Bytes that are valid UTF-8 with non-ASCII characters are UTF-8 (a
single-byte encoding such as windows-1256 would decode them too, as
mojibake, so a wrong header must not win). Otherwise the order is the one
browsers and feed readers follow: a byte-order mark, the HTTP
``Content-Type`` charset, the XML declaration (feeds, sitemaps), the HTML
``<meta charset>`` (pages), then detection by charset-normalizer among the
encodings Arabic sites use. A declared name that Python does not know is
skipped, and a declared encoding that cannot decode the bytes gives way to
detection, so a wrong header never turns an article into mojibake.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from khabar.errors import IngestError

# What Arabic sites are served in; detection only chooses among these.
ARABIC_SITE_ENCODINGS = ("utf_8", "cp1256", "iso8859_6")
# Names sites write that Python spells otherwise.
ALIASES = {"windows-1256": "cp1256", "x-cp1256": "cp1256", "iso-8859-6": "iso8859_6", "arabic": "iso8859_6"}

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf_8"), (codecs.BOM_UTF16_LE, "utf_16"), (codecs.BOM_UTF16_BE, "utf_16"))


def codec_name(label: str | None) -> str | None:
    """Python's name for an encoding label, or None when Python does not know it."""
    if not label:
        return None
    label = ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_encodings(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """The encodings a response declares, strongest first, as (where, codec)."""
    found: list[tuple[str, str]] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            found.append(("byte-order mark", name))
    match = _HEADER_CHARSET.search(content_type or "")
    if match and (name := codec_name(match.group(1))):
        found.append(("HTTP header", name))
    head = body[:2048]
    for where, pattern in (("XML declaration", _XML_DECLARATION), ("meta charset", _META_CHARSET)):
        match = pattern.search(head)
        if match and (name := codec_name(match.group(1).decode("ascii", "replace"))):
            found.append((where, name))
    return found


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a response body; return (text, how the encoding was chosen).

    Raises :class:`IngestError` when nothing decodes it.
    """
    declared = declared_encodings(body, content_type)
    if not body.isascii() and not any(name.startswith("utf_16") for _, name in declared):
        try:  # non-ASCII bytes that are valid UTF-8 are UTF-8, whatever a header says: chance never does that
            return body.decode("utf-8").lstrip("\ufeff"), "utf-8 (valid as UTF-8)"
        except UnicodeDecodeError:
            pass
    for where, name in declared:
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff"), f"{name} ({where})"
    if body.isascii():
        return body.decode("ascii"), "ascii"
    best = from_bytes(body, cp_isolation=list(ARABIC_SITE_ENCODINGS)).best()
    if best is None:
        raise IngestError("cannot decode the response: not UTF-8, windows-1256 or ISO-8859-6, and none is declared")
    return str(best), f"{best.encoding} (detected)"
