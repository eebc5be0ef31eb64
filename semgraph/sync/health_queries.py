"""Cypher of data health: aggregates over a class's system records, the run log and
shared match keys. Everything is counted in Neo4j (one row back per question), so a
report over 100k+ records moves numbers, not records, to Python.

Labels and property names come from the mapping catalog (checked against the ontology
when it was loaded) and are quoted with ``ident`` before they reach a query.
"""

from __future__ import annotations

from collections.abc import Sequence

from semgraph.graph.identifiers import ident


def class_figures(cls: str, golden: Sequence[str], record: Sequence[str]) -> str:
    """Per source system, over the system records (not inactive) of the entities of
    ``cls``: how many there are, their last ``syncedAt``, and how many hold each property:
    ``g0``, ``g1``… on the entity (``golden``), ``r0``, ``r1``… on the record (``record``).
    One pass over the class, whatever the number of systems."""
    counts = [f"count(g.{ident(p)}) AS g{i}" for i, p in enumerate(golden)]
    counts += [f"count(r.{ident(p)}) AS r{i}" for i, p in enumerate(record)]
    return (
        f"MATCH (g:{ident(cls)})-[:hasSystemRecord]->(r:SystemRecord) "
        "WHERE coalesce(r.recordStatus, '') <> 'inactive' "
        "RETURN r.sourceSystem AS system, count(r) AS records, max(r.syncedAt) AS lastSynced"
        + "".join(", " + c for c in counts)
    )


# Totals of the runs of each (system, class) that finished since $since.
RUN_TOTALS = """MATCH (run:SyncRun) WHERE run.finishedAt >= datetime($since)
RETURN run.system AS system, run.targetClass AS cls, count(run) AS runs,
       sum(run.records) AS records, sum(run.rejected) AS rejected,
       sum(run.duplicateKeys) AS duplicateKeys
"""

# The last run of each (system, class) that read at least one record, whenever it was.
LAST_RUNS = """MATCH (run:SyncRun) WHERE run.records > 0
RETURN run.system AS system, run.targetClass AS cls, max(run.finishedAt) AS finishedAt
"""


def shared_match_keys(cls: str, prop: str) -> str:
    """Golden entities of ``cls`` whose match key ``prop`` another one holds too, counted
    per source system of their records: the duplicates the sync could not merge."""
    return (
        f"MATCH (g:{ident(cls)}) WHERE g.{ident(prop)} IS NOT NULL "
        f"WITH g.{ident(prop)} AS value, collect(g) AS entities WHERE size(entities) > 1 "
        "UNWIND entities AS g "
        "MATCH (g)-[:hasSystemRecord]->(r:SystemRecord) "
        "RETURN r.sourceSystem AS system, count(DISTINCT g) AS entities"
    )
