"""Cypher of the demo loader, built from the ontology (labels and types via ``ident``)."""

from __future__ import annotations

from semgraph.demo.packing import Columns
from semgraph.demo.records import Link
from semgraph.exceptions import OntologyError
from semgraph.graph.identifiers import ident
from semgraph.ontology.model import Ontology


def _is_a(ontology: Ontology, cls: str, candidates: tuple[str, ...]) -> bool:
    found = ontology.cls(cls)
    return any(c in candidates for c in (found.name, *found.superclasses))


def check_link(ontology: Ontology, cls: str, link: Link) -> str:
    """The relationship type of ``link`` on rows of ``cls``; OntologyError if it is not
    an object property of the ontology joining those two classes in that direction."""
    domain, range_ = (cls, link.target) if link.outgoing else (link.target, cls)
    prop = ontology.object_property(link.prop)
    if not (_is_a(ontology, domain, prop.domains) and _is_a(ontology, range_, prop.ranges)):
        raise OntologyError(f"`{link.prop}` does not link {domain} to {range_} in the ontology")
    return prop.rel_type


def create_batch(ontology: Ontology, columns: Columns) -> str:
    """One statement creating a batch's nodes and their relationships.

    Parameters: ``$rows``, each a list laid out as ``columns`` says (see
    ``semgraph.demo.packing``: a link column holds the element id(s) of the other end,
    returned when it was created), and ``$iri`` (the IRI prefix of the class, to which
    the id is appended). Links to absent ends (null) create nothing. Returns one record:
    ``ids`` and ``elementIds`` of the created nodes, pairwise.
    """
    cls = columns.cls
    ontology.cls(cls)
    if "id" not in columns.props:
        raise OntologyError(f"demo rows of {cls} have no `id`")
    id_column = columns.props.index("id")
    values = [f"iri: $iri + row[{id_column}]"]
    for k, (name, parse) in enumerate(zip(columns.props, columns.parse, strict=True)):
        values.append(f"{ident(name)}: {parse}(row[{k}])" if parse else f"{ident(name)}: row[{k}]")
    parts = [
        # The plan (a create and element id seeks) does not depend on statistics, which
        # change fast while loading: replanning would only cost planning time.
        "CYPHER replan=skip",
        "UNWIND $rows AS row",
        # Properties named once in the statement (not SET n += map): Neo4j resolves their
        # tokens when planning instead of per row and value.
        f"CREATE (n:Resource:{ident(cls)} {{{', '.join(values)}}})",
    ]
    if columns.links:
        parts.append("WITH n, row")
    for k, link in enumerate(columns.links, start=len(columns.props)):
        rel = ident(check_link(ontology, cls, link))
        edge = f"(n)-[:{rel}]->(t)" if link.outgoing else f"(t)-[:{rel}]->(n)"
        # The other end by the element id its own create returned: a direct record
        # lookup, where a seek of the (:Target {id}) index costs about twice as much.
        if link.many:
            body = f"UNWIND row[{k}] AS other MATCH (t) WHERE elementId(t) = other CREATE {edge}"
        else:
            body = f"MATCH (t) WHERE elementId(t) = row[{k}] CREATE {edge}"
        parts.append(f"CALL (n, row) {{ {body} }}")
    parts.append(f"RETURN collect(row[{id_column}]) AS ids, collect(elementId(n)) AS elementIds")
    return "\n".join(parts)


def count_label(cls: str) -> str:
    """Count of the nodes of ``cls`` (answered from Neo4j's count store)."""
    return f"MATCH (n:{ident(cls)}) RETURN count(n) AS count"


def delete_label(cls: str, batch: int = 10_000) -> str:
    """Delete every node of ``cls`` in batches; run it in an auto-commit session."""
    return f"MATCH (n:{ident(cls)}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF {batch} ROWS"


RECORD_BULK_LOAD = """
CREATE (e:ChangeEvent {id: $id, kind: 'bulk_load', actor: $actor, sourceSystem: 'demo',
                       at: datetime(), entities: $entities, seed: $seed,
                       seconds: $seconds, summary: $summary})
"""

IRI_EXISTS = "MATCH (n:Resource {iri: $iri}) RETURN count(n) > 0 AS found"
