"""The audit trail: who changed an entity, from where, which rules fired, what it impacted."""

from __future__ import annotations

import json
from typing import Any

import neo4j
from pydantic import BaseModel

from semgraph.exceptions import NotFoundError

_FOR_ENTITY = """
CALL () {
  MATCH (:Resource {iri: $iri})<-[:TOUCHED]-(c:ChangeEvent) RETURN c
  UNION
  // a deleted entity has no node left to link to: fall back to the recorded iris
  MATCH (c:ChangeEvent) WHERE NOT EXISTS { MATCH (:Resource {iri: $iri}) }
    AND $iri IN c.touchedIris RETURN c
}
OPTIONAL MATCH (c)-[t:TOUCHED]->(:Resource {iri: $iri})
WITH c, t ORDER BY c.at DESC LIMIT $limit
OPTIONAL MATCH (c)-[i:IMPACTED]->(m:Resource)
WITH c, t, collect(DISTINCT {iri: m.iri, depth: i.depth, path: i.path}) AS impacted
OPTIONAL MATCH (c)-[f:FIRED]->(r:Rule)
RETURN c {.*} AS change, t.op AS op, coalesce(t.ops, [t.op]) AS ops, t.before AS before,
       t.after AS after, impacted,
       collect(DISTINCT {rule: r.iri, severity: f.severity, focus: f.focus,
                         message: f.message}) AS fired
ORDER BY change.at DESC
"""

_FOR_CHANGE = """
MATCH (c:ChangeEvent {id: $id})
OPTIONAL MATCH (c)-[t:TOUCHED]->(n:Resource)
WITH c, collect({iri: n.iri, op: t.op, ops: coalesce(t.ops, [t.op]), before: t.before,
                 after: t.after}) AS touched
OPTIONAL MATCH (c)-[i:IMPACTED]->(m:Resource)
WITH c, touched, collect({iri: m.iri, depth: i.depth, path: i.path}) AS impacted
OPTIONAL MATCH (c)-[f:FIRED]->(r:Rule)
RETURN c {.*} AS change, touched, impacted,
       collect({rule: r.iri, severity: f.severity, focus: f.focus, message: f.message}) AS fired
"""


class AuditEntry(BaseModel):
    """One change event as the audit trail shows it."""

    change_id: str
    at: str
    actor: str
    role: str
    source_system: str
    session_id: str
    device_fingerprint: str
    reason: str
    summary: str
    op: str | None = None
    """What the change did to the entity: create, update or delete, else its first link."""
    ops: list[str] = []
    """Every operation of the change on the entity (``create``, ``link:salesOrder``, …)."""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    touched: list[dict[str, Any]] = []
    fired: list[dict[str, Any]] = []
    impacted: list[dict[str, Any]] = []


def _entry(record: neo4j.Record, **extra: Any) -> AuditEntry:
    c = record["change"]
    at = c.get("at")
    return AuditEntry(
        change_id=c["id"],
        at=at.iso_format() if hasattr(at, "iso_format") else str(at),
        actor=c.get("actor", ""),
        role=c.get("role", ""),
        source_system=c.get("sourceSystem", ""),
        session_id=c.get("sessionId", ""),
        device_fingerprint=c.get("deviceFingerprint", ""),
        reason=c.get("reason", ""),
        summary=c.get("summary", ""),
        fired=[f for f in record["fired"] if f.get("rule")],
        impacted=sorted(
            (i for i in record["impacted"] if i.get("iri")), key=lambda i: i.get("depth") or 0
        ),
        **extra,
    )


def _load(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


class AuditTrail:
    """Read-only queries over the change events."""

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self.driver = driver
        self.database = database

    def for_entity(self, iri: str, limit: int = 100) -> list[AuditEntry]:
        """Every change that touched the entity, newest first (empty if none)."""
        records, _, _ = self.driver.execute_query(
            _FOR_ENTITY, iri=iri, limit=limit, database_=self.database, routing_="r"
        )
        return [
            _entry(
                r,
                op=r["op"],
                ops=[o for o in r["ops"] if o],
                before=_load(r["before"]),
                after=_load(r["after"]),
            )
            for r in records
        ]

    def for_change(self, change_id: str) -> AuditEntry:
        """Everything one change touched, fired and impacted.

        Raises:
            NotFoundError: no change event has this id.
        """
        records, _, _ = self.driver.execute_query(
            _FOR_CHANGE, id=change_id, database_=self.database, routing_="r"
        )
        if not records:
            raise NotFoundError(f"no change `{change_id}`", hint="ids are in `semgraph audit`")
        record = records[0]
        touched = [
            {**t, "before": _load(t["before"]), "after": _load(t["after"])}
            for t in record["touched"]
            if t.get("iri")
        ]
        return _entry(record, touched=touched)
