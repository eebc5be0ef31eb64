"""Read the ontology Turtle files into terms (validation.py checks they hang together).

Everything here runs once per process (``Ontology.load`` caches it). Each check raises
``OntologyError`` naming the file that declares the offending term, so a broken edit
to ``ontology/*.ttl`` points at itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SKOS
from rdflib.term import Node

from semgraph.exceptions import OntologyError
from semgraph.ontology.terms import (
    AccessRole,
    Cardinality,
    DatatypeProperty,
    FieldMapping,
    ImpactDirection,
    ObjectProperty,
    OntClass,
    RoutingRule,
    SourceSystem,
)
from semgraph.vocabulary import SG, SGM

_EXACT = (OWL.cardinality, OWL.qualifiedCardinality)
_MIN = (OWL.minCardinality, OWL.minQualifiedCardinality)
_MAX = (OWL.maxCardinality, OWL.maxQualifiedCardinality)


@dataclass
class ParsedOntology:
    """Raw parse result; ``Ontology`` builds its per-class views on top of it.

    ``restrictions`` and ``class_values`` are keyed by (class, property) as declared on
    that class only (no inheritance applied yet).
    """

    sources: SourceFiles
    graph: Graph
    classes: dict[str, OntClass]
    datatype_properties: dict[str, DatatypeProperty]
    object_properties: dict[str, ObjectProperty]
    functional: frozenset[str]
    restrictions: dict[tuple[str, str], Cardinality] = field(default_factory=dict)
    class_values: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    systems: dict[str, SourceSystem] = field(default_factory=dict)
    mappings: list[FieldMapping] = field(default_factory=list)
    roles: dict[str, AccessRole] = field(default_factory=dict)
    routing_rules: list[RoutingRule] = field(default_factory=list)


class SourceFiles:
    """The files parsed, kept apart so an error can name the file a term comes from."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.graph = Graph()
        self.files: list[tuple[Path, Graph]] = []
        for path in paths:
            part = Graph()
            try:
                part.parse(path, format="turtle")
            except Exception as exc:  # rdflib raises several unrelated types
                raise OntologyError(f"{path}: cannot parse Turtle: {exc}") from exc
            self.files.append((path, part))
            self.graph += part
        self.graph.bind("sg", SG)
        self.graph.bind("sgm", SGM)

    def error(self, term: Node, message: str, *, about: Node | None = None) -> OntologyError:
        """An error naming the file that declares ``term`` (or holds the node ``about``)."""
        needle = about if about is not None else term
        where = next((str(p) for p, g in self.files if (needle, None, None) in g), "ontology")
        return OntologyError(f"{where}: `{local(term)}`: {message}")


def local(term: Node) -> str:
    """Local name of an IRI (after ``#`` or the last ``/``)."""
    text = str(term)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def _text(g: Graph, s: Node, p: URIRef, lang: str | None = None) -> str:
    for o in g.objects(s, p):
        if isinstance(o, Literal) and (lang is None or o.language == lang):
            return str(o)
    return ""


def _texts(g: Graph, s: Node, p: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in g.objects(s, p)))


def _opt(g: Graph, s: Node, p: URIRef) -> str | None:
    o = g.value(s, p)
    return None if o is None else (local(o) if isinstance(o, URIRef) else str(o))


def _route_step(g: Graph, step: Node) -> str:
    """A routing step: ``financeLead``, or ``^customer`` for ``[ owl:inverseOf sg:customer ]``."""
    inverse = g.value(step, OWL.inverseOf) if isinstance(step, BNode) else None
    return "^" + local(inverse) if inverse is not None else local(step)


def _list(g: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(g, head))


def _class_names(src: SourceFiles, prop: Node, node: Node | None, what: str) -> tuple[str, ...]:
    """A plain class or an ``owl:unionOf`` list, as local names."""
    g = src.graph
    if node is None:
        raise src.error(prop, f"has no rdfs:{what}")
    members = _list(g, g.value(node, OWL.unionOf)) if isinstance(node, BNode) else [node]
    if not members:
        raise src.error(prop, f"rdfs:{what} is neither a class nor an owl:unionOf list")
    return tuple(local(m) for m in members)


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


def _declared(g: Graph, kind: URIRef, ns: Namespace | None = None) -> list[URIRef]:
    """Named subjects of type ``kind``, in namespace ``ns`` when given (skips owl: terms)."""
    found = (s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef))
    return sorted(s for s in found if ns is None or str(s).startswith(str(ns)))


def _ancestors(g: Graph, cls: URIRef) -> tuple[str, ...]:
    order: list[str] = []
    frontier = [cls]
    while frontier:
        nxt: list[URIRef] = []
        for c in frontier:
            for sup in g.objects(c, RDFS.subClassOf):
                if isinstance(sup, URIRef) and local(sup) not in order:
                    order.append(local(sup))
                    nxt.append(sup)
        frontier = nxt
    return tuple(order)


def parse(paths: Sequence[Path]) -> ParsedOntology:
    """Read the given Turtle files as one ontology; ``validation.validate`` checks it.

    Raises ``OntologyError`` (naming the file) on unparsable Turtle, a union that is not
    a list, or a cardinality that is not a non-negative integer.
    """
    src = SourceFiles(paths)
    g = src.graph
    classes = {local(c): _read_class(g, c) for c in _declared(g, OWL.Class, SG)}
    dprops = {local(p): _read_datatype(src, p) for p in _declared(g, OWL.DatatypeProperty, SG)}
    oprops = {local(p): _read_object(src, p, classes) for p in _declared(g, OWL.ObjectProperty, SG)}
    functional = frozenset(local(p) for p in _declared(g, OWL.FunctionalProperty, SG))
    parsed = ParsedOntology(src, g, classes, dprops, oprops, functional)
    for c in _declared(g, OWL.Class, SG):
        _read_restrictions(src, c, parsed)
    parsed.systems = {
        local(s): SourceSystem(
            str(s),
            local(s),
            _text(g, s, RDFS.label, "en"),
            _text(g, s, RDFS.label, "zh"),
            _text(g, s, RDFS.comment),
        )
        for s in _declared(g, SGM.SourceSystem)
    }
    parsed.mappings = [_read_mapping(g, m, parsed) for m in _declared(g, SGM.FieldMapping)]
    parsed.roles = {}
    for r in _declared(g, SGM.AccessRole):
        key = _text(g, r, SGM.roleKey)
        parsed.roles[key] = AccessRole(
            str(r),
            key,
            _text(g, r, RDFS.label, "en"),
            _text(g, r, RDFS.label, "zh"),
            _text(g, r, RDFS.comment),
        )
    parsed.routing_rules = [
        RoutingRule(
            str(r),
            _text(g, r, SGM.forRole),
            _opt(g, r, SGM.startClass) or "",
            tuple(_route_step(g, p) for p in _list(g, g.value(r, SGM.resolveVia))),
            _text(g, r, SGM.fallbackRole),
            _text(g, r, RDFS.comment),
        )
        for r in _declared(g, SGM.RoutingRule)
    ]
    return parsed


def _read_class(g: Graph, c: URIRef) -> OntClass:
    return OntClass(
        iri=str(c),
        name=local(c),
        label_en=_text(g, c, RDFS.label, "en"),
        label_zh=_text(g, c, RDFS.label, "zh"),
        definition_en=_text(g, c, SKOS.definition, "en"),
        definition_zh=_text(g, c, SKOS.definition, "zh"),
        business_area=_opt(g, c, SGM.businessArea),
        system_of_record=_opt(g, c, SGM.systemOfRecord),
        id_prefix=_opt(g, c, SGM.idPrefix),
        superclasses=_ancestors(g, c),
        abstract=str(g.value(c, SGM.abstract)).lower() == "true",
    )


def _read_datatype(src: SourceFiles, p: URIRef) -> DatatypeProperty:
    g = src.graph
    values_head = g.value(p, SGM.allowedValues)
    return DatatypeProperty(
        iri=str(p),
        name=local(p),
        label_en=_text(g, p, RDFS.label, "en"),
        label_zh=_text(g, p, RDFS.label, "zh"),
        definition=_text(g, p, SKOS.definition, "en"),
        datatype=local(g.value(p, RDFS.range) or XSD.string),
        sensitivity=_opt(g, p, SGM.sensitivity),
        privacy_regimes=_texts(g, p, SGM.privacyRegime),
        visible_to=_texts(g, p, SGM.visibleTo),
        allowed_values=None if values_head is None else tuple(map(str, _list(g, values_head))),
        domains=_class_names(src, p, g.value(p, RDFS.domain), "domain"),
    )


def common_superclass(classes: dict[str, OntClass], names: Iterable[str]) -> str:
    """Nearest class that is (an ancestor of) every name; ``BusinessEntity`` at worst."""
    chains = [(n, *classes[n].superclasses) if n in classes else (n,) for n in names]
    shared = set(chains[0]).intersection(*chains[1:])
    return next((c for c in chains[0] if c in shared), "BusinessEntity")


def _read_object(src: SourceFiles, p: URIRef, classes: dict[str, OntClass]) -> ObjectProperty:
    g = src.graph
    domains = _class_names(src, p, g.value(p, RDFS.domain), "domain")
    ranges = _class_names(src, p, g.value(p, RDFS.range), "range")
    flow = g.value(p, SGM.impactFlows)
    impact: ImpactDirection | None = None
    if flow == SGM.Forward:
        impact = "forward"
    elif flow == SGM.Inverse:
        impact = "inverse"
    elif flow is not None:
        raise src.error(p, f"sgm:impactFlows must be sgm:Forward or sgm:Inverse, not {flow}")
    return ObjectProperty(
        iri=str(p),
        name=local(p),
        domain=common_superclass(classes, domains),
        range=common_superclass(classes, ranges),
        label_en=_text(g, p, RDFS.label, "en"),
        label_zh=_text(g, p, RDFS.label, "zh"),
        definition=_text(g, p, SKOS.definition, "en"),
        impact=impact,
        domains=domains,
        ranges=ranges,
    )


def _read_restrictions(src: SourceFiles, c: URIRef, parsed: ParsedOntology) -> None:
    g = src.graph
    name = local(c)
    for node in g.objects(c, RDFS.subClassOf):
        if not isinstance(node, BNode) or (node, RDF.type, OWL.Restriction) not in g:
            continue
        prop = g.value(node, OWL.onProperty)
        if not isinstance(prop, URIRef):
            raise src.error(c, "owl:Restriction without a named owl:onProperty")
        key = (name, local(prop))
        low, high = parsed.restrictions.get(key, Cardinality(0, None)).__dict__.values()
        for pred, value in g.predicate_objects(node):
            if pred in _EXACT:
                low = high = _int(src, c, node, value)
            elif pred in _MIN:
                low = max(low, _int(src, c, node, value))
            elif pred in _MAX:
                n = _int(src, c, node, value)
                high = n if high is None else min(high, n)
            elif pred == OWL.allValuesFrom:
                codes = _list(g, g.value(value, OWL.oneOf))
                parsed.class_values[key] = tuple(str(v) for v in codes)
        parsed.restrictions[key] = Cardinality(low, high)


def _read_mapping(g: Graph, m: URIRef, parsed: ParsedOntology) -> FieldMapping:
    target_class = _opt(g, m, SGM.targetClass) or ""
    target_prop = _opt(g, m, SGM.targetProperty) or ""
    declared = parsed.datatype_properties.get(target_prop)
    # A value whose property the target class lacks belongs on the system's record.
    on_record = declared is not None and not applies_to(
        parsed.classes, declared.domains, target_class
    )
    pairs = tuple(
        sorted(
            (_text(g, vm, SGM["from"]), _text(g, vm, SGM.to)) for vm in g.objects(m, SGM.valueMap)
        )
    )
    return FieldMapping(
        iri=str(m),
        system=_opt(g, m, SGM.sourceSystem) or "",
        source_table=_text(g, m, SGM.sourceTable),
        source_field=_text(g, m, SGM.sourceField),
        target_class=target_class,
        target_property=target_prop,
        transform=_opt(g, m, SGM.transform),
        value_map=pairs,
        is_key=str(g.value(m, SGM.isKey)).lower() == "true",
        on_system_record=on_record,
    )


def applies_to(classes: dict[str, OntClass], domains: Iterable[str], cls: str) -> bool:
    """True when a property declared on ``domains`` applies to ``cls`` (or its ancestors)."""
    chain = (cls, *classes[cls].superclasses) if cls in classes else (cls,)
    return any(d in chain for d in domains)
