"""Merge and unmerge as change-set operations (pure logic: snapshots in, operations out).

A merge keeps one golden entity (the *survivor*) and removes the other (the *absorbed*):
the survivor takes the surviving values (``Decisions.winner``), every system record and
relationship of the absorbed moves to it, and the absorbed is deleted. The plan keeps
what the unmerge needs to put back exactly what was there: the absorbed's properties and
relationships, the survivor's values before, and the links the merge added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from semgraph.changes.model import (
    CreateEntity,
    DeleteEntity,
    LinkEntities,
    Operation,
    UpdateEntity,
    Value,
)
from semgraph.exceptions import InvalidInputError
from semgraph.master_data.decisions import Decisions
from semgraph.ontology.model import ID_BASE, Ontology

RECORD_LINK = "hasSystemRecord"
# Written by the pipeline itself; never carried from one entity to another.
_BOOKKEEPING = frozenset({"id", "iri", "version", "createdAt", "updatedAt"})


def plain(value: Any) -> Value:
    """A stored Neo4j value as a change-set value (temporal values as ISO text)."""
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, list):
        raise InvalidInputError("list-valued properties cannot be merged yet")
    return value  # type: ignore[no-any-return]


def split_iri(iri: str) -> tuple[str, str]:
    """(class, id) of an entity IRI."""
    cls, _, quoted = iri.removeprefix(ID_BASE).partition("/")
    return cls, unquote(quoted)


@dataclass(frozen=True)
class Edge:
    """A relationship of a snapshot's entity: its type and the entity at the other end."""

    type: str
    other: str


@dataclass(frozen=True)
class Snapshot:
    """An entity as it is: properties (as change-set values) and relationships."""

    iri: str
    cls: str
    props: dict[str, Value]
    outgoing: tuple[Edge, ...] = ()
    incoming: tuple[Edge, ...] = ()
    systems: tuple[str, ...] = ()
    """Source systems of its system records."""

    @property
    def id(self) -> str:
        return split_iri(self.iri)[1]

    def as_data(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "cls": self.cls,
            "props": self.props,
            "outgoing": [[e.type, e.other] for e in self.outgoing],
            "incoming": [[e.type, e.other] for e in self.incoming],
            "systems": list(self.systems),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            data["iri"],
            data["cls"],
            dict(data["props"]),
            tuple(Edge(t, o) for t, o in data["outgoing"]),
            tuple(Edge(t, o) for t, o in data["incoming"]),
            tuple(data["systems"]),
        )


@dataclass
class MergePlan:
    survivor: Snapshot
    absorbed: Snapshot
    operations: list[Operation]
    changed: dict[str, list[Value]] = field(default_factory=dict)
    """Survivor properties the merge sets: ``{prop: [before, after]}``."""
    added: list[list[str]] = field(default_factory=list)
    """Links the merge adds: ``[direction, type, other]`` (``out``: survivor → other)."""

    def restore_data(self) -> dict[str, Any]:
        """What an unmerge needs (stored as JSON on the merge record)."""
        return {
            "survivor": self.survivor.as_data(),
            "absorbed": self.absorbed.as_data(),
            "changed": self.changed,
            "added": self.added,
        }


def choose_survivor(ontology: Ontology, a: Snapshot, b: Snapshot) -> tuple[Snapshot, Snapshot]:
    """(survivor, absorbed): the side the class's system of record knows; else the older
    one; else the smaller id, so the choice never depends on argument order."""
    sor = ontology.cls(a.cls).system_of_record

    def rank(s: Snapshot) -> tuple[int, str, str]:
        return (0 if sor in s.systems else 1, str(s.props.get("createdAt") or ""), s.id)

    first, second = sorted((a, b), key=rank)
    return first, second


def plan_merge(ontology: Ontology, decisions: Decisions, a: Snapshot, b: Snapshot) -> MergePlan:
    """The operations that merge ``a`` and ``b`` (one change set).

    Raises:
        InvalidInputError: the two are one entity, or of different classes.
    """
    if a.iri == b.iri:
        raise InvalidInputError(f"{a.cls} `{a.id}` cannot be merged with itself")
    if a.cls != b.cls:
        raise InvalidInputError(
            f"{a.cls} `{a.id}` and {b.cls} `{b.id}` are of different classes",
            hint="only entities of one class can be merged",
        )
    survivor, absorbed = choose_survivor(ontology, a, b)
    sor = ontology.cls(a.cls).system_of_record
    props: dict[str, Value] = {}
    for name in ontology.datatype_properties(a.cls):
        if name in _BOOKKEEPING:
            continue
        mine, theirs = survivor.props.get(name), absorbed.props.get(name)
        winner = decisions.winner(name, sor)
        take_theirs = theirs is not None and (
            mine is None or (winner in absorbed.systems and winner not in survivor.systems)
        )
        if take_theirs and theirs != mine:
            props[name] = theirs
    plan = MergePlan(survivor, absorbed, [])
    plan.changed = {name: [survivor.props.get(name), value] for name, value in props.items()}
    ops: list[Operation] = []
    if props:
        ops.append(UpdateEntity(cls=survivor.cls, id=survivor.id, properties=props))
    have_out = {(e.type, e.other) for e in survivor.outgoing}
    have_in = {(e.type, e.other) for e in survivor.incoming}
    functional_taken = {
        e.type for e in survivor.outgoing if ontology.cardinality(survivor.cls, e.type).max == 1
    }
    for edge in absorbed.outgoing:
        other_cls, other_id = split_iri(edge.other)
        ops.append(
            LinkEntities(
                op="unlink",
                rel=edge.type,
                from_cls=absorbed.cls,
                from_id=absorbed.id,
                to_cls=other_cls,
                to_id=other_id,
            )
        )
        if edge.other == survivor.iri or (edge.type, edge.other) in have_out:
            continue
        if edge.type in functional_taken:
            continue  # the survivor's own value of a single-valued relationship stays
        ops.append(
            LinkEntities(
                rel=edge.type,
                from_cls=survivor.cls,
                from_id=survivor.id,
                to_cls=other_cls,
                to_id=other_id,
            )
        )
        plan.added.append(["out", edge.type, edge.other])
    for edge in absorbed.incoming:
        other_cls, other_id = split_iri(edge.other)
        ops.append(
            LinkEntities(
                op="unlink",
                rel=edge.type,
                from_cls=other_cls,
                from_id=other_id,
                to_cls=absorbed.cls,
                to_id=absorbed.id,
            )
        )
        if edge.other == survivor.iri or (edge.type, edge.other) in have_in:
            continue
        ops.append(
            LinkEntities(
                rel=edge.type,
                from_cls=other_cls,
                from_id=other_id,
                to_cls=survivor.cls,
                to_id=survivor.id,
            )
        )
        plan.added.append(["in", edge.type, edge.other])
    ops.append(DeleteEntity(cls=absorbed.cls, id=absorbed.id))
    plan.operations = ops
    return plan


def plan_unmerge(
    ontology: Ontology, restore: dict[str, Any], survivor_now: Snapshot, existing: set[str]
) -> tuple[list[Operation], list[str]]:
    """The operations that undo a merge, and what could not be put back (and why).

    ``existing`` holds the IRIs (of the absorbed's former neighbours) that still exist.
    A survivor value changed since the merge is kept, and reported.
    """
    absorbed = Snapshot.from_data(restore["absorbed"])
    survivor = Snapshot.from_data(restore["survivor"])
    skipped: list[str] = []
    known = ontology.datatype_properties(absorbed.cls)
    props = {k: v for k, v in absorbed.props.items() if k in known and k not in {"id", "iri"}}
    ops: list[Operation] = [CreateEntity(cls=absorbed.cls, id=absorbed.id, properties=props)]
    back: dict[str, Value] = {}
    for name, (before, after) in restore["changed"].items():
        if survivor_now.props.get(name) == after:
            back[name] = before
        else:
            skipped.append(f"{survivor.cls}.{name} changed since the merge; kept")
    if back:
        ops.append(UpdateEntity(cls=survivor.cls, id=survivor.id, properties=back))
    now_out = {(e.type, e.other) for e in survivor_now.outgoing}
    now_in = {(e.type, e.other) for e in survivor_now.incoming}
    for direction, rel, other in restore["added"]:
        other_cls, other_id = split_iri(other)
        if direction == "out" and (rel, other) in now_out:
            ends = (survivor.cls, survivor.id, other_cls, other_id)
        elif direction == "in" and (rel, other) in now_in:
            ends = (other_cls, other_id, survivor.cls, survivor.id)
        else:
            continue
        ops.append(
            LinkEntities(
                op="unlink",
                rel=rel,
                from_cls=ends[0],
                from_id=ends[1],
                to_cls=ends[2],
                to_id=ends[3],
            )
        )
    for edges, outgoing in ((absorbed.outgoing, True), (absorbed.incoming, False)):
        for edge in edges:
            if edge.other not in existing and edge.other != survivor.iri:
                skipped.append(f"{edge.type} {'to' if outgoing else 'from'} {edge.other}: gone")
                continue
            other_cls, other_id = split_iri(edge.other)
            ends = (
                (absorbed.cls, absorbed.id, other_cls, other_id)
                if outgoing
                else (other_cls, other_id, absorbed.cls, absorbed.id)
            )
            ops.append(
                LinkEntities(
                    rel=edge.type, from_cls=ends[0], from_id=ends[1], to_cls=ends[2], to_id=ends[3]
                )
            )
    return ops, skipped
