"""The ``owl:Restriction`` axioms of a class (``rdfs:subClassOf [ owl:onProperty … ]``).

They are kept as ``ClassRestriction`` terms and used: cardinalities become the class's
cardinalities, an ``owl:allValuesFrom`` code list its allowed values, and the classes and
datatypes they name are domain and range hints for properties that declare none (FIBO
states most of its property usage this way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, XSD
from rdflib.term import Node

from semgraph.ontology.naming import is_builtin
from semgraph.ontology.terms import RestrictionKind

_KINDS: dict[URIRef, RestrictionKind] = {
    OWL.someValuesFrom: "some",
    OWL.allValuesFrom: "all",
    OWL.hasValue: "value",
    OWL.cardinality: "exact",
    OWL.qualifiedCardinality: "exact",
    OWL.minCardinality: "min",
    OWL.minQualifiedCardinality: "min",
    OWL.maxCardinality: "max",
    OWL.maxQualifiedCardinality: "max",
}


@dataclass(frozen=True)
class RawRestriction:
    """One restriction as found: the class, the property's IRI, what it says."""

    cls: URIRef
    node: BNode
    prop: URIRef | None
    kind: RestrictionKind
    value: Node
    on_class: Node | None


def restrictions_of(g: Graph, cls: URIRef) -> Iterator[RawRestriction]:
    """Every restriction statement on ``cls`` (one per kind a restriction node holds)."""
    for node in g.objects(cls, RDFS.subClassOf):
        if not isinstance(node, BNode) or (node, RDF.type, OWL.Restriction) not in g:
            continue
        prop = g.value(node, OWL.onProperty)
        on_class = g.value(node, OWL.onClass) or g.value(node, OWL.onDataRange)
        for pred, value in g.predicate_objects(node):
            kind = _KINDS.get(pred) if isinstance(pred, URIRef) else None
            if kind is not None:
                yield RawRestriction(
                    cls, node, prop if isinstance(prop, URIRef) else None, kind, value, on_class
                )


def is_datatype(g: Graph, node: Node) -> bool:
    """True for an XSD datatype, ``rdfs:Literal`` or a declared ``rdfs:Datatype``."""
    if isinstance(node, BNode):
        return (node, RDF.type, RDFS.Datatype) in g or (node, OWL.oneOf, None) in g
    return (
        str(node).startswith(str(XSD))
        or node == RDFS.Literal
        or (node, RDF.type, RDFS.Datatype) in g
    )


def named_classes(g: Graph, node: Node | None) -> list[URIRef]:
    """The named classes an expression stands for: the class, or an ``owl:unionOf``'s
    members; datatypes, built-in terms and other class expressions give none."""
    if node is None or isinstance(node, Literal) or is_datatype(g, node):
        return []
    if isinstance(node, BNode):
        head = g.value(node, OWL.unionOf)
        members = list(Collection(g, head)) if head is not None else []
        return [m for m in members if isinstance(m, URIRef) and not is_builtin(str(m))]
    return [] if is_builtin(str(node)) or not isinstance(node, URIRef) else [node]


def class_values(raw: RawRestriction) -> list[Node]:
    """The class expressions a restriction gives the property's values."""
    if raw.kind in ("some", "all"):
        return [raw.value]
    return [raw.on_class] if raw.on_class is not None else []


def datatype_hint(g: Graph, raw: RawRestriction) -> str | None:
    """The XSD local name a restriction gives a datatype property's values, if any."""
    for node in class_values(raw):
        if isinstance(node, URIRef) and str(node).startswith(str(XSD)):
            return str(node).removeprefix(str(XSD))
    return None


def text_of(raw: RawRestriction, name: Callable[[Node], str]) -> str:
    """The restriction's value as ``ClassRestriction.value`` holds it."""
    if isinstance(raw.value, Literal):
        return str(raw.value)
    if isinstance(raw.value, URIRef):
        return (
            str(raw.value).removeprefix(str(XSD))
            if str(raw.value).startswith(str(XSD))
            else name(raw.value)
        )
    return "(class expression)"
