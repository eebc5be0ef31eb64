"""Export the ``:Resource`` part of the property graph as RDF (the inverse of the importer).

Nodes and relationships are read with streaming queries and turned into triples batch by
batch. N-Triples is written batch by batch; Turtle, JSON-LD and RDF/XML need the whole
graph in memory (rdflib's serialisers group by subject), so they are built first.

Only ``:Resource`` nodes and relationships between them are exported. The ``iri`` and
``id`` keys, keys starting with ``_`` other than the mapping's own, and names or values
that the mapping did not produce (written by other code) are skipped and reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import neo4j
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from semgraph.exceptions import InvalidInputError, SemgraphError, did_you_mean
from semgraph.rdf import queries as q
from semgraph.rdf.importer import BATCH_SIZE, GENID
from semgraph.rdf.literals import LITERAL_KEY_PREFIX, decode_property
from semgraph.rdf.names import PrefixRegistry, read_registry

log = logging.getLogger(__name__)

Triple = tuple[URIRef, URIRef, Node]

# User-facing format names → rdflib serialiser names.
EXPORT_FORMATS = {
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "json-ld": "json-ld",
    "jsonld": "json-ld",
    "xml": "xml",
    "rdfxml": "xml",
}
_SKIPPED_KEYS = frozenset({"iri", "id"})
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")


@dataclass
class ExportReport:
    """What an export wrote, and what it had to leave out (``skipped``, human-readable)."""

    triples: int = 0
    skipped: list[str] = field(default_factory=list)


def export_format(name: str) -> str:
    """The rdflib serialiser for a user-facing format name.

    Raises:
        InvalidInputError: the name is not one of ``EXPORT_FORMATS``.
    """
    key = name.lower()
    if key not in EXPORT_FORMATS:
        raise InvalidInputError(
            f"unknown export format `{name}`",
            hint=did_you_mean(key, EXPORT_FORMATS) or "use turtle, nt, json-ld or xml",
        )
    return EXPORT_FORMATS[key]


def _property_names(props: dict[str, Any]) -> set[str]:
    names = set()
    for key in props:
        if key.startswith(LITERAL_KEY_PREFIX):
            names.add(key[len(LITERAL_KEY_PREFIX) :])
        elif not key.startswith("_") and key not in _SKIPPED_KEYS:
            names.add(key)
    return names


def node_triples(
    record: neo4j.Record | dict[str, Any], registry: PrefixRegistry, report: ExportReport
) -> Iterator[Triple]:
    """The triples of one exported node (``iri``, ``labels``, ``props``); what cannot be
    decoded goes to ``report.skipped``."""
    subject = URIRef(record["iri"])
    for label in record["labels"]:
        if label == "Resource" or label.startswith("_"):
            continue
        try:
            yield subject, RDF.type, URIRef(registry.to_iri(label))
        except SemgraphError as exc:
            report.skipped.append(f"label `{label}` on <{subject}>: {exc.message}")
    props: dict[str, Any] = record["props"]
    for name in sorted(_property_names(props)):
        try:
            predicate = URIRef(registry.to_iri(name))
            literals = decode_property(name, props, registry)
        except SemgraphError as exc:
            report.skipped.append(f"property `{name}` on <{subject}>: {exc.message}")
            continue
        for literal in literals:
            yield subject, predicate, literal


def iter_triples(
    driver: neo4j.Driver,
    database: str,
    *,
    batch_size: int = BATCH_SIZE,
    report: ExportReport | None = None,
) -> Iterator[list[Triple]]:
    """Stream the graph's triples in lists of about ``batch_size``.

    ``report`` (optional) collects what was skipped.
    """
    report = report if report is not None else ExportReport()
    registry = read_registry(driver, database)
    batch: list[Triple] = []
    with driver.session(database=database, fetch_size=batch_size) as session:
        for record in session.run(q.EXPORT_NODES):
            batch.extend(node_triples(record, registry, report))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        for record in session.run(q.EXPORT_RELATIONSHIPS):
            try:
                predicate = URIRef(registry.to_iri(record["type"]))
            except SemgraphError as exc:
                report.skipped.append(f"relationship `{record['type']}`: {exc.message}")
                continue
            batch.append((URIRef(record["s"]), predicate, URIRef(record["o"])))
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def _new_graph(registry: PrefixRegistry) -> Graph:
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in sorted(registry.bindings().items()):
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def export_graph(driver: neo4j.Driver, database: str) -> Graph:
    """The whole exported graph in memory, with the stored prefixes bound."""
    graph = _new_graph(read_registry(driver, database))
    for batch in iter_triples(driver, database):
        for triple in batch:
            graph.add(triple)
    return graph


def blank_node(label: str) -> BNode:
    """The blank node of a genid label, labelled as an XML name (RDF/XML's ``rdf:nodeID``).

    Labels minted since blank nodes are named by content start with ``cb``; older ones are
    uuid hex, which may start with a digit, and get a ``b`` in front.
    """
    return BNode(label if _XML_NAME.fullmatch(label) else "b" + label)


def deskolemized(node: Node) -> Node:
    """A genid IRI the importer minted for a blank node, as that blank node again."""
    if isinstance(node, URIRef) and node.startswith(GENID):
        return blank_node(node[len(GENID) :])
    return node


def deskolemize(graph: Graph) -> Graph:
    """A copy of ``graph`` with semgraph's genid IRIs turned back into blank nodes."""
    out = Graph()
    for prefix, namespace in graph.namespace_manager.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)
    for s, p, o in graph:
        out.add((deskolemized(s), deskolemized(p), deskolemized(o)))
    return out


def _serialize(graph: Graph, serializer: str, format: str) -> bytes:
    try:
        return graph.serialize(format=serializer, encoding="utf-8")
    except Exception as exc:  # rdflib raises bare Exception for IRIs it cannot write
        raise InvalidInputError(
            f"the graph cannot be written as {format}: {str(exc).splitlines()[0][:300]}",
            hint="RDF/XML needs predicates ending in an XML name; no syntax can write IRIs "
            'with spaces or <>"{}|^` (export_graph still returns them in memory)',
        ) from exc


def export_rdf(
    driver: neo4j.Driver,
    out: IO[bytes],
    database: str,
    *,
    format: str = "turtle",
    deskolemized: bool = False,
) -> ExportReport:
    """Serialise the graph to ``out`` as ``format`` (turtle, nt, json-ld or xml).

    With ``deskolemized``, genid IRIs are written as blank nodes (the graph is then only
    isomorphic, not equal, to what was imported).

    Raises:
        InvalidInputError: unknown format, or a graph that the format cannot express
            (RDF/XML needs every predicate to split into a namespace and an XML name; no
            format can write IRIs that rdflib deems invalid, such as ones with spaces).
    """
    serializer = export_format(format)
    report = ExportReport()
    if serializer == "nt" and not deskolemized:
        for batch in iter_triples(driver, database, report=report):
            chunk = Graph(bind_namespaces="none")
            for triple in batch:
                chunk.add(triple)
            out.write(_serialize(chunk, serializer, format))
            report.triples += len(chunk)
    else:
        graph = _new_graph(read_registry(driver, database))
        for batch in iter_triples(driver, database, report=report):
            for triple in batch:
                graph.add(triple)
        if deskolemized:
            graph = deskolemize(graph)
        report.triples = len(graph)
        out.write(_serialize(graph, serializer, format))
    for item in report.skipped:
        log.warning("export skipped %s", item)
    return report
