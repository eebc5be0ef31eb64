"""The shapes the demo generator yields and the loader writes, plus small value helpers.

A ``Batch`` holds rows of ONE class. Each row is ``{"props": {...}, "links": {...}}``:
``props`` are the node's datatype properties (native Python types the Neo4j driver maps
to Neo4j types: float, int, bool, ``date``, UTC ``datetime``); ``links`` holds, per
``Link.key``, the id (or list of ids when ``Link.many``) of the entity at the other end,
or None. Every linked entity has been yielded in an earlier batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

Row = dict[str, Any]

# Demo dates fall in 2024-01-01 .. 2026-12-31.
FIRST_DAY = date(2024, 1, 1)
DAYS = 3 * 365 + 1
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Link:
    """One relationship slot of a batch's rows.

    ``prop`` is the ontology object property, ``target`` the class of the other end.
    ``outgoing``: the new node is the property's domain, ``(new)-[prop]->(target)``;
    otherwise ``(target)-[prop]->(new)``.
    """

    key: str
    prop: str
    target: str
    outgoing: bool = True
    many: bool = False


@dataclass
class Batch:
    """Rows of one class, ready to write (at most ``MAX_BATCH`` of them)."""

    cls: str
    rows: list[Row]
    links: tuple[Link, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rows)


MAX_BATCH = 10_000


class IdFactory:
    """Ids like ``CUS-000042`` from a class's ``sgm:idPrefix`` and a 1-based number;
    with a ``tag`` (a demo appended next to another) ``CUS-S7-000042``."""

    def __init__(self, prefixes: dict[str, str], tag: str = "") -> None:
        self._prefixes = prefixes
        self._tag = f"{tag}-" if tag else ""

    def __call__(self, cls: str, number: int) -> str:
        return f"{self._prefixes[cls]}-{self._tag}{number:06d}"


def money(cents: int) -> float:
    """Cents to a decimal amount (Neo4j float)."""
    return cents / 100


def day(offset: int) -> date:
    """The demo day ``offset`` days after 2024-01-01."""
    return FIRST_DAY + timedelta(days=offset)


def instant(offset_days: int, second: int) -> datetime:
    """A UTC instant ``offset_days`` after 2024-01-01 at ``second`` of that day."""
    return _EPOCH + timedelta(days=offset_days, seconds=second)


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months (day clipped to 28 so every month has it)."""
    y, m = divmod(start.month - 1 + months, 12)
    return date(start.year + y, m + 1, min(start.day, 28))


def split_cents(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal integers that sum exactly to ``total``."""
    base, rest = divmod(total, parts)
    return [base + (1 if k < rest else 0) for k in range(parts)]
