"""Cypher owned by master data: reads for matching and merging, and the review queue.

Business writes (a merge, an unmerge) go through the change pipeline; what is written
here is workflow state, not business data: candidate pairs waiting for a person, and
the merge log a change's transaction writes beside its change event (``MergeLog``).
Class labels pass ``ident()``.
"""

from __future__ import annotations

from semgraph.graph.identifiers import KEEP_PLAN, by_iri, ident
from semgraph.master_data.matcher import FEATURE_PROPERTIES

# Only the properties matching compares: ``properties(c)`` would also bring back each
# entity's datetimes, which the driver turns into ``neo4j.time`` objects one by one.
_FEATURES = "c{" + ", ".join(f".{ident(prop)}" for prop in FEATURE_PROPERTIES.values()) + "}"


def golden_page(cls: str) -> str:
    """One page of a class's golden entities (iri order) with their system records."""
    return KEEP_PLAN + (
        f"MATCH (c:{ident(cls)}) WHERE c.iri > $after "
        "WITH c ORDER BY c.iri LIMIT $limit "
        f"RETURN c.iri AS iri, {_FEATURES} AS props, "
        "[(c)-[:hasSystemRecord]->(r:Resource) | "
        "{system: r.sourceSystem, name: r.reportedName}] AS records"
    )


def golden_by_iri(cls: str) -> str:
    """Given golden entities (by iri) with their system records."""
    return KEEP_PLAN + (
        f"UNWIND $iris AS iri MATCH (c:Resource {{iri: iri}}) {by_iri('c')} "
        f"WHERE c:{ident(cls)} "
        f"RETURN c.iri AS iri, {_FEATURES} AS props, "
        "[(c)-[:hasSystemRecord]->(r:Resource) | "
        "{system: r.sourceSystem, name: r.reportedName}] AS records"
    )


def name_index_name(cls: str) -> str:
    return f"master_data_names_{cls}"


def name_index(cls: str) -> str:
    """A full-text index of the class's names: Lucene's CJK analyzer makes bigrams of
    Chinese and words of Latin text, so similar names are found without a scan."""
    return (
        f"CREATE FULLTEXT INDEX {ident(name_index_name(cls))} IF NOT EXISTS "
        f"FOR (n:{ident(cls)}) ON EACH [n.name] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
    )


def tax_index(cls: str) -> str:
    name = ident(f"master_data_tax_{cls}")
    return f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{ident(cls)}) ON (n.taxId)"


# The entities whose names are most like each row's text (normalised names: letters,
# digits and CJK only, so nothing in them is Lucene syntax).
NAME_NEIGHBOURS = """
UNWIND $rows AS row
CALL db.index.fulltext.queryNodes($index, row.text, {limit: $limit}) YIELD node
RETURN DISTINCT node.iri AS iri
"""


def same_tax_id(cls: str) -> str:
    return KEEP_PLAN + (
        f"UNWIND $values AS v MATCH (c:{ident(cls)}) WHERE c.taxId = v RETURN c.iri AS iri"
    )


# An entity as it is: its properties and every relationship to or from another entity
# (the audit's ChangeEvent edges are not entities' relationships).
SNAPSHOT = (
    KEEP_PLAN
    + """UNWIND $iris AS iri
MATCH (n:Resource {iri: iri}) """
    + by_iri("n")
    + """
RETURN n.iri AS iri, [l IN labels(n) WHERE l <> 'Resource'] AS labels, properties(n) AS props,
       [(n)-[:hasSystemRecord]->(r:Resource) | r.sourceSystem] AS systems,
       [(n)-[r]->(m:Resource) | {type: type(r), other: m.iri,
            labels: [l IN labels(m) WHERE l <> 'Resource']}] AS outgoing,
       [(m:Resource)-[r]->(n) | {type: type(r), other: m.iri,
            labels: [l IN labels(m) WHERE l <> 'Resource']}] AS incoming
"""
)

SCHEMA = (
    "CREATE CONSTRAINT duplicate_candidate_key IF NOT EXISTS "
    "FOR (d:DuplicateCandidate) REQUIRE d.key IS UNIQUE",
    "CREATE INDEX duplicate_candidate_status IF NOT EXISTS "
    "FOR (d:DuplicateCandidate) ON (d.status)",
    "CREATE CONSTRAINT merge_record_change IF NOT EXISTS "
    "FOR (m:MergeRecord) REQUIRE m.changeId IS UNIQUE",
    "CREATE INDEX merge_record_absorbed IF NOT EXISTS FOR (m:MergeRecord) ON (m.absorbed)",
)

# A pair for review: a new pair opens; a pair a person already decided keeps its decision
# (the score and evidence are refreshed).
QUEUE_CANDIDATES = """
UNWIND $rows AS row
MERGE (d:DuplicateCandidate {key: row.key})
ON CREATE SET d.status = 'open', d.createdAt = $at
SET d.cls = row.cls, d.left = row.left, d.right = row.right, d.score = row.score,
    d.evidence = row.evidence, d.updatedAt = $at
"""

CANDIDATES = """
MATCH (d:DuplicateCandidate)
WHERE ($status IS NULL OR d.status = $status) AND ($cls IS NULL OR d.cls = $cls)
RETURN d {.*} AS candidate
ORDER BY d.score DESC, d.key
LIMIT $limit
"""

CANDIDATE = "MATCH (d:DuplicateCandidate {key: $key}) RETURN d {.*} AS candidate"

CANDIDATE_STATUS = """
UNWIND $keys AS key MATCH (d:DuplicateCandidate {key: key}) RETURN d.key AS key, d.status AS status
"""

# A decided pair (merged, or rejected by a person or an unmerge), queued or not before.
MARK_CANDIDATE = """
MERGE (d:DuplicateCandidate {key: $key})
ON CREATE SET d.cls = $cls, d.left = $left, d.right = $right, d.createdAt = $at, d.score = 0.0
SET d.status = $status, d.decidedBy = $actor, d.decidedAt = $at, d.changeId = $change_id
RETURN d {.*} AS candidate
"""

QUEUE_SIZE = """
MATCH (d:DuplicateCandidate {status: 'open'}) RETURN count(d) AS open
"""

# Written inside the merge's (or unmerge's) transaction by ``MergeLog``, after the
# pipeline recorded its change event.
RECORD_MERGE = """
MATCH (c:ChangeEvent {id: $change_id})
CREATE (m:MergeRecord {changeId: $change_id, cls: $cls, survivor: $survivor,
        absorbed: $absorbed, score: $score, evidence: $evidence, snapshot: $snapshot,
        at: $at, actor: $actor, automatic: $automatic, status: 'merged'})
CREATE (c)-[:MERGE_DECISION]->(m)
"""

RECORD_UNMERGE = """
MATCH (c:ChangeEvent {id: $change_id})
MATCH (m:MergeRecord {changeId: $merge_change_id})
SET m.status = 'unmerged', m.unmergeChangeId = $change_id, m.unmergedAt = $at
CREATE (c)-[:UNMERGE_DECISION]->(m)
"""

MERGE_RECORD = """
MATCH (m:MergeRecord)
WHERE m.changeId = $change_id
   OR ($absorbed IS NOT NULL AND m.absorbed = $absorbed AND m.status = 'merged')
RETURN m {.*} AS merge ORDER BY m.at DESC LIMIT 1
"""

MERGE_COUNTS = """
MATCH (m:MergeRecord) RETURN m.status AS status, count(*) AS n
"""

# Per class: pairs waiting for a person, and merges matching made on its own (ever, and
# since $since; an automatic merge undone later still counts: it was made).
CLASS_COUNTS = """
CALL () {
  MATCH (d:DuplicateCandidate {status: 'open'})
  RETURN d.cls AS cls, count(d) AS open, 0 AS automatic, 0 AS recent
  UNION ALL
  MATCH (m:MergeRecord {automatic: true})
  RETURN m.cls AS cls, 0 AS open, count(m) AS automatic,
         count(CASE WHEN m.at >= $since THEN 1 END) AS recent
}
RETURN cls, sum(open) AS open, sum(automatic) AS automatic, sum(recent) AS recent
"""
