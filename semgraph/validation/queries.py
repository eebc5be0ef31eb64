"""Cypher of the validation package that is not a shape's read path (see ``reach``)."""

from __future__ import annotations

from semgraph.graph.identifiers import ident

ALL_RESOURCES = (
    "MATCH (n:Resource) RETURN n.iri AS iri, labels(n) AS labels, properties(n) AS props"
)

ENTITY_EXISTS = "MATCH (n:Resource {iri: $iri}) RETURN count(n) > 0 AS found"


def all_edges(rel_types: str) -> str:
    """Every edge of the ``|``-joined, already quoted relationship types."""
    return (
        f"MATCH (a:Resource)-[r:{rel_types}]->(b:Resource) "
        "RETURN a.iri AS s, type(r) AS t, b.iri AS o"
    )


def focus_page(cls: str) -> str:
    """One page of a class's entities by IRI (``$after``, ``$limit``)."""
    return (
        f"MATCH (n:{ident(cls)}) WHERE n.iri > $after RETURN n.iri AS iri ORDER BY iri LIMIT $limit"
    )
