"""Cypher of the validation package that is not a shape's read path (see ``reach``)."""

from __future__ import annotations

from semgraph.graph.identifiers import ident

ENTITY_EXISTS = "MATCH (n:Resource {iri: $iri}) RETURN count(n) > 0 AS found"


def focus_page(cls: str) -> str:
    """One page of a class's entities by IRI (``$after``, ``$limit``)."""
    return (
        f"MATCH (n:{ident(cls)}) WHERE n.iri > $after RETURN n.iri AS iri ORDER BY iri LIMIT $limit"
    )
