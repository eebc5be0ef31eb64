"""Cypher owned by the change pipeline: named, parameterised; labels pass ``ident()``."""

from __future__ import annotations

from semgraph.graph.identifiers import KEEP_PLAN, by_iri, ident
from semgraph.graph.props import props_of

_BY_IRI = by_iri("n")
_BY_AB = by_iri("a", "b")

# A no-op write takes each node's exclusive lock, in iri order (no lock-order deadlocks), so
# the state it returns is the latest committed one and cannot change under this change.
# The pipeline appends the focus queries (``UNION ALL``, kind 'focus'): one round trip.
LOCK_AND_READ_ENTITIES = f"""
UNWIND $iris AS iri
MATCH (n:Resource {{iri: iri}}) {_BY_IRI}
SET n.version = coalesce(n.version, 0)
RETURN n.iri AS iri, [l IN labels(n) WHERE l <> 'Resource'] AS labels,
       'touched' AS kind, {props_of("n")} AS props
"""
FOCUS_COLUMNS = ", 'focus' AS kind, null AS props"

# Entities are found by ``(:Resource {iri})`` — the unique index — and their class checked
# after: ``(:Contract {iri})`` has no index and scans every contract (29 ms at 1M entities).
_RETURN_NODE = (
    " RETURN n.iri AS iri, [l IN labels(n) WHERE l <> 'Resource'] AS labels, "
    f"{props_of('n')} AS props"
)


def create_entity(cls: str) -> str:
    return KEEP_PLAN + (
        f"CREATE (n:Resource:{ident(cls)} {{iri: $iri, id: $id, version: 1, "
        "createdAt: $at, updatedAt: $at}) SET n += $props" + _RETURN_NODE
    )


def update_entity(cls: str) -> str:
    return KEEP_PLAN + (
        f"MATCH (n:Resource {{iri: $iri}}) {_BY_IRI} WHERE n:{ident(cls)} "
        "SET n += $props, n.version = coalesce(n.version, 0) + 1, n.updatedAt = $at" + _RETURN_NODE
    )


def delete_entity(cls: str) -> str:
    return KEEP_PLAN + (
        f"MATCH (n:Resource {{iri: $iri}}) {_BY_IRI} WHERE n:{ident(cls)} DETACH DELETE n"
    )


def link(rel: str) -> str:
    return KEEP_PLAN + (
        "MATCH (a:Resource {iri: $from_iri}), (b:Resource {iri: $to_iri}) "
        f"{_BY_AB} MERGE (a)-[:{ident(rel)}]->(b) "
        "SET a.version = coalesce(a.version, 0) + 1, a.updatedAt = $at WITH a AS n" + _RETURN_NODE
    )


def unlink(rel: str) -> str:
    return KEEP_PLAN + (
        f"MATCH (a:Resource {{iri: $from_iri}})-[r:{ident(rel)}]->(b:Resource {{iri: $to_iri}}) "
        f"{_BY_AB} DELETE r "
        "SET a.version = coalesce(a.version, 0) + 1, a.updatedAt = $at WITH a AS n" + _RETURN_NODE
    )


# The same writes for many entities of one class (or links of one type) in one round trip;
# a change set of thousands of operations (a sync batch) otherwise pays one per operation.
# They return nothing: the pipeline works out what they leave (``changes/written.py``)
# and reads back, once after the last of them (``neighbourhood.NODES``), only the nodes
# where the graph decides.
def _set_stamps(stamps: tuple[str, ...]) -> str:
    """Cypher: set each of ``stamps`` that a row's ``dt`` holds (ISO text) as a datetime;
    a row without it keeps the node's value. The driver turns each Python datetime into
    Bolt in pure Python (60 µs: 6 ms of a batch of 100 system records, each with its
    ``syncedAt``); Neo4j parses the text to the same zoned value."""
    return "".join(
        f", n.{ident(k)} = coalesce(datetime(row.dt.{ident(k)}), n.{ident(k)})" for k in stamps
    )


def create_entities(cls: str, stamps: tuple[str, ...] = ()) -> str:
    return KEEP_PLAN + (
        f"UNWIND $rows AS row CREATE (n:Resource:{ident(cls)} {{iri: row.iri, id: row.id, "
        "version: 1, createdAt: $at, updatedAt: $at}) SET n += row.props" + _set_stamps(stamps)
    )


def update_entities(cls: str, stamps: tuple[str, ...] = ()) -> str:
    return KEEP_PLAN + (
        f"UNWIND $rows AS row MATCH (n:Resource {{iri: row.iri}}) {_BY_IRI} WHERE n:{ident(cls)} "
        "SET n += row.props" + _set_stamps(stamps) + ", n.version = coalesce(n.version, 0) + 1, "
        "n.updatedAt = $at"
    )


def link_many(rel: str, *, new_sources: bool = False) -> str:
    """``new_sources``: every row's source is created by the same change set, so it has no
    edges to merge with and the edge is created (the rows must be distinct)."""
    verb = "CREATE" if new_sources else "MERGE"
    return KEEP_PLAN + (
        "UNWIND $rows AS row "
        "MATCH (a:Resource {iri: row.from_iri}), (b:Resource {iri: row.to_iri}) "
        f"{_BY_AB} {verb} (a)-[:{ident(rel)}]->(b) "
        "SET a.version = coalesce(a.version, 0) + 1, a.updatedAt = $at"
    )


def unlink_many(rel: str) -> str:
    return KEEP_PLAN + (
        "UNWIND $rows AS row "
        f"MATCH (a:Resource {{iri: row.from_iri}})-[r:{ident(rel)}]->"
        f"(b:Resource {{iri: row.to_iri}}) {_BY_AB} "
        "DELETE r SET a.version = coalesce(a.version, 0) + 1, a.updatedAt = $at"
    )


SCHEMA = (
    "CREATE CONSTRAINT change_event_id IF NOT EXISTS FOR (c:ChangeEvent) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT rule_iri IF NOT EXISTS FOR (r:Rule) REQUIRE r.iri IS UNIQUE",
    "CREATE INDEX change_event_at IF NOT EXISTS FOR (c:ChangeEvent) ON (c.at)",
)

PUBLISH_RULES = """
UNWIND $rules AS rule
MERGE (r:Rule {iri: rule.iri})
SET r += rule
"""

# The change event with what it touched (before/after), the rules it fired and the
# entities it impacts: one round trip.
RECORD_CHANGE = (
    KEEP_PLAN
    + """CREATE (c:ChangeEvent {
  id: $id, kind: 'change', at: $at, actor: $actor, role: $role, sourceSystem: $source_system,
  sessionId: $session_id, deviceFingerprint: $device, reason: $reason, summary: $summary,
  touchedIris: $touched_iris, results: $results, impactPaths: $impact_paths,
  warnings: $warnings, infos: $infos
})
WITH c
CALL (c) {
  UNWIND $touched AS t
  MATCH (n:Resource {iri: t.iri}) """
    + _BY_IRI
    + """
  CREATE (c)-[:TOUCHED {op: t.op, ops: t.ops, before: t.before, after: t.after}]->(n)
}
CALL (c) {
  UNWIND $rules AS rule
  MERGE (r:Rule {iri: rule.iri})
  ON CREATE SET r.name = rule.name
  CREATE (c)-[:FIRED {severity: rule.severity, focus: rule.focus, message: rule.message}]->(r)
}
CALL (c) {
  UNWIND $impacted AS row
  MATCH (n:Resource {iri: row.iri}) """
    + _BY_IRI
    + """
  MERGE (c)-[i:IMPACTED]->(n)
  SET i.depth = row.depth, i.path = row.path
}
"""
)

EXISTING_ENTITIES = (
    f"UNWIND $iris AS iri MATCH (n:Resource {{iri: iri}}) {_BY_IRI} RETURN n.iri AS iri"
)

# A bulk write that bypassed validation (``semgraph import --unchecked``): one change event
# says who wrote what from where; it touches no entity (a restore may hold millions).
RECORD_BULK = """
CREATE (c:ChangeEvent {
  id: $id, kind: 'bulk', at: $at, actor: $actor, role: $role, sourceSystem: $source_system,
  sessionId: $session_id, deviceFingerprint: $device, reason: $reason, summary: $summary,
  touchedIris: [], results: '[]', impactPaths: [], warnings: 0, infos: 0
})
"""


# Resources outside the ontology (``WriteResource``), with the RDF mapping's names (checked
# by its codec; labels and types travel as parameters): one statement for every label set
# and one for every relationship type, so a change plans three statements, not one per kind.
# Resources that carry a business class's label (an unchecked import of `ex:x a sg:Customer`):
# their class's shapes would not see a resource write, so it is refused.
BUSINESS_RESOURCES = f"""
UNWIND $iris AS iri
MATCH (n:Resource {{iri: iri}}) {_BY_IRI}
WHERE any(label IN labels(n) WHERE label IN $labels)
RETURN n.iri AS iri
"""

MERGE_RESOURCE_NODES = """
UNWIND $rows AS row
MERGE (n:Resource {iri: row.iri})
SET n:$(row.labels)
SET n += row.keys
"""

MERGE_RESOURCE_LINKS = f"""
UNWIND $rows AS row
MATCH (s:Resource {{iri: row.s}}) {by_iri("s")}
MATCH (o:Resource {{iri: row.o}}) {by_iri("o")}
MERGE (s)-[:$(row.type)]->(o)
"""
