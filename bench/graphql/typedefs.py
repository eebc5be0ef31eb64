"""Print @neo4j/graphql (v7) type definitions for the same ontology semgraph serves.

    python bench/graphql/typedefs.py > bench/graphql/typeDefs.graphql

Generated from ``semgraph.reads.model`` so both servers expose the same
types, fields and relationships (no hand copy). Sensitive fields are plain fields
here: @neo4j/graphql has no ontology-driven masking.
"""

from __future__ import annotations

import sys

from semgraph.ontology.model import Ontology
from semgraph.reads.model import build_model


def typedefs(ontology: Ontology) -> str:
    lines: list[str] = []
    for entity in build_model(ontology).values():
        lines.append(f"type {entity.name} @node {{")
        lines.append("  iri: String!")
        for s in entity.scalars.values():
            lines.append(f"  {s.name}: {'ID!' if s.name == 'id' else s.gql}")
        for r in entity.relations.values():
            direction = "OUT" if r.outgoing else "IN"
            gql_type = f"[{r.target}!]!" if r.many else r.target
            relationship = f'@relationship(type: "{r.rel_type}", direction: {direction})'
            lines.append(f"  {r.name}: {gql_type} {relationship}")
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(typedefs(Ontology.load()))
