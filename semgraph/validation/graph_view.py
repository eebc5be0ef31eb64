"""The whole graph as validation sees it: the data as imported, decoded as export does.

Every ``:Resource`` node and relationship becomes the triples ``semgraph export
--deskolemize`` writes: all its ``rdf:type``s, literals with their language tags and
datatypes, predicates from any namespace, and blank nodes as blank nodes (so
``sh:nodeKind`` sees what was imported). Business entities' ontology properties written
natively by the change pipeline are typed from the ontology, as in ``RdfView``, so a
class neighbourhood and the whole graph give a shape the same literals; their bookkeeping
keys (``version``, ``updatedAt``) are not business data and stay out.
"""

from __future__ import annotations

import logging

from rdflib import URIRef

from semgraph.ontology.model import Ontology
from semgraph.rdf import queries as rdf_queries
from semgraph.rdf.exporter import ExportReport, deskolemized, node_triples
from semgraph.rdf.importer import GENID
from semgraph.rdf.literals import DATATYPE_KEY_PREFIX, LITERAL_KEY_PREFIX
from semgraph.rdf.names import PrefixRegistry
from semgraph.validation.neighbourhood import Runner, business_class
from semgraph.validation.rdf_view import NodeRecord, RdfView, ValidationGraph

log = logging.getLogger(__name__)


def read_whole_graph(tx: Runner, ontology: Ontology) -> ValidationGraph:
    """Every node and relationship of the graph as RDF (see the module docstring).

    Names the mapping cannot decode (written by other code) are left out and logged, as
    export does.
    """
    registry = PrefixRegistry(
        {r["prefix"]: r["namespace"] for r in tx.run(rdf_queries.READ_PREFIXES)}
    )
    view = RdfView(ontology)
    data = ValidationGraph()
    report = ExportReport()
    for record in tx.run(rdf_queries.EXPORT_NODES):
        iri, labels, props = record["iri"], record["labels"], dict(record["props"])
        cls = business_class(labels, ontology)
        if cls is None or iri.startswith(GENID):
            rest = {"iri": iri, "labels": labels, "props": props}
        else:
            view.add_nodes(data, [NodeRecord(iri, cls, props)])
            typed = ontology.datatype_properties(cls)
            rest = {
                "iri": iri,
                "labels": [label for label in labels if label != cls],
                # the class's ontology properties are typed by the view above (again here,
                # a foreign one written natively would come back a second time, untyped);
                # other bare names are the pipeline's bookkeeping
                "props": {
                    k: v
                    for k, v in props.items()
                    if "__" in (name := _predicate_name(k)) and name not in typed
                },
            }
        for s, p, o in node_triples(rest, registry, report):
            data.add((deskolemized(s), p, deskolemized(o)))
    for record in tx.run(rdf_queries.EXPORT_RELATIONSHIPS):
        try:
            predicate = URIRef(registry.to_iri(record["type"]))
        except Exception:  # a type the mapping did not write
            report.skipped.append(f"relationship `{record['type']}`")
            continue
        data.add((deskolemized(URIRef(record["s"])), predicate, deskolemized(URIRef(record["o"]))))
    if report.skipped:
        log.warning("validation left out %d undecodable names", len(report.skipped))
    return data


def _predicate_name(key: str) -> str:
    for marker in (LITERAL_KEY_PREFIX, DATATYPE_KEY_PREFIX):
        if key.startswith(marker):
            return key[len(marker) :]
    return key
