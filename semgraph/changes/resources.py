"""Resources outside the business ontology, written through the change pipeline.

A ``WriteResource`` operation carries the statements about one resource that is not a
business entity (a user's own RDF: a data graph for their own shapes): its types,
literals and links, in any namespace but semgraph's own. The pipeline stores them with
the plain RDF mapping (docs/rdf-mapping.md), exactly as ``semgraph import --unchecked``
would, inside the change's transaction, so the shapes that read such data (they run on
the whole graph, docs/shacl.md) judge the change before it commits.

semgraph's namespaces stay out: a business entity, class, property or relationship is
written with the other operations, which the ontology checks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import neo4j
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import _is_valid_uri

from semgraph.changes import queries as q
from semgraph.exceptions import InvalidInputError
from semgraph.ontology.model import ID_BASE, Ontology
from semgraph.rdf import queries as rdf_queries
from semgraph.rdf.importer import GraphWrites, graph_writes, plan_graph
from semgraph.rdf.literals import make_literal
from semgraph.rdf.names import register_namespaces
from semgraph.vocabulary import SG_IRI, SGM_IRI

if TYPE_CHECKING:
    from semgraph.changes.model import RdfLiteral, WriteResource

_OWN = (SG_IRI, SGM_IRI, ID_BASE)


def _iri(value: str, what: str, where: str) -> URIRef:
    """``value`` as an IRI of the user's own data, or InvalidInputError saying why not."""
    scheme, colon, rest = value.partition(":")
    if not colon or not scheme[:1].isalpha() or not rest or not _is_valid_uri(value):
        raise InvalidInputError(
            f"{where}: {what} `{value}` is not an absolute IRI",
            hint='give the full IRI, e.g. http://example.org/thing (no spaces, <, >, ")',
        )
    if value.startswith(_OWN):
        raise InvalidInputError(
            f"{where}: {what} `{value}` is in semgraph's own namespace",
            hint="write business entities with create, update and link operations",
        )
    return URIRef(value)


def _literal(value: RdfLiteral, where: str) -> Literal:
    if value.language is not None and value.datatype is not None:
        raise InvalidInputError(
            f"{where}: literal `{value.lexical}` has both a language and a datatype",
            hint="a language-tagged string has no datatype of its own; give one of them",
        )
    datatype = None if value.datatype is None else _iri(value.datatype, "datatype", where)
    return make_literal(value.lexical, value.language, datatype)


def _outside(ontology: Ontology, value: str, what: str, where: str) -> URIRef:
    """``_iri``, and not a class or property of the ontology in force (whose shapes check
    business entities per class, and would not see a resource write)."""
    iri = _iri(value, what, where)
    name = ontology.name_of(value)
    if name is not None:
        raise InvalidInputError(
            f"{where}: {what} `{value}` is the ontology's `{name}`",
            hint="write business entities with create, update and link operations",
        )
    return iri


def resolve_resource(op: WriteResource, ontology: Ontology, where: str) -> dict[str, Any]:
    """The operation as the pipeline's plain dict: ``iri`` and ``graph``, its triples.

    Raises:
        InvalidInputError: an IRI that is not absolute or is in semgraph's namespaces, a
            type or predicate of the ontology, a literal with both a language and a
            datatype, or ``rdf:type`` among the links.
    """
    subject = _iri(op.iri, "resource", where)
    graph = Graph()
    for cls in op.types:
        graph.add((subject, RDF.type, _outside(ontology, cls, "type", where)))
    for predicate, values in op.literals.items():
        p = _outside(ontology, predicate, "predicate", where)
        for value in values:
            graph.add((subject, p, _literal(value, where)))
    for predicate, targets in op.links.items():
        p = _outside(ontology, predicate, "predicate", where)
        if p == RDF.type:
            raise InvalidInputError(
                f"{where}: rdf:type is given as a link", hint="list the classes under types"
            )
        for target in targets:
            graph.add((subject, p, _iri(target, "link target", where)))
    return {"op": "resource", "iri": str(subject), "graph": graph}


def prepare_resources(
    driver: neo4j.Driver, database: str, ops: Sequence[dict[str, Any]]
) -> GraphWrites | None:
    """The rows that store the resource operations of ``ops`` (None: there are none).

    The namespaces they use get their prefixes here, before the change's transaction: a
    prefix only names a namespace, so one left by a refused change is harmless, and
    registering it outside keeps concurrent changes from colliding on the registry.
    """
    graphs = [op["graph"] for op in ops if op["op"] == "resource"]
    if not graphs:
        return None
    union = Graph()
    for graph in graphs:
        union += graph
    plan = plan_graph(union)
    return graph_writes(plan, register_namespaces(driver, plan.terms, database))


def write_resources(
    tx: neo4j.Transaction, writes: GraphWrites, business_labels: Collection[str]
) -> None:
    """Store the resources in the change's transaction: nodes, then their links.

    Raises:
        InvalidInputError: a resource is a node of a business class (labelled so by an
            unchecked import); its class's shapes would not judge the write.
    """
    iris = sorted(writes.plan.subjects)
    taken = [
        r["iri"] for r in tx.run(q.BUSINESS_RESOURCES, iris=iris, labels=sorted(business_labels))
    ]
    if taken:
        raise InvalidInputError(
            f"`{taken[0]}` is an entity of a business class, not a resource outside the ontology",
            hint="write it with update and link operations of its class",
        )
    nodes = [
        {**row, "labels": sorted(labels)}
        for labels, rows in writes.subjects.items()
        for row in rows
    ]
    if nodes:
        tx.run(q.MERGE_RESOURCE_NODES, rows=nodes).consume()
    if writes.bare:
        tx.run(rdf_queries.MERGE_RESOURCES, rows=writes.bare).consume()
    links = [
        {**row, "type": rel_type} for rel_type, rows in writes.relationships.items() for row in rows
    ]
    if links:
        tx.run(q.MERGE_RESOURCE_LINKS, rows=links).consume()
