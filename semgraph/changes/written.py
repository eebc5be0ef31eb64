"""The entities a grouped write leaves behind, worked out from its operations.

``ChangePipeline._write_grouped`` runs one statement per kind and class. Reading the
written nodes back afterwards cost a round trip and the decoding of every property of
every node (7 ms of the 118 a batch of 100 order lines takes). What those statements do
to a node follows from the node before (locked and read in the same transaction), the
operations and the change's time, as long as every value is one Neo4j stores and returns
as given. Where that is not certain the node is left out, and the caller reads it back:

- an unlink, or a link between two entities that were both there before (how many edges
  the statement matches, and so how often it bumps the version, is in the graph);
- an update of an entity under another class than the one it has (the statement's
  class check matches nothing), or a second create of one iri (the constraint refuses it);
- a value of a type whose stored form is not known here (durations, times, empty lists,
  mixed lists, ...).

The values are the ones the read path makes (``graph.props.decode_props``): a zoned
datetime with its offset as a fixed ``timezone``, a date or local datetime as the driver's
``neo4j.time`` type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import neo4j.time

from semgraph.validation.rdf_view import NodeRecord

_PLAIN = (str, int, float)  # bool is an int


class _UnsureError(Exception):
    """A value whose stored form is not known here."""


def stored(value: Any) -> Any:
    """``value`` as a node property written with it reads back (see the module docstring).

    Raises:
        _UnsureError: a type this module does not know the stored form of.
    """
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        if offset is None:
            return neo4j.time.DateTime.from_native(value)
        return value.replace(tzinfo=dt.timezone(offset))
    if isinstance(value, dt.date):
        return neo4j.time.Date.from_native(value)
    if isinstance(value, list | tuple) and value:
        kind = type(value[0])
        if kind in {str, int, float, bool} and all(type(v) is kind for v in value):
            return list(value)
    raise _UnsureError


def written_state(
    ops: Iterable[Mapping[str, Any]],
    before: Mapping[str, NodeRecord],
    created: set[str],
    classes: Mapping[str, Any],
    at: Any,
) -> tuple[dict[str, NodeRecord], set[str]]:
    """The nodes the grouped statements of ``ops`` write, as they leave them, and the iris
    of those whose state is not certain (to be read back).

    ``ops`` hold no delete (the grouped path has none); ``classes`` are the ontology's
    (a node of no business class is no ``NodeRecord``).
    """
    ops = list(ops)
    state: dict[str, tuple[str, dict[str, Any]]] = {}
    unsure: set[str] = set()

    def apply(props: dict[str, Any], values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if value is None:
                props.pop(name, None)
            else:
                props[name] = stored(value)

    def current(iri: str, cls: str | None = None) -> dict[str, Any] | None:
        if iri not in state:
            old = before.get(iri)
            if old is None:
                return None
            state[iri] = (old.cls, dict(old.props))
        has, props = state[iri]
        return props if cls is None or has == cls else None

    try:
        stamp = stored(at)
    except _UnsureError:  # every node written gets the change's time
        return {}, {op.get("iri") or op["from_iri"] for op in ops}
    # The statements' order: creates, updates, unlinks, links (``_write_grouped``).
    for op in ops:
        if op["op"] != "create":
            continue
        iri = op["iri"]
        if iri in state or op["cls"] not in classes:
            unsure.add(iri)
            continue
        fresh = {"iri": iri, "id": op["id"], "version": 1, "createdAt": stamp}
        fresh["updatedAt"] = stamp
        state[iri] = (op["cls"], fresh)
        try:
            apply(fresh, op["props"])
        except _UnsureError:
            unsure.add(iri)
    for op in ops:
        if op["op"] != "update":
            continue
        found = current(op["iri"], op["cls"])
        if found is None:
            unsure.add(op["iri"])
            continue
        try:
            apply(found, op["props"])
        except _UnsureError:
            unsure.add(op["iri"])
        found["version"] = (found.get("version") or 0) + 1
        found["updatedAt"] = stamp
    edges: set[tuple[str, str, str, str]] = set()
    for op in ops:
        if op["op"] not in {"link", "unlink"}:
            continue
        edge = (op["op"], op["rel"], op["from_iri"], op["to_iri"])
        if edge in edges:
            continue  # ``_write_grouped`` runs each edge once
        edges.add(edge)
        iri = op["from_iri"]
        source = current(iri)
        # One row, so one version bump, only where no such edge can be there already.
        new_edge = op["op"] == "link" and (iri in created or op["to_iri"] in created)
        if source is None or not new_edge:
            unsure.add(iri)
            continue
        source["version"] = (source.get("version") or 0) + 1
        source["updatedAt"] = stamp
    out = {
        iri: NodeRecord(iri, cls, props)
        for iri, (cls, props) in state.items()
        if iri not in unsure and cls in classes
    }
    return out, unsure
