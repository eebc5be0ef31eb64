"""Read ontology files into terms (validation.py checks they hang together).

Classes and properties of any namespace are read (``naming.py`` names them); semgraph's
own annotations (``sgm:``) are optional outside ``sg:``. Files are Turtle, RDF/XML or
JSON-LD by suffix, and their ``owl:imports`` of local files are read too.

Everything here runs once per process (``Ontology.load`` caches it). Each check raises
``OntologyError`` naming the file that declares the offending term, so a broken edit
to ``ontology/*.ttl`` points at itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

from semgraph.ontology import axioms
from semgraph.ontology.annotations import read_annotations
from semgraph.ontology.naming import graphql_names, is_builtin, local_part
from semgraph.ontology.placement import (
    Hint,
    Reader,
    hints_of,
    implicit_properties,
    is_sg,
    read_restriction,
    referenced_classes,
)
from semgraph.ontology.reading import (
    SourceFiles,
    local,
    opt,
    rdf_list,
    text,
    texts,
)
from semgraph.ontology.terms import (
    AccessRole,
    Cardinality,
    ClassRestriction,
    DatatypeProperty,
    FieldMapping,
    ImpactDirection,
    ObjectProperty,
    OntClass,
    RoleModel,
    RoutingRule,
    SourceSystem,
)
from semgraph.vocabulary import SG, SGM

XSD_TYPES = frozenset({"string", "decimal", "integer", "boolean", "date", "dateTime"})
# XSD types outside XSD_TYPES that a property of another namespace may use, as the
# nearest one semgraph stores (everything else is kept as its lexical form: string).
_XSD_NEAREST = {
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "nonNegativeInteger": "integer",
    "positiveInteger": "integer",
    "double": "decimal",
    "float": "decimal",
    "dateTimeStamp": "dateTime",
}


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
    axioms: list[ClassRestriction] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    """prefix → namespace of the names ``{prefix}__{local}`` this ontology uses."""
    iris: dict[str, str] = field(default_factory=dict)
    """name → IRI of every class and property."""
    role_model: RoleModel | None = None
    skipped: list[str] = field(default_factory=list)
    """Terms the model could not place, each with the reason (``semgraph load`` prints them)."""


def _declared(g: Graph, kind: URIRef, ns: Namespace | None = None) -> list[URIRef]:
    """Named subjects of type ``kind``, in namespace ``ns`` when given."""
    found = (s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef))
    return sorted(s for s in found if ns is None or str(s).startswith(str(ns)))


def _business(g: Graph, *kinds: URIRef) -> list[URIRef]:
    """Named subjects of any of ``kinds`` outside the built-in namespaces (owl:, sgm:, …)."""
    found = {s for k in kinds for s in _declared(g, k) if not is_builtin(str(s))}
    return sorted(found)


def parse(paths: Sequence[Path]) -> ParsedOntology:
    """Read the given files (and their local ``owl:imports``) as one ontology;
    ``validation.validate`` checks it.

    Raises ``OntologyError`` (naming the file) on an unparsable file, a union that is not
    a list, or a cardinality that is not a non-negative integer.
    """
    src = SourceFiles(paths)
    r = Reader(src)
    g = src.graph
    declared = _business(g, OWL.Class, RDFS.Class)
    restrictions = [raw for c in declared for raw in axioms.restrictions_of(g, c)]
    datatype_iris = set(_business(g, OWL.DatatypeProperty))
    object_iris = set(_business(g, OWL.ObjectProperty))
    for p in _business(g, RDF.Property):  # plain RDF properties: a class range is a relation
        if p not in datatype_iris and p not in object_iris:
            rng = g.value(p, RDFS.range)
            is_object = rng is not None and not axioms.is_datatype(g, rng)
            (object_iris if is_object else datatype_iris).add(p)
    implicit_properties(r, restrictions, datatype_iris, object_iris)
    referenced = referenced_classes(g, declared, restrictions, datatype_iris, object_iris)
    classes = {r.name(c): _read_class(g, c, r, declared=True) for c in declared}
    for c in referenced:
        if r.name(c) not in classes:
            classes[r.name(c)] = _read_class(g, c, r, declared=False)
    gql = graphql_names({n: c.iri for n, c in classes.items()})
    classes = {n: replace(c, graphql_name=gql[n]) for n, c in classes.items()}
    hints = hints_of(r, restrictions)
    dprops: dict[str, DatatypeProperty] = {}
    for p in sorted(datatype_iris):
        prop = _read_datatype(r, p, hints)
        if prop is not None:
            dprops[prop.name] = prop
    oprops: dict[str, ObjectProperty] = {}
    for p in sorted(object_iris):
        oprop = _read_object(r, p, classes, hints)
        if oprop is not None:
            oprops[oprop.name] = oprop
    functional = frozenset(
        r.name(p) for p in _declared(g, OWL.FunctionalProperty) if not is_builtin(str(p))
    )
    _entity_keys(r, classes, dprops)
    functional |= frozenset(_ENTITY_KEYS)  # one id, one creation and one update time
    parsed = ParsedOntology(src, g, classes, dprops, oprops, functional)
    for raw in restrictions:
        read_restriction(r, raw, parsed)
    read_annotations(g, parsed, r.names)
    parsed.role_model = _role_model(r, parsed)
    parsed.prefixes = dict(r.names.prefixes)
    parsed.iris = dict(r.iris)
    parsed.skipped = sorted(set(r.skipped))
    return parsed


# What the change pipeline keeps on every entity; an ontology without semgraph's own
# declarations of them gets them on every class, so GraphQL and validation see them.
_ENTITY_KEYS = {"id": "string", "createdAt": "dateTime", "updatedAt": "dateTime"}


def _entity_keys(
    r: Reader, classes: dict[str, OntClass], dprops: dict[str, DatatypeProperty]
) -> None:
    roots = tuple(n for n, c in classes.items() if not c.superclasses)
    for key, datatype in _ENTITY_KEYS.items():
        if key in dprops or not roots:
            continue
        r.iris.setdefault(key, str(SG[key]))
        dprops[key] = DatatypeProperty(
            iri=str(SG[key]),
            name=key,
            label_en=key,
            label_zh=key,
            definition="Kept by semgraph's write pipeline on every entity.",
            datatype=datatype,
            sensitivity=None,
            privacy_regimes=(),
            visible_to=(),
            allowed_values=None,
            domains=roots,
        )


def _role_model(r: Reader, parsed: ParsedOntology) -> RoleModel | None:
    for p, key in sorted(r.g.subject_objects(SGM.roleKeyProperty)):
        rel = parsed.object_properties.get(r.name(p))
        key_name = r.name(key)
        if rel is None or key_name not in parsed.datatype_properties:
            raise r.src.error(
                p, "sgm:roleKeyProperty must sit on an object property and name a datatype one"
            )
        return RoleModel(rel.domain, rel.name, rel.range, key_name)
    return None


def _label(g: Graph, term: URIRef, lang: str) -> str:
    """A label in ``lang``; outside ``sg:`` an untagged label, then the local name, stand in."""
    found = text(g, term, RDFS.label, lang) or text(g, term, SKOS.prefLabel, lang)
    if found or is_sg(term):
        return found
    plain = [str(o) for o in g.objects(term, RDFS.label) if isinstance(o, Literal)]
    return (sorted(plain)[0] if plain else "") or local_part(str(term))


def _definition(g: Graph, term: URIRef, lang: str) -> str:
    found = text(g, term, SKOS.definition, lang)
    if found or is_sg(term):
        return found
    return text(g, term, SKOS.definition) or text(g, term, RDFS.comment)


def _read_class(g: Graph, c: URIRef, r: Reader, *, declared: bool) -> OntClass:
    return OntClass(
        iri=str(c),
        name=r.name(c),
        label_en=_label(g, c, "en"),
        label_zh=_label(g, c, "zh"),
        definition_en=_definition(g, c, "en"),
        definition_zh=_definition(g, c, "zh"),
        business_area=opt(g, c, SGM.businessArea),
        system_of_record=opt(g, c, SGM.systemOfRecord),
        id_prefix=opt(g, c, SGM.idPrefix),
        superclasses=_ancestors(g, c, r),
        abstract=str(g.value(c, SGM.abstract)).lower() == "true",
        declared=declared,
        entity_card=str(g.value(c, SGM.entityCard)).lower() == "true",
    )


def _ancestors(g: Graph, cls: URIRef, r: Reader) -> tuple[str, ...]:
    order: list[str] = []
    frontier = [cls]
    while frontier:
        nxt: list[URIRef] = []
        for c in frontier:
            for sup in g.objects(c, RDFS.subClassOf):
                if isinstance(sup, URIRef) and not is_builtin(str(sup)):
                    name = r.name(sup)
                    if name not in order:
                        order.append(name)
                        nxt.append(sup)
        frontier = nxt
    return tuple(order)


def _datatype(g: Graph, p: URIRef, hint: str | None) -> str:
    """The XSD local name of ``p``'s values; outside ``sg:`` the nearest one semgraph
    stores (``string`` for ``rdfs:Literal`` and anything it has no native type for)."""
    rng = g.value(p, RDFS.range)
    name = local(rng) if isinstance(rng, URIRef) and str(rng).startswith(str(XSD)) else None
    if is_sg(p):
        return local(rng) if rng is not None else "string"
    name = name or hint or "string"
    return name if name in XSD_TYPES else _XSD_NEAREST.get(name, "string")


def _read_datatype(r: Reader, p: URIRef, hints: dict[str, Hint]) -> DatatypeProperty | None:
    g = r.g
    name = r.name(p)
    hint = hints.get(name, Hint())
    declared = r.class_names(p, g.value(p, RDFS.domain), "domain")
    domains = declared if is_sg(p) else tuple(dict.fromkeys([*declared, *sorted(hint.domains)]))
    if not domains:
        r.skipped.append(
            f"{name}: no rdfs:domain and no class restriction on it, so no class has it"
        )
        return None
    values_head = g.value(p, SGM.allowedValues)
    return DatatypeProperty(
        iri=str(p),
        name=name,
        label_en=_label(g, p, "en"),
        label_zh=_label(g, p, "zh"),
        definition=_definition(g, p, "en"),
        datatype=_datatype(g, p, hint.datatype),
        sensitivity=opt(g, p, SGM.sensitivity),
        privacy_regimes=texts(g, p, SGM.privacyRegime),
        visible_to=texts(g, p, SGM.visibleTo),
        allowed_values=None if values_head is None else tuple(map(str, rdf_list(g, values_head))),
        domains=domains,
    )


def common_superclass(classes: dict[str, OntClass], names: Iterable[str]) -> str:
    """Nearest class that is (an ancestor of) every name; ``BusinessEntity`` at worst
    (the first name when the ontology has no BusinessEntity)."""
    listed = list(names)
    chains = [(n, *classes[n].superclasses) if n in classes else (n,) for n in listed]
    shared = set(chains[0]).intersection(*chains[1:])
    fallback = "BusinessEntity" if "BusinessEntity" in classes or not listed else listed[0]
    return next((c for c in chains[0] if c in shared), fallback)


def _read_object(
    r: Reader, p: URIRef, classes: dict[str, OntClass], hints: dict[str, Hint]
) -> ObjectProperty | None:
    g = r.g
    name = r.name(p)
    hint = hints.get(name, Hint())
    domains = r.class_names(p, g.value(p, RDFS.domain), "domain")
    ranges = r.class_names(p, g.value(p, RDFS.range), "range")
    if not is_sg(p):
        domains = tuple(dict.fromkeys([*domains, *sorted(hint.domains)]))
        ranges = ranges or tuple(sorted(hint.ranges))
    if not domains or not ranges:
        missing = "rdfs:domain" if not domains else "rdfs:range"
        r.skipped.append(
            f"{name}: no {missing} and no class restriction that gives one, so it links nothing"
        )
        return None
    flow = g.value(p, SGM.impactFlows)
    impact: ImpactDirection | None = None
    if flow == SGM.Forward:
        impact = "forward"
    elif flow == SGM.Inverse:
        impact = "inverse"
    elif flow is not None:
        raise r.src.error(p, f"sgm:impactFlows must be sgm:Forward or sgm:Inverse, not {flow}")
    return ObjectProperty(
        iri=str(p),
        name=name,
        domain=common_superclass(classes, domains),
        range=common_superclass(classes, ranges),
        label_en=_label(g, p, "en"),
        label_zh=_label(g, p, "zh"),
        definition=_definition(g, p, "en"),
        impact=impact,
        domains=domains,
        ranges=ranges,
    )
