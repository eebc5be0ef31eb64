"""What a mapped row means for the graph, given what the graph holds: the operations of
an upsert (create, update only what changed, or nothing), as change-set operations.

Identity: a row's system record is ``SystemRecord/{system}.{class}.{key}``; a new golden
entity is ``{Class}/{idPrefix}-{system}-{key}``. Keys that do not fit an id are hashed
(the record's ``externalId`` always holds the key as the source wrote it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from semgraph.changes.model import CreateEntity, LinkEntities, Operation, UpdateEntity, Value
from semgraph.ontology.model import Ontology
from semgraph.sync.engine import MappedRow, Plain
from semgraph.sync.errors import RowRejectedError
from semgraph.sync.mapping import MappingCatalog, TableMapping

_SAFE = re.compile(r"^[A-Za-z0-9_.:-]+$")
SYSTEM_RECORD = "SystemRecord"


def _fit(prefix: str, key: str) -> str:
    ident = f"{prefix}{key}"
    if _SAFE.match(key) and len(ident) <= 128:
        return ident
    return prefix + "h" + hashlib.sha256(key.encode()).hexdigest()[:32]


def record_id_prefix(system: str, cls: str) -> str:
    """What the id of every record of ``system``'s ``cls`` rows starts with."""
    return f"{system}.{cls}."


def record_id(system: str, cls: str, key: str) -> str:
    """The id of ``system``'s record of the ``cls`` row keyed ``key``."""
    return _fit(record_id_prefix(system, cls), key)


def golden_id(ontology: Ontology, cls: str, system: str, key: str) -> str:
    """The id a golden entity gets when this row is the first to know it."""
    prefix = ontology.cls(cls).id_prefix or cls[:3].upper()
    return _fit(f"{prefix}-{system}-", key)


def comparable(value: Any) -> Any:
    """A stored Neo4j value as the engine's Python value (so equal values compare equal)."""
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return value


def _same(old: Any, new: Plain) -> bool:
    old = comparable(old)
    if isinstance(new, float) and isinstance(old, int | float) and not isinstance(old, bool):
        return abs(float(old) - new) <= 1e-9 * max(1.0, abs(new))
    return bool(old == new)


def as_value(value: Plain) -> Value:
    """An engine value as a change-set value (dates as ISO text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class Existing:
    """What the graph holds for a record (or a matched golden entity)."""

    golden_iri: str | None
    golden: dict[str, Any]
    record: dict[str, Any] | None
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class RowPlan:
    """The operations of one row and the entities they touch (to map verdicts back)."""

    operations: list[Operation]
    touched: set[str]
    created: bool
    golden_iri: str


def plan_row(
    ontology: Ontology,
    catalog: MappingCatalog,
    table: TableMapping,
    row: MappedRow,
    existing: Existing | None,
    matched: Existing | None,
    referenced: dict[str, str],
    synced_at: dt.datetime,
) -> RowPlan:
    """The upsert of ``row``: an empty operation list when the graph already says it all.

    ``existing`` is the row's record as stored (with its golden entity), ``matched`` the
    golden entity found by the table's match key, ``referenced`` the golden iri of each
    referenced record iri. Raises RowRejectedError for a foreign key to an unknown row.
    """
    cls, system = table.target_class, table.system
    rec_id = record_id(system, cls, row.key)
    rec_iri = ontology.entity_iri(SYSTEM_RECORD, rec_id)
    ops: list[Operation] = []
    source = existing if existing is not None and existing.golden_iri else matched
    if source is not None and source.golden_iri:
        golden_iri = source.golden_iri
        golden_ident = golden_iri.rsplit("/", 1)[-1]
        golden_ident = unquote(golden_ident)
        changes = {
            k: as_value(v)
            for k, v in row.golden.items()
            if (table.system_of_record and not _same(source.golden.get(k), v))
            or source.golden.get(k) is None
        }
        if changes:
            ops.append(UpdateEntity(cls=cls, id=golden_ident, properties=changes))
        links = source.links
        new_golden = False
    else:
        golden_ident = golden_id(ontology, cls, system, row.key)
        golden_iri = ontology.entity_iri(cls, golden_ident)
        ops.append(
            CreateEntity(
                cls=cls,
                id=golden_ident,
                properties={k: as_value(v) for k, v in row.golden.items()},
            )
        )
        links = {}
        new_golden = True
    record_values = {**row.record, "sourceSystem": system}
    stored = existing.record if existing is not None else None
    if stored is None:
        ops.append(
            CreateEntity(
                cls=SYSTEM_RECORD,
                id=rec_id,
                properties={
                    **{k: as_value(v) for k, v in record_values.items()},
                    "syncedAt": synced_at.isoformat(),
                },
            )
        )
    else:
        changed = {k: as_value(v) for k, v in record_values.items() if not _same(stored.get(k), v)}
        if changed:
            changed["syncedAt"] = synced_at.isoformat()
            ops.append(UpdateEntity(cls=SYSTEM_RECORD, id=rec_id, properties=changed))
    touched = {golden_iri, rec_iri}
    if stored is None or existing is None or existing.golden_iri != golden_iri:
        ops.append(
            LinkEntities(
                rel="hasSystemRecord",
                from_cls=cls,
                from_id=golden_ident,
                to_cls=SYSTEM_RECORD,
                to_id=rec_id,
            )
        )
    for rel, (ref_table, ref_key) in sorted(row.references.items()):
        ref_system, _ = table.referenced(rel)
        ref_cls = catalog.tables[(ref_system, ref_table)].target_class
        target = referenced.get(
            ontology.entity_iri(SYSTEM_RECORD, record_id(ref_system, ref_cls, ref_key))
        )
        if target is None:
            field_name = next(
                (r.source_field for r in table.references if r.relationship == rel), rel
            )
            raise RowRejectedError(
                field_name,
                ref_key,
                f"{rel}: no {ref_system} {ref_table} row with key {ref_key!r}; "
                f"sync {ref_system} {ref_table} first",
            )
        current = links.get(rel)
        if current == target:
            continue
        target_id = unquote(target.rsplit("/", 1)[-1])
        if current is not None:
            ops.append(
                LinkEntities(
                    op="unlink",
                    rel=rel,
                    from_cls=cls,
                    from_id=golden_ident,
                    to_cls=ref_cls,
                    to_id=unquote(current.rsplit("/", 1)[-1]),
                )
            )
            touched.add(current)
        ops.append(
            LinkEntities(
                rel=rel, from_cls=cls, from_id=golden_ident, to_cls=ref_cls, to_id=target_id
            )
        )
        touched.add(target)
    return RowPlan(ops, touched, new_golden or stored is None, golden_iri)
