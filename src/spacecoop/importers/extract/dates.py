"""Dates printed in an article: day, month or year, the year inferred from the article's date."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        1,
    )
}
MONTHS.update(
    {
        "jan": 1,
        "feb": 2,
        "mar": 3,
        "apr": 4,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "sept": 9,
        "oct": 10,
        "nov": 11,
        "dec": 12,
    }
)
_MON = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept\.?|Sep\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE_PATTERNS = [
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r"(?:,?\s+(?P<year>\d{4}))?\b"),
    re.compile(
        r"(?:\b|(?<=[a-z]))" + _MON + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,\s*(?P<year>\d{4}))?(?!\d)"
    ),
    re.compile(r"\b" + _MON + r"\s+(?P<year>\d{4})\b"),
    re.compile(
        r"\b(?:in|during|since|from|of|by)\s+(?P<mon>January|February|March|April|May|June|July|"
        r"August|September|October|November|December)\b(?!\s+\d)"
    ),
    re.compile(r"\b(?:in|during|since|from|of)\s+(?:early\s+|late\s+|mid-)?(?P<year>(?:19|20)\d{2})\b(?!s)"),
    re.compile(r"\b(?P<rel>today|yesterday)\b", re.IGNORECASE),
    re.compile(
        r"\b(?:(?:on|last)\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b(?![’']s)"
    ),
]


@dataclass(frozen=True)
class DateMention:
    """A date printed in the text: ISO value, precision, offsets, and whether the year was inferred."""

    start: int
    end: int
    value: str
    precision: str
    inferred: bool = False


def parse_dates(text: str, article_date: _dt.date | None = None, offset: int = 0) -> list[DateMention]:
    """Find the dates printed in ``text``, in order; missing years come from ``article_date``.

    A day or month printed without a year takes the article's year, or the year before when that
    would put it more than a week after the article. ``today`` and weekdays ("on Friday") count
    back from the article's date. Without an article date such mentions are left out.

    Examples
    --------
    >>> [(d.value, d.precision, d.inferred) for d in parse_dates("signed April 5 and in 2023",
    ...                                                           _dt.date(2024, 4, 8))]
    [('2024-04-05', 'day', True), ('2023', 'year', False)]
    >>> [d.value for d in parse_dates("in December", _dt.date(2025, 1, 10))]
    ['2024-12']
    """
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            gd = m.groupdict()
            year = int(gd["year"]) if gd.get("year") else None
            mon = MONTHS[gd["mon"].rstrip(".").lower()] if gd.get("mon") else None
            day = int(gd["day"]) if gd.get("day") else None
            inferred = False
            if gd.get("rel") or gd.get("wd"):
                if article_date is None:
                    continue
                if gd.get("rel"):
                    d = article_date - _dt.timedelta(days=0 if gd["rel"].lower() == "today" else 1)
                else:
                    back = (article_date.weekday() - _WEEKDAYS.index(gd["wd"].lower())) % 7
                    d = article_date - _dt.timedelta(days=back)
                found.append(DateMention(m.start() + offset, m.end() + offset, d.isoformat(), "day", True))
                taken.append(m.span())
                continue
            if year is None:
                if article_date is None:
                    continue
                year, inferred = article_date.year, True
                probe = _dt.date(year, mon or 1, min(day or 1, 28))
                if probe > article_date + _dt.timedelta(days=7):
                    year -= 1
            if day and mon is None:
                continue  # no pattern has a day without its month
            try:
                if day and mon:
                    value, precision = _dt.date(year, mon, day).isoformat(), "day"
                elif mon:
                    value, precision = f"{year:04d}-{mon:02d}", "month"
                else:
                    value, precision = f"{year:04d}", "year"
            except (ValueError, TypeError):
                continue
            found.append(DateMention(m.start() + offset, m.end() + offset, value, precision, inferred))
            taken.append(m.span())
    return sorted(found, key=lambda d: d.start)


DATE_LEAD = re.compile(
    r"^(?:on\s+)?(?:" + _MON.replace("?P<mon>", "?:") + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,\s*\d{4})?|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+" + _MON.replace("?P<mon>", "?:") + r"(?:\s+\d{4})?)\s+"
)
