"""Where an ontology's terms go when its files leave things out: the properties that
only restrictions name, the classes only referred to (from modules not loaded), the
domain and range hints restrictions give, and the restriction axioms themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import RDFS, BNode, Graph, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node

from semgraph.ontology import axioms
from semgraph.ontology.naming import TermNames, is_builtin
from semgraph.ontology.reading import SourceFiles, rdf_list
from semgraph.ontology.terms import Cardinality, ClassRestriction
from semgraph.vocabulary import SG

if TYPE_CHECKING:
    from semgraph.ontology.parser import ParsedOntology


def is_sg(term: Node) -> bool:
    """True for a term of semgraph's own ``sg:`` namespace."""
    return str(term).startswith(str(SG))


def _int(src: SourceFiles, cls: Node, restriction: Node, value: Node) -> int:
    try:
        n = int(str(value))
    except ValueError:
        n = -1
    if n < 0:
        raise src.error(
            cls, f"cardinality `{value}` is not a non-negative integer", about=restriction
        )
    return n


class Reader:
    """One parse: the graph, the names, and the classes found so far."""

    def __init__(self, src: SourceFiles) -> None:
        self.src = src
        self.g = src.graph
        self.names = TermNames.of_graphs(part for _, part in src.files)
        self.iris: dict[str, str] = {}
        self.skipped: list[str] = []

    def name(self, term: Node) -> str:
        name = self.names.name(str(term))
        self.iris.setdefault(name, str(term))
        return name

    def class_names(self, prop: URIRef, node: Node | None, what: str) -> tuple[str, ...]:
        """A plain class or an ``owl:unionOf`` list, as names (``()`` when absent outside
        ``sg:``: restrictions may still place the property)."""
        if node is None:
            if is_sg(prop):
                raise self.src.error(prop, f"has no rdfs:{what}")
            return ()
        members = (
            rdf_list(self.g, self.g.value(node, OWL.unionOf)) if isinstance(node, BNode) else [node]
        )
        if not members:
            raise self.src.error(prop, f"rdfs:{what} is neither a class nor an owl:unionOf list")
        return tuple(self.name(m) for m in members if not is_builtin(str(m)))


def implicit_properties(
    r: Reader,
    restrictions: list[axioms.RawRestriction],
    datatype_iris: set[URIRef],
    object_iris: set[URIRef],
) -> None:
    """Properties that only restrictions name (declared in a module not loaded): a class
    value makes a relationship, a datatype a property; a bare cardinality says neither."""
    for raw in restrictions:
        p = raw.prop
        if p is None or is_sg(p) or is_builtin(str(p)) or p in datatype_iris | object_iris:
            continue
        values = axioms.class_values(raw)
        if any(axioms.named_classes(r.g, v) for v in values):
            object_iris.add(p)
        elif any(axioms.is_datatype(r.g, v) for v in values):
            datatype_iris.add(p)
    for raw in restrictions:
        p = raw.prop
        if p is not None and not is_builtin(str(p)) and p not in datatype_iris | object_iris:
            r.skipped.append(
                f"{r.name(p)}: only a cardinality restriction on {r.name(raw.cls)} names it, "
                "so whether it is a relationship or a value is unknown (declare it as "
                "owl:ObjectProperty or owl:DatatypeProperty)"
            )


def referenced_classes(
    g: Graph,
    declared: list[URIRef],
    restrictions: list[axioms.RawRestriction],
    datatype_iris: set[URIRef],
    object_iris: set[URIRef],
) -> list[URIRef]:
    """Classes outside ``sg:`` that the ontology names but does not declare (a range, a
    superclass, a restriction's class from a module that was not loaded)."""
    found: set[URIRef] = set()
    for c in declared:
        for sup in g.objects(c, RDFS.subClassOf):
            found.update(axioms.named_classes(g, sup))
    for p in object_iris:
        for pred in (RDFS.domain, RDFS.range):
            found.update(axioms.named_classes(g, g.value(p, pred)))
    for p in datatype_iris:
        found.update(axioms.named_classes(g, g.value(p, RDFS.domain)))
    for raw in restrictions:
        if raw.prop in object_iris:
            for value in axioms.class_values(raw):
                found.update(axioms.named_classes(g, value))
    return sorted(c for c in found if not is_sg(c))


def hints_of(r: Reader, restrictions: list[axioms.RawRestriction]) -> dict[str, Hint]:
    """Per property name: the classes its restrictions sit on and the value classes or
    datatype they give."""
    out: dict[str, Hint] = {}
    for raw in restrictions:
        if raw.prop is None:
            continue
        hint = out.setdefault(r.name(raw.prop), Hint())
        hint.domains.add(r.name(raw.cls))
        for value in axioms.class_values(raw):
            hint.ranges.update(r.name(c) for c in axioms.named_classes(r.g, value))
        hint.datatype = hint.datatype or axioms.datatype_hint(r.g, raw)
    return out


@dataclass
class Hint:
    domains: set[str] = field(default_factory=set)
    ranges: set[str] = field(default_factory=set)
    datatype: str | None = None


def read_restriction(r: Reader, raw: axioms.RawRestriction, parsed: ParsedOntology) -> None:
    src, g = r.src, r.g
    if raw.prop is None:
        raise src.error(raw.cls, "owl:Restriction without a named owl:onProperty")
    name, prop = r.name(raw.cls), r.name(raw.prop)
    unplaced = prop not in parsed.datatype_properties and prop not in parsed.object_properties
    if unplaced and not is_sg(raw.prop) and not is_sg(raw.cls):
        return  # reported in ``skipped`` (the property could not be placed)
    on_class = (
        r.name(raw.on_class)
        if isinstance(raw.on_class, URIRef) and not is_builtin(str(raw.on_class))
        else None
    )
    parsed.axioms.append(
        ClassRestriction(name, prop, raw.kind, axioms.text_of(raw, r.name), on_class)
    )
    key = (name, prop)
    card = parsed.restrictions.get(key, Cardinality(0, None))
    low, high = card.min, card.max
    if raw.kind == "exact":
        low = high = _int(src, raw.cls, raw.node, raw.value)
    elif raw.kind == "min":
        low = max(low, _int(src, raw.cls, raw.node, raw.value))
    elif raw.kind == "max":
        n = _int(src, raw.cls, raw.node, raw.value)
        high = n if high is None else min(high, n)
    elif raw.kind == "all" and (raw.value, OWL.oneOf, None) in g:
        codes = rdf_list(g, g.value(raw.value, OWL.oneOf))
        parsed.class_values[key] = tuple(str(v) for v in codes)
    parsed.restrictions[key] = Cardinality(low, high)
