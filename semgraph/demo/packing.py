"""Turn a batch's rows into the compact parameters the bulk-load statement reads.

The generator yields readable rows (``{"props": {...}, "links": {...}}``, native Python
values). Sent as they are, every row repeats its property names on the wire and Neo4j
sets them one map entry at a time; ``date``/``datetime`` values go through the driver's
pure-Python temporal conversion, which cost more CPU than generating the data. So the
loader sends each row as a list in a fixed column order, dates and instants as ISO
strings that the statement parses back (``date()``/``datetime()``), and the statement
names the properties once (see ``semgraph.demo.queries.create_batch``). A link travels
as the element id of the other end (what its own create returned), which Neo4j finds
more cheaply than an id through an index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from semgraph.demo.records import Batch, Link, Row
from semgraph.exceptions import InvalidInputError, UnknownTermError
from semgraph.ontology.model import Ontology

# XSD datatypes sent as ISO strings and parsed by the statement, with the Cypher function.
TEMPORAL = {"date": "date", "dateTime": "datetime"}


class Rows(list[list[Any]]):
    """Packed rows: a list whose ``repr`` is its length only. The Neo4j driver formats
    every RUN's parameters for its debug log line before it checks the log level (2 µs
    per demo entity, an eighth of the writers' CPU); this keeps that cheap, and keeps the
    rows' values out of a debug log."""

    def __repr__(self) -> str:
        return f"<{len(self):,} {'row' if len(self) == 1 else 'rows'}>"


@dataclass(frozen=True)
class Columns:
    """The column layout of a batch: its datatype properties, then its links.

    ``parse[k]`` is the Cypher function that turns column ``k``'s ISO string back into a
    temporal value, or None for values sent as they are.
    """

    cls: str
    props: tuple[str, ...]
    parse: tuple[str | None, ...]
    links: tuple[Link, ...]


def columns_of(ontology: Ontology, batch: Batch) -> Columns:
    """The columns of ``batch``: every property any of its rows has, in first-seen order.

    Raises UnknownTermError for a property that is not a datatype property of the class.
    """
    known = ontology.datatype_properties(batch.cls)
    names: dict[str, None] = {}
    for row in batch.rows:
        names.update(dict.fromkeys(row["props"]))
    parse: list[str | None] = []
    for name in names:
        prop = known.get(name)
        if prop is None:
            raise UnknownTermError("property", name, known, where=batch.cls)
        parse.append(TEMPORAL.get(prop.datatype))
    return Columns(batch.cls, tuple(names), tuple(parse), batch.links)


def pack_rows(columns: Columns, rows: list[Row], ends: Sequence[Mapping[str, str]]) -> Rows:
    """Each row as one list: property values in ``columns.props`` order (temporal ones as
    ISO strings), then per link the element id(s) of the other end(s); absent values are
    None. ``ends[k]`` maps the ids of link ``k``'s target class to their element ids.

    Raises InvalidInputError for a link to an id ``ends`` does not hold (the other end
    was not written before this batch).
    """
    props = columns.props
    links = [(link.key, link.many, ends[k]) for k, link in enumerate(columns.links)]
    temporal = [k for k, fn in enumerate(columns.parse) if fn is not None]
    packed = Rows()
    try:
        for row in rows:
            out = list(map(row["props"].get, props))  # the hot loop of the Python side
            for k in temporal:
                value = out[k]
                if value is not None:
                    out[k] = _iso(value)
            if links:
                targets = row["links"]
                for key, many, known in links:
                    target = targets.get(key)
                    if target is None:
                        out.append(None)
                    elif many:
                        out.append([known[one] for one in target])
                    else:
                        out.append(known[target])
            packed.append(out)
    except KeyError as exc:
        raise InvalidInputError(
            f"a {columns.cls} row links to {exc.args[0]}, which was not written before it"
        ) from None
    return packed


def _iso(value: date | datetime) -> str:
    # Aware datetimes keep their offset (+00:00 for the demo's UTC instants), which
    # Cypher's datetime() reads back as the same instant and zone.
    return value.isoformat()
