"""Cypher owned by the sync: reads of what the graph already holds for a batch of rows.

The writes themselves go through the change pipeline; these only look up.
"""

from __future__ import annotations

from semgraph.graph.identifiers import KEEP_PLAN, by_iri, ident
from semgraph.graph.props import props_of

# Each record of the batch that exists already, with its golden entity and that entity's
# outgoing relationships of the types the table maps (to diff foreign keys).
RECORDS_WITH_GOLDEN = (
    KEEP_PLAN
    + f"""UNWIND $iris AS iri
MATCH (r:Resource {{iri: iri}}) {by_iri("r")}
OPTIONAL MATCH (g:Resource)-[:hasSystemRecord]->(r)
RETURN iri, {props_of("r")} AS record, g.iri AS golden_iri,
       CASE WHEN g IS NULL THEN null ELSE {props_of("g")} END AS golden,
       CASE WHEN g IS NULL THEN [] ELSE
         [(g)-[rel]->(t:Resource) WHERE type(rel) IN $rels | [type(rel), t.iri]] END AS links
"""
)

# The golden entity behind each referenced record (a foreign key's target).
GOLDEN_OF_RECORDS = (
    KEEP_PLAN
    + f"""UNWIND $iris AS iri
MATCH (r:Resource {{iri: iri}})<-[:hasSystemRecord]-(g:Resource) {by_iri("r")}
RETURN iri, g.iri AS golden_iri
"""
)

# A system's records of one class (their ids share the prefix) not yet inactive: a full
# snapshot marks those its export no longer holds.
ACTIVE_RECORDS = (
    KEEP_PLAN
    + """MATCH (r:SystemRecord {sourceSystem: $system})
WHERE r.id STARTS WITH $prefix AND coalesce(r.recordStatus, '') <> 'inactive'
RETURN r.iri AS iri, r.id AS id
"""
)


def golden_by_match(cls: str, prop: str) -> str:
    """Entities of ``cls`` whose ``prop`` is one of ``$values`` (the match key)."""
    return KEEP_PLAN + (
        f"MATCH (g:{ident(cls)}) WHERE g.{ident(prop)} IN $values "
        f"RETURN g.{ident(prop)} AS value, g.iri AS golden_iri, {props_of('g')} AS golden, "
        "[(g)-[rel]->(t:Resource) WHERE type(rel) IN $rels | [type(rel), t.iri]] AS links"
    )


def match_index(cls: str, prop: str) -> str:
    """The index the match lookup needs (one per class and match property)."""
    return (
        f"CREATE INDEX {ident(f'sync_match_{cls}_{prop}')} IF NOT EXISTS "
        f"FOR (n:{ident(cls)}) ON (n.{ident(prop)})"
    )


# The run log: one (:SyncRun) per run of a table, with its counts. It is operational
# metadata about the sync (like the checkpoints), not business data, so it is written
# beside the change pipeline rather than through it; data health reads reject rates and
# duplicate keys from it.
RUN_LOG_SCHEMA = (
    "CREATE INDEX sync_run_finished IF NOT EXISTS FOR (r:SyncRun) ON (r.finishedAt)",
    "CREATE INDEX sync_run_system IF NOT EXISTS FOR (r:SyncRun) ON (r.system, r.targetClass)",
)

RECORD_RUN = """CREATE (r:SyncRun)
SET r = $run, r.startedAt = datetime($run.startedAt), r.finishedAt = datetime($run.finishedAt)
"""
