"""Cypher owned by the RDF mapping: named strings, values always passed as parameters.

Labels and relationship types cannot be parameters in an index-friendly way, so the two
templates that take them are functions; their names pass through ``ident`` (validated
and back-quoted) before they are interpolated.
"""

from __future__ import annotations

from collections.abc import Iterable

from semgraph.graph.identifiers import by_iri, ident

SCHEMA = (
    "CREATE CONSTRAINT resource_iri IF NOT EXISTS FOR (n:Resource) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT ns_prefix_prefix IF NOT EXISTS FOR (p:_NsPrefix) REQUIRE p.prefix IS UNIQUE",
    "CREATE CONSTRAINT ns_prefix_namespace IF NOT EXISTS "
    "FOR (p:_NsPrefix) REQUIRE p.namespace IS UNIQUE",
)

READ_PREFIXES = "MATCH (p:_NsPrefix) RETURN p.prefix AS prefix, p.namespace AS namespace"

# MERGE on the namespace: a concurrent import that registered it first wins, and the
# prefix it chose is returned; a clash on the prefix fails the unique constraint.
MERGE_PREFIXES = """
UNWIND $rows AS row
MERGE (p:_NsPrefix {namespace: row.namespace})
ON CREATE SET p.prefix = row.prefix
RETURN p.prefix AS prefix, p.namespace AS namespace
"""

# Nodes named only as objects: created bare, never touching an existing node.
MERGE_RESOURCES = """
UNWIND $rows AS row
MERGE (n:Resource {iri: row.iri})
ON CREATE SET n += row.keys
"""

# Rows: {iri, keys}; ``keys`` holds id and the property keys (null removes a key).
EXPORT_NODES = """
MATCH (n:Resource)
RETURN n.iri AS iri, labels(n) AS labels, properties(n) AS props
"""

EXPORT_RELATIONSHIPS = """
MATCH (s:Resource)-[r]->(o:Resource)
RETURN s.iri AS s, type(r) AS type, o.iri AS o
"""

COUNT_RESOURCES = "MATCH (n:Resource) RETURN count(n) AS n"


def merge_subjects(labels: Iterable[str]) -> str:
    """Upsert subject nodes that share one label set and set their property keys."""
    label_text = "".join(":" + ident(label) for label in sorted(labels))
    set_labels = f"SET n{label_text}\n" if label_text else ""
    return (
        f"UNWIND $rows AS row\nMERGE (n:Resource {{iri: row.iri}})\n{set_labels}SET n += row.keys\n"
    )


def merge_relationships(rel_type: str) -> str:
    """Create the missing ``rel_type`` relationships between existing resources."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (s:Resource {{iri: row.s}}) {by_iri('s')}\n"
        f"MATCH (o:Resource {{iri: row.o}}) {by_iri('o')}\n"
        f"MERGE (s)-[:{ident(rel_type)}]->(o)\n"
    )
