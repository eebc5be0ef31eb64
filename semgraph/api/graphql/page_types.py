"""Types every generated entity shares: scalars, sort direction, page info, statistics,
and the resolvers that turn a raw connection map ``{rows, total, offset, first}`` into
Relay ``edges``/``pageInfo``/``totalCount``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, NewType

import strawberry
from strawberry.types import Info

from semgraph.reads.compiler import encode_cursor

Date = NewType("Date", str)
DateTime = NewType("DateTime", str)
SCALARS: dict[object, Any] = {
    Date: strawberry.scalar(
        name="Date", description="ISO 8601 date, e.g. 2025-01-31.", serialize=str, parse_value=str
    ),
    DateTime: strawberry.scalar(
        name="DateTime",
        description="ISO 8601 date-time with offset, e.g. 2025-01-31T12:00:00Z.",
        serialize=str,
        parse_value=str,
    ),
}


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.type(description="Relay page information (offset cursors).")
class PageInfo:
    hasNextPage: bool  # noqa: N815
    hasPreviousPage: bool  # noqa: N815
    startCursor: str | None  # noqa: N815
    endCursor: str | None  # noqa: N815


@strawberry.type(description="Statistics of a numeric field (null over no values).")
class NumberStats:
    min: float | None
    max: float | None
    sum: float | None
    avg: float | None


@strawberry.type(description="Earliest and latest value of a date or date-time field.")
class TemporalStats:
    min: str | None
    max: str | None


def edges(root: dict[str, Any], _info: Info, _args: dict[str, Any]) -> list[dict[str, Any]]:
    offset, first = root["offset"], root["first"]
    return [
        {"cursor": encode_cursor(offset + i), "node": n} for i, n in enumerate(root["rows"][:first])
    ]


def page_info(root: dict[str, Any], _info: Info, _args: dict[str, Any]) -> PageInfo:
    offset, first, rows = root["offset"], root["first"], root["rows"]
    shown = min(len(rows), first)
    return PageInfo(
        hasNextPage=len(rows) > first,
        hasPreviousPage=offset > 0,
        startCursor=encode_cursor(offset) if shown else None,
        endCursor=encode_cursor(offset + shown - 1) if shown else None,
    )


def total_count(root: dict[str, Any], _info: Info, _args: dict[str, Any]) -> int:
    total = root["total"]
    return int(total) if total is not None else 0
