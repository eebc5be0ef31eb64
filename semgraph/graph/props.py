"""Node properties read without the driver's ``neo4j.time`` hydration.

The Bolt driver turns every zoned datetime into a ``neo4j.time.DateTime`` in pure Python
(tens of microseconds each), and every entity carries ``createdAt`` and ``updatedAt``: a
sync batch's reads hydrated ~50 of them per record, a quarter of its time. The write
path's reads return properties as ``[name, value]`` pairs instead, with each zoned
datetime sent as its ISO text and a third element marking it, and ``decode_props`` makes
the ``datetime.datetime`` that ``to_native()`` would have made (microseconds, same
offset). A string property is never mistaken for a datetime: only marked pairs are parsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any


def props_of(var: str) -> str:
    """Cypher: the properties of node ``var`` as pairs (see the module docstring)."""
    return (
        f"[k IN keys({var}) | CASE WHEN valueType({var}[k]) STARTS WITH 'ZONED DATETIME' "
        f"THEN [k, toString({var}[k]), 0] ELSE [k, {var}[k]] END]"
    )


def decode_props(pairs: Iterable[list[Any]] | None) -> dict[str, Any]:
    """The property map of ``props_of``'s pairs."""
    out: dict[str, Any] = {}
    for pair in pairs or ():
        out[pair[0]] = _datetime(pair[1]) if len(pair) == 3 else pair[1]
    return out


def _datetime(text: str) -> Any:
    # A named zone is written after the offset (`+01:00[Europe/Berlin]`); the offset is
    # what the instant and its XSD form need. Years outside 1–9999 have no Python
    # datetime (nor a `to_native()`): they stay text.
    try:
        return dt.datetime.fromisoformat(text.split("[", 1)[0])
    except ValueError:
        return text
