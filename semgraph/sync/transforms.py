"""The value transforms a mapping may name (``sgm:transform``), plus date patterns and
decimal separators (``sgm:datePattern``, ``sgm:decimalSeparator``).

Every function takes the source text and returns a Python value or raises ``ValueError``
with a reason a user can act on; the engine turns that into a rejected row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from semgraph.ontology.terms import TRANSFORMS

Transform = Callable[[str], object]

# Java/ICU style pattern letters as exports and users write them -> strptime directives.
_PATTERN_TOKENS = {
    "yyyy": "%Y",
    "yy": "%y",
    "MM": "%m",
    "dd": "%d",
    "HH": "%H",
    "mm": "%M",
    "ss": "%S",
    "XXX": "%z",  # a zone: Z, +08:00 or +0800
}
_TOKEN = re.compile("|".join(sorted(_PATTERN_TOKENS, key=len, reverse=True)) + "|[A-Za-z]")
_TRUE = frozenset({"yes", "y", "true", "1", "x", "是"})
_FALSE = frozenset({"no", "n", "false", "0", "否"})


def strptime_format(pattern: str) -> str:
    """``dd/MM/yyyy`` as ``%d/%m/%Y``; raises ValueError naming an unknown pattern letter."""
    out: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(pattern):
        token = match.group()
        if token not in _PATTERN_TOKENS:
            raise ValueError(
                f"date pattern `{pattern}` has unknown letter `{token}`; "
                "use yyyy, yy, MM, dd, HH, mm, ss, XXX (zone)"
            )
        out.append(pattern[pos : match.start()].replace("%", "%%"))
        out.append(_PATTERN_TOKENS[token])
        pos = match.end()
    out.append(pattern[pos:].replace("%", "%%"))
    return "".join(out)


def parse_decimal(text: str, separator: str = ".") -> Decimal:
    """A decimal from ``1234.5``, ``1,234.5``, ``1.234,5`` (separator ``,``), ``1 234,5``,
    or SAP's trailing minus (``100-``)."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    negative = value.endswith("-") and len(value) > 1
    if negative:
        value = value[:-1]
    grouping = "." if separator == "," else ","
    value = value.replace(grouping, "")
    if separator == ",":
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number (decimal separator `{separator}`)") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return -number if negative else number


def parse_integer(text: str) -> int:
    """An integer from ``42`` or zero-padded ``000010``; ``10.5`` is refused."""
    value = text.strip()
    if not re.fullmatch(r"[+-]?\d+", value):
        raise ValueError("not a whole number")
    return int(value)


def parse_date(text: str, pattern: str | None = None) -> dt.date:
    """An ISO date (``2026-11-03``), or one in ``pattern`` (``dd/MM/yyyy``, ``yyyyMMdd``).

    A date that does not exist (``31/02/1997``) is refused.
    """
    value = text.strip()
    if pattern is None:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a date in YYYY-MM-DD; name its sgm:datePattern") from None
    try:
        return dt.datetime.strptime(value, strptime_format(pattern)).date()
    except ValueError as exc:
        detail = "no such day" if "day is out of range" in str(exc) else "does not match"
        raise ValueError(f"not a date in {pattern} ({detail})") from None


def _read_datetime(text: str, pattern: str | None) -> dt.datetime:
    """The date-time as written: aware when the text names a zone, naive when it does not."""
    value = text.strip()
    try:
        if pattern is None:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return dt.datetime.strptime(value, strptime_format(pattern))
    except ValueError:
        raise ValueError(
            f"not a date-time in {pattern or 'ISO 8601 (2026-11-25T09:30:00Z)'}"
        ) from None


def parse_datetime(text: str, pattern: str | None = None) -> dt.datetime:
    """An ISO 8601 date-time (``Z`` or an offset; none means UTC), or one in ``pattern``."""
    parsed = _read_datetime(text, pattern)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_utc_datetime(text: str, pattern: str | None = None) -> dt.datetime:
    """A date-time that names its zone (``Z`` or an offset), converted to UTC.

    Events must say when they happened in a way that cannot be misread: a time without a
    zone (``2026-11-25T09:30:00``) is refused, since its zone would be a guess.
    """
    parsed = _read_datetime(text, pattern)
    if parsed.tzinfo is None:
        raise ValueError(
            "a date-time without a time zone; send it in UTC (2026-11-25T09:30:00Z) "
            "or with its offset (2026-11-25T17:30:00+08:00)"
        )
    return parsed.astimezone(dt.UTC)


def parse_yes_no(text: str) -> bool:
    """``yes``/``no``, ``y``/``n``, ``true``/``false``, ``1``/``0``, SAP's ``X``, 是/否."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("not a yes/no value (yes, no, true, false, 1, 0, X)")


def cents_to_decimal(text: str) -> Decimal:
    """Integer minor units (``12345``) as a decimal amount (``123.45``)."""
    return Decimal(parse_integer(text)) / 100


def transform(name: str | None, *, date_pattern: str | None, separator: str) -> Transform:
    """The function for transform ``name`` (None: keep the text as it is).

    Raises ValueError for a name not in ``TRANSFORMS`` (the loader checks it first).
    """
    table: dict[str | None, Transform] = {
        None: lambda s: s,
        "trim": str.strip,
        "upper": lambda s: s.strip().upper(),
        "lower": lambda s: s.strip().lower(),
        "decimal": lambda s: parse_decimal(s, separator),
        "integer": parse_integer,
        "cents_to_decimal": cents_to_decimal,
        "date_iso": lambda s: parse_date(s, date_pattern),
        "datetime_iso": lambda s: parse_datetime(s, date_pattern),
        "datetime_utc": lambda s: parse_utc_datetime(s, date_pattern),
        "yes_no_boolean": parse_yes_no,
    }
    if name not in table:
        raise ValueError(f"unknown transform `{name}`; one of " + ", ".join(sorted(TRANSFORMS)))
    return table[name]
