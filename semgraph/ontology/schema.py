"""Neo4j constraints and indexes derived from the ontology (never typed by hand)."""

from __future__ import annotations

import neo4j

from semgraph.graph.identifiers import ident
from semgraph.ontology.model import Ontology

# Properties worth a range index: codes that filters use, and dates that ranges use.
_INDEXED_DATATYPES = {"date", "dateTime"}


def schema_statements(ontology: Ontology) -> list[str]:
    """The CREATE … IF NOT EXISTS statements for the business classes (pure)."""
    stmts = [
        "CREATE CONSTRAINT resource_iri IF NOT EXISTS FOR (n:Resource) REQUIRE n.iri IS UNIQUE"
    ]
    for name, cls in sorted(ontology.classes.items()):
        if cls.abstract:
            continue
        stmts.append(
            f"CREATE CONSTRAINT sg_{name}_id IF NOT EXISTS "
            f"FOR (n:{ident(name)}) REQUIRE n.id IS UNIQUE"
        )
        for prop in sorted(ontology.datatype_properties(name).values(), key=lambda p: p.name):
            if prop.name == "id":
                continue
            if prop.allowed_values or prop.datatype in _INDEXED_DATATYPES:
                stmts.append(
                    f"CREATE INDEX sg_{name}_{prop.name} IF NOT EXISTS "
                    f"FOR (n:{ident(name)}) ON (n.{ident(prop.name)})"
                )
    return stmts


def ensure_schema(driver: neo4j.Driver, ontology: Ontology, database: str) -> list[str]:
    """Create the derived constraints and indexes (idempotent); returns the statements run."""
    stmts = schema_statements(ontology)
    with driver.session(database=database) as session:
        for stmt in stmts:
            session.run(stmt).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
    return stmts
