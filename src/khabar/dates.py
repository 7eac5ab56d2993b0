"""Publication times: parse what sources write, store UTC, keep the original string."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from khabar.text.normalize import display_form

UTC = timezone.utc


def parse_datetime(raw: str | None, assume: timezone = UTC) -> datetime | None:
    """Parse an ISO 8601, ``YYYY-MM-DD hh:mm:ss`` or RFC 2822 time into UTC.

    A time without an offset is taken to be in ``assume``. Eastern digits are
    accepted. Returns None for an empty or unreadable string.
    """
    if not raw or not raw.strip():
        return None
    text = display_form(raw).strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=assume)
    return parsed.astimezone(UTC)


def isoformat_utc(moment: datetime | None) -> str | None:
    """``2015-07-21T02:51:32Z``, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


RIYADH = timezone(timedelta(hours=3), "AST")  # Saudi Arabia: UTC+3, no daylight saving
