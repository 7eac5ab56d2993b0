"""How things read on the page: Arabic dates, paragraphs, highlighted snippets.

Everything here returns plain text for Jinja2 to escape, except
:func:`highlight`, which returns markup that nh3 has sanitized down to
``<mark>`` elements.
"""

from __future__ import annotations

import re
from datetime import datetime

import nh3
from markupsafe import Markup, escape

from khabar.dates import UTC

# Month names as most Arab outlets print them (يناير … ديسمبر: January … December).
MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip

# Counted nouns by Arabic number agreement: (one, two, three to ten, eleven and up).
UNITS = {
    "minute": ("دقيقة", "دقيقتين", "دقائق", "دقيقة"),
    "hour": ("ساعة", "ساعتين", "ساعات", "ساعة"),
}
RELATIVE_LIMIT_HOURS = 24  # older than this, a full date is clearer


def counted(n: int, unit: str) -> str:
    """``n`` of a unit with Arabic agreement: ساعة، ساعتين، ٣ ساعات، ١١ ساعة (written with Western digits)."""
    one, two, few, many = UNITS[unit]
    if n == 1:
        return one
    if n == 2:
        return two
    return f"{n} {few if 3 <= n <= 10 else many}"


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    """"منذ ساعتين" (two hours ago) for the last day, else the full date; "" when unknown."""
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 0 or seconds >= RELATIVE_LIMIT_HOURS * 3600:
        return full_date(moment)
    if seconds < 60:
        return "الآن"  # just now
    if seconds < 3600:
        return "منذ " + counted(int(seconds // 60), "minute")  # منذ: "since", i.e. … ago
    return "منذ " + counted(int(seconds // 3600), "hour")


def full_date(moment: datetime | None) -> str:
    """``21 يوليو 2015، 02:51 (UTC)``; "" when unknown."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}، {moment:%H:%M} (UTC)"


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs: split on blank lines or line breaks, empty ones dropped."""
    return [p.strip() for p in re.split(r"\n+", text or "") if p.strip()]


def highlight(snippet: str) -> Markup:
    """A search snippet with its ``[matched]`` words in ``<mark>``; all else escaped, then sanitized by nh3."""
    escaped = str(escape(snippet))
    marked = re.sub(r"\[([^\[\]<>]{1,200})\]", r"<mark>\1</mark>", escaped)
    return Markup(nh3.clean(marked, tags={"mark"}, attributes={}))
