"""Turn a batch's rows into the compact parameters the bulk-load statement reads.

The generator yields readable rows (``{"props": {...}, "links": {...}}``, native Python
values). Sent as they are, every row repeats its property names on the wire and Neo4j
sets them one map entry at a time; ``date``/``datetime`` values go through the driver's
pure-Python temporal conversion, which cost more CPU than generating the data. So the
loader sends each row as a list in a fixed column order, dates and instants as ISO
strings that the statement parses back (``date()``/``datetime()``), and the statement
names the properties once (see ``semgraph.demo.queries.create_batch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from semgraph.demo.records import Batch, Link, Row
from semgraph.exceptions import UnknownTermError
from semgraph.ontology.model import Ontology

# XSD datatypes sent as ISO strings and parsed by the statement, with the Cypher function.
TEMPORAL = {"date": "date", "dateTime": "datetime"}


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


def pack_rows(columns: Columns, rows: list[Row]) -> list[list[Any]]:
    """Each row as one list: property values in ``columns.props`` order (temporal ones as
    ISO strings), then the linked id(s) per link; absent values are None."""
    props, keys = columns.props, [link.key for link in columns.links]
    temporal = [k for k, fn in enumerate(columns.parse) if fn is not None]
    packed = []
    for row in rows:
        values, links = row["props"], row["links"]
        out = [values.get(name) for name in props]
        for k in temporal:
            value = out[k]
            if value is not None:
                out[k] = _iso(value)
        out.extend(links.get(key) for key in keys)
        packed.append(out)
    return packed


def _iso(value: date | datetime) -> str:
    # Aware datetimes keep their offset (+00:00 for the demo's UTC instants), which
    # Cypher's datetime() reads back as the same instant and zone.
    return value.isoformat()
