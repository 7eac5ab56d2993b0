"""Publication times: parse what sources write, store UTC, keep the original string."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from khabar.errors import ConfigError
from khabar.text.normalize import display_form, fold_match

UTC = timezone.utc
# The years a publication time may fall in. Outside them a time is a source's error (0001-01-01 for
# "none"), and linking's windows of days around it left Python's range of dates: one such record
# stopped a whole ingest. The Arabic press began in 1828.
EARLIEST_YEAR, LATEST_YEAR = 1800, 2200


# A Unix time as JSON APIs and exports write it: seconds (ten digits in these years) or milliseconds
# (thirteen), with an optional fraction.
_UNIX_TIME = re.compile(r"(\d{10}|\d{13})(\.\d+)?")


def parse_datetime(raw: str | None, assume: timezone = UTC) -> datetime | None:
    """Parse an ISO 8601, ``YYYY-MM-DD hh:mm:ss``, RFC 2822 or Unix time (seconds or milliseconds) into UTC.

    A time without an offset is taken to be in ``assume`` (a Unix time is UTC). Eastern digits are
    accepted. Returns None for an empty or unreadable string, and for a time
    outside the years ``EARLIEST_YEAR`` to ``LATEST_YEAR``.
    """
    if not raw or not raw.strip():
        return None
    text = display_form(raw).strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        unix = _UNIX_TIME.fullmatch(text)
        if unix:
            seconds = float(text) / (1000 if len(unix.group(1)) == 13 else 1)
            parsed = datetime.fromtimestamp(seconds, UTC)
        else:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
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


# -- Arabic dates as outlets print them ---------------------------------------------
# One table of month names, in match form (hamza forms folded, ة→ه): the Egyptian and Gulf
# names of the Gregorian months, the Levantine (Syriac) ones, and the Maghrebi ones.
ARABIC_MONTHS: dict[str, int] = {
    name: month
    for month, names in enumerate(
        (
            ("يناير", "كانون الثاني", "جانفي"),
            ("فبراير", "شباط", "فيفري"),
            ("مارس", "اذار"),
            ("ابريل", "نيسان", "افريل"),
            ("مايو", "ايار", "ماي"),
            ("يونيو", "يونيه", "حزيران", "جوان"),
            ("يوليو", "يوليه", "تموز", "جويليه", "يوليوز"),
            ("اغسطس", "اب", "اوت", "غشت"),
            ("سبتمبر", "ايلول", "شتنبر"),
            ("اكتوبر", "تشرين الاول"),
            ("نوفمبر", "تشرين الثاني", "نونبر"),
            ("ديسمبر", "كانون الاول", "دجنبر"),
        ),
        start=1,
    )
    for name in names
}
# Units of relative times ("قبل 5 ساعات": five hours ago), in match form: singular, dual and plural.
RELATIVE_UNITS: dict[str, tuple[timedelta, int]] = {  # form → (unit, count it implies without a number)
    **{f: (timedelta(seconds=1), 1) for f in ("ثانيه", "ثوان", "ثواني")},
    **{f: (timedelta(minutes=1), 1) for f in ("دقيقه", "دقائق")},
    **{f: (timedelta(minutes=1), 2) for f in ("دقيقتين", "دقيقتان")},
    **{f: (timedelta(hours=1), 1) for f in ("ساعه", "ساعات")},
    **{f: (timedelta(hours=1), 2) for f in ("ساعتين", "ساعتان")},
    **{f: (timedelta(days=1), 1) for f in ("يوم", "ايام")},
    **{f: (timedelta(days=1), 2) for f in ("يومين", "يومان")},
    **{f: (timedelta(weeks=1), 1) for f in ("اسبوع", "اسابيع")},
    **{f: (timedelta(weeks=1), 2) for f in ("اسبوعين", "اسبوعان")},
}
_MONTH_PATTERN = "|".join(sorted(ARABIC_MONTHS, key=len, reverse=True))
_ARABIC_DATE = re.compile(rf"(\d{{1,2}})\s*(?:من\s+)?({_MONTH_PATTERN})\s*[,،/-]?\s*(\d{{4}})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(ص|م|صباحا|مساء|am|pm)?", re.I)
_RELATIVE = re.compile(rf"(?:قبل|منذ)\s+(\d+)?\s*({'|'.join(sorted(RELATIVE_UNITS, key=len, reverse=True))})")
_EVENING = {"م", "مساء", "pm"}
_MORNING = {"ص", "صباحا", "am"}


def parse_arabic_datetime(raw: str | None, now: datetime | None = None, assume: timezone = UTC) -> datetime | None:
    """A publication time as Arabic outlets print it, in UTC; None when unreadable.

    Reads what :func:`parse_datetime` reads, dates with Arabic month names
    (Egyptian/Gulf, Levantine such as كانون الثاني, and Maghrebi), with an
    optional time and ص/م (a.m./p.m.), Arabic-Indic digits, and relative forms
    such as "قبل ٥ ساعات" (five hours ago), "منذ ساعتين" (two hours ago) and
    "أمس" (yesterday), counted back from ``now``. Times without a zone are in
    ``assume``.
    """
    if not raw or not raw.strip():
        return None
    standard = parse_datetime(raw, assume)
    if standard is not None:
        return standard
    text = fold_match(display_form(raw))
    now = now or datetime.now(UTC)
    relative = _RELATIVE.search(text)
    if relative:
        unit, implied = RELATIVE_UNITS[relative.group(2)]
        count = int(relative.group(1)) if relative.group(1) else implied
        return (now - unit * count).astimezone(UTC)
    if re.search(r"(?:^|\s)(?:امس|البارحه)(?:\s|$)", text):
        return (now - timedelta(days=1)).astimezone(UTC)
    match = _ARABIC_DATE.search(text)
    if not match:
        return None
    day, month, year = int(match.group(1)), ARABIC_MONTHS[match.group(2)], int(match.group(3))
    hour = minute = second = 0
    clock = _TIME.search(text)
    if clock:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        marker = (clock.group(4) or "").lower()
        if marker in _EVENING and hour < 12:
            hour += 12
        elif marker in _MORNING and hour == 12:
            hour = 0
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=assume).astimezone(UTC)
    except ValueError:
        return None


def parse_offset(text: str) -> timezone:
    """``"+03:00"`` (or ``"UTC"``) as a fixed time zone."""
    if text.strip().upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", text.strip())
    if not match:
        raise ConfigError(f"timezone {text!r}: write a UTC offset such as \"+03:00\"")
    sign = 1 if match.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def offset_text(zone: timezone) -> str:
    """A fixed time zone as ``"+03:00"`` (what :func:`parse_offset` reads)."""
    minutes = int(zone.utcoffset(None).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
