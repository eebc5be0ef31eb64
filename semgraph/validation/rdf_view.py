"""The RDF view of property-graph records that SHACL validates.

Nodes come from Neo4j as ``NodeRecord`` (iri, class, properties); literals are typed with
the ontology's XSD range for the property, so ``sh:datatype`` and numeric comparisons in
SPARQL shapes see what the ontology says. Incremental and full validation both build
their data graphs here, which is what makes their verdicts comparable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from semgraph.exceptions import SemgraphError, UnknownTermError
from semgraph.ontology.model import Ontology
from semgraph.rdf.literals import decode_property
from semgraph.rdf.names import PrefixRegistry
from semgraph.validation import sparql_tuning
from semgraph.vocabulary import SG, SGM


class TripleSink(Protocol):
    """Where triples go: an rdflib ``Graph`` or ``validation.triples.Triples``."""

    def add(self, triple: tuple[Node, Node, Node], /) -> Any: ...


@dataclass(frozen=True)
class NodeRecord:
    iri: str
    cls: str
    props: dict[str, Any]


@dataclass(frozen=True)
class EdgeRecord:
    source: str
    rel: str
    target: str


@lru_cache(maxsize=1024)
def _prepared(text: str) -> Query:
    return sparql_tuning.tune(prepareQuery(text))


class ValidationGraph(Graph):
    """An rdflib graph that parses each SPARQL text once per process, tuned for
    semgraph's validations (``sparql_tuning``).

    pySHACL runs a SPARQL constraint once per focus node with the same text; rdflib would
    parse it every time (~10 ms), which dominated incremental validation.
    """

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def literal(value: Any, datatype: str) -> Literal:
    """A typed literal for a stored value and the property's XSD datatype."""
    value = _native(value)
    try:
        # Literals are immutable, and the same codes, amounts and dates recur across
        # changes: rdflib's Literal() (lexical checks, normalisation) is the dear part
        # of turning a neighbourhood into triples. The type is part of the key (1 == True).
        return _cached_literal(type(value).__qualname__, value, datatype)
    except TypeError:  # an unhashable value
        return _make_literal(value, datatype)


@lru_cache(maxsize=8192)
def _cached_literal(_type: str, value: Any, datatype: str) -> Literal:
    return _make_literal(value, datatype)


# rdflib's namespaces resolve each attribute on every use (~1 µs): looked up once here
_XSD_DECIMAL, _XSD_INTEGER, _XSD_STRING = XSD.decimal, XSD.integer, XSD.string
_XSD_DATETIME, _XSD_DATE, _RDF_TYPE = XSD.dateTime, XSD.date, RDF.type


def _make_literal(value: Any, datatype: str) -> Literal:
    if datatype in {"decimal"} and isinstance(value, int | float) and not isinstance(value, bool):
        return Literal(Decimal(repr(float(value))).normalize(), datatype=_XSD_DECIMAL)
    if datatype == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return Literal(int(value), datatype=_XSD_INTEGER)
    if datatype == "dateTime" and isinstance(value, dt.datetime):
        return Literal(value.isoformat(), datatype=_XSD_DATETIME)
    if datatype == "date" and isinstance(value, dt.date):
        return Literal(value.isoformat(), datatype=_XSD_DATE)
    if datatype == "boolean" and isinstance(value, bool):
        return Literal(value)
    if datatype == "string":
        return Literal(str(value), datatype=_XSD_STRING)
    return Literal(value)  # a value whose type disagrees with the ontology: sh:datatype sees it


_LIT, _DT = "_lit_", "_dt_"
_IMPORTED = (_LIT, _DT)
_WELL_KNOWN = PrefixRegistry()


def _imported(name: str, props: dict[str, Any]) -> list[Literal]:
    """An ontology property imported from RDF with its exact datatype or language tag."""
    try:
        return decode_property(name, props, _WELL_KNOWN)
    except SemgraphError:  # a datatype outside the well-known namespaces
        return []


class RdfView:
    """Turns node and edge records into triples for one ontology."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self._terms: dict[str, URIRef] = {}

    def term(self, name: str) -> URIRef:
        """The IRI of an ontology class or property name (``lib__title`` → lib:title)."""
        found = self._terms.get(name)
        if found is None:
            found = self._terms[name] = URIRef(self.ontology.iri(name))
        return found

    def add_nodes(
        self,
        graph: TripleSink,
        nodes: Iterable[NodeRecord],
        read: Callable[[str], bool] | None = None,
    ) -> None:
        """The nodes' types and business properties; ``read``: only the properties (by
        name) it holds some shape may read (a literal is the dear part of a triple)."""
        for node in nodes:
            subject = URIRef(node.iri)
            graph.add((subject, _RDF_TYPE, self.term(node.cls)))
            known = self.ontology.datatype_properties(node.cls)
            done: set[str] = set()
            for name, value in node.props.items():
                if name.startswith(_IMPORTED):
                    name = name.removeprefix(_LIT).removeprefix(_DT)
                    if name in known and name not in done and (read is None or read(name)):
                        done.add(name)
                        for item in _imported(name, node.props):
                            graph.add((subject, self.term(name), item))
                    continue
                if name not in known or value is None:
                    continue  # bookkeeping such as `iri` and `version` is not business data
                if (_LIT + name) in node.props or (_DT + name) in node.props:
                    continue  # imported from RDF: decoded as export decodes it, above
                if read is not None and not read(name):
                    continue
                datatype = known[name].datatype
                for item in value if isinstance(value, list) else [value]:
                    graph.add((subject, self.term(name), literal(item, datatype)))

    def add_edges(
        self,
        graph: TripleSink,
        edges: Iterable[EdgeRecord],
        read: Callable[[str], bool] | None = None,
    ) -> None:
        for edge in edges:
            if read is not None and not read(edge.rel):
                continue
            graph.add((URIRef(edge.source), self.term(edge.rel), URIRef(edge.target)))

    def _property_term(self, name: str) -> URIRef:
        try:
            return self.term(name)
        except UnknownTermError:  # a key outside the ontology (set by other code): as sg:
            return SG[name]

    def add_change(
        self,
        graph: TripleSink,
        change_id: str,
        context: dict[str, Any],
        before: dict[str, NodeRecord],
        after: dict[str, NodeRecord],
        created: set[str],
    ) -> None:
        """Describe a change (see shapes/README: sgm:pendingChange) for transition shapes."""
        change = URIRef(f"urn:semgraph:change:{change_id}")
        graph.add((change, RDF.type, SGM.Change))
        for key in ("actorRole", "sourceSystem", "reason"):
            if context.get(key):
                graph.add((change, SGM[key], Literal(str(context[key]))))
        graph.add((change, SGM.customerApproved, Literal(bool(context.get("customerApproved")))))
        n = 0
        for iri, new in after.items():
            if iri in created:
                graph.add((URIRef(iri), SGM.createdIn, change))
                continue
            old = before.get(iri)
            if old is None:
                continue
            known = self.ontology.datatype_properties(new.cls)
            for name in sorted(set(old.props) | set(new.props)):
                if name in {"iri", "version", "updatedAt"} or name.startswith("_"):
                    continue
                was, now = _native(old.props.get(name)), _native(new.props.get(name))
                if was == now:
                    continue
                n += 1
                pc = URIRef(f"urn:semgraph:change:{change_id}:{n}")
                datatype = known[name].datatype if name in known else "string"
                graph.add((URIRef(iri), SGM.pendingChange, pc))
                graph.add((pc, RDF.type, SGM.PropertyChange))
                graph.add((pc, SGM.inChange, change))
                graph.add((pc, SGM.property, self._property_term(name)))
                if was is not None:
                    graph.add((pc, SGM.oldValue, literal(was, datatype)))
                if now is not None:
                    graph.add((pc, SGM.newValue, literal(now, datatype)))
