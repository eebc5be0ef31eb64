"""Consistency checks run on every ontology load.

Each dangling reference (a domain naming an undeclared class, a mapping to a missing
property, a routing path that does not reach an Employee, …) raises ``OntologyError``
naming the file that declares the term, so a broken edit points at itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import URIRef

from semgraph.ontology.parser import XSD_TYPES, ParsedOntology
from semgraph.ontology.reading import SourceFiles, applies_to
from semgraph.ontology.terms import TRANSFORMS, FieldMapping, RoutingRule
from semgraph.vocabulary import SG_IRI

BUSINESS_AREAS = frozenset(
    {"sales", "service", "finance", "legal", "operations", "hr", "master-data"}
)
SENSITIVITIES = frozenset({"personal", "financial", "confidential"})


def validate(o: ParsedOntology) -> ParsedOntology:
    """Check every cross-reference of a parsed ontology; return it unchanged when sound.

    Raises ``OntologyError`` naming the file and term of the first problem found.
    """
    src = o.sources
    prefixes: dict[str, str] = {}
    for c in o.classes.values():
        term = URIRef(c.iri)
        for sup in c.superclasses:
            if sup not in o.classes:
                raise src.error(term, f"rdfs:subClassOf names undeclared class `{sup}`")
        if c.business_area is not None and c.business_area not in BUSINESS_AREAS:
            raise src.error(
                term,
                f"sgm:businessArea `{c.business_area}` is not one of "
                + ", ".join(sorted(BUSINESS_AREAS)),
            )
        if o.systems and c.system_of_record and c.system_of_record not in o.systems:
            raise src.error(
                term, f"sgm:systemOfRecord `{c.system_of_record}` is not a source system"
            )
        own = c.iri.startswith(SG_IRI)  # semgraph's annotations are required of sg: only
        complete = c.id_prefix and c.label_en and c.label_zh and c.definition_en
        if own and not c.abstract and not complete:
            raise src.error(term, "needs sgm:idPrefix, rdfs:label @en and @zh, skos:definition @en")
        if c.id_prefix in prefixes:
            raise src.error(
                term, f"sgm:idPrefix `{c.id_prefix}` is also used by {prefixes[c.id_prefix]}"
            )
        if c.id_prefix:
            prefixes[c.id_prefix] = c.name
    for dp in o.datatype_properties.values():
        _check_domains(src, o, URIRef(dp.iri), dp.domains, "domain")
        if dp.datatype not in XSD_TYPES:
            raise src.error(URIRef(dp.iri), f"rdfs:range xsd:{dp.datatype} is not supported")
        if dp.sensitivity is not None and dp.sensitivity not in SENSITIVITIES:
            raise src.error(URIRef(dp.iri), f"sgm:sensitivity `{dp.sensitivity}` is unknown")
        unknown_roles = set(dp.visible_to) - set(o.roles) if o.roles else set()
        if unknown_roles:
            raise src.error(
                URIRef(dp.iri), f"sgm:visibleTo names unknown role {sorted(unknown_roles)}"
            )
        if dp.name in o.object_properties:
            raise src.error(URIRef(dp.iri), "is declared both as datatype and object property")
    for op in o.object_properties.values():
        _check_domains(src, o, URIRef(op.iri), op.domains, "domain")
        _check_domains(src, o, URIRef(op.iri), op.ranges, "range")
    for (cls, prop), _ in o.restrictions.items():
        declared = o.datatype_properties.get(prop) or o.object_properties.get(prop)
        term = URIRef(o.iris.get(cls, cls))
        if declared is None:
            raise src.error(term, f"restriction on undeclared property `{prop}`")
        if not applies_to(o.classes, declared.domains, cls):
            raise src.error(term, f"restriction on `{prop}`, whose domain excludes {cls}")
    for m in o.mappings:
        _check_mapping(src, o, m)
    for rule in o.routing_rules:
        _check_route(src, o, rule)
    return o


def _check_domains(
    src: SourceFiles, o: ParsedOntology, term: URIRef, names: Iterable[str], what: str
) -> None:
    for name in names:
        if name not in o.classes:
            raise src.error(term, f"rdfs:{what} names undeclared class `{name}`")


def _check_mapping(src: SourceFiles, o: ParsedOntology, m: FieldMapping) -> None:
    term = URIRef(m.iri)
    if m.system not in o.systems:
        raise src.error(term, f"sgm:sourceSystem `{m.system}` is not a declared source system")
    if m.target_class not in o.classes:
        raise src.error(term, f"sgm:targetClass `{m.target_class}` is not a declared class")
    prop = o.datatype_properties.get(m.target_property)
    if prop is None:
        raise src.error(
            term, f"sgm:targetProperty `{m.target_property}` is not a datatype property"
        )
    on_class = applies_to(o.classes, prop.domains, m.target_class)
    on_record = applies_to(o.classes, prop.domains, "SystemRecord")
    if not (on_class or on_record):
        raise src.error(
            term, f"`{m.target_property}` applies neither to {m.target_class} nor to SystemRecord"
        )
    if m.transform is not None and m.transform not in TRANSFORMS:
        raise src.error(
            term, f"sgm:transform `{m.transform}` is not one of " + ", ".join(sorted(TRANSFORMS))
        )
    if m.is_key and m.target_property != "externalId":
        raise src.error(term, "a key mapping (sgm:isKey true) must target sg:externalId")


def _check_route(src: SourceFiles, o: ParsedOntology, rule: RoutingRule) -> None:
    term = URIRef(rule.iri)
    for role in (rule.for_role, rule.fallback_role):
        if role not in o.roles:
            raise src.error(term, f"role key `{role}` is not a declared sgm:AccessRole")
    if rule.start_class not in o.classes:
        raise src.error(term, f"sgm:startClass `{rule.start_class}` is not a declared class")
    at = {rule.start_class}  # the classes the path may be at (an inverse step: its domains)
    for step in rule.path:
        name = step.removeprefix("^")
        prop = o.object_properties.get(name)
        if prop is None:
            raise src.error(term, f"sgm:resolveVia step `{step}` is not an object property")
        if step.startswith("^"):
            if not any(applies_to(o.classes, prop.ranges or (prop.range,), c) for c in at):
                raise src.error(term, f"sgm:resolveVia step `{step}` does not end at {at}")
            at = set(prop.domains)
            continue
        if not any(applies_to(o.classes, prop.domains, c) for c in at):
            raise src.error(term, f"sgm:resolveVia step `{step}` does not start at {at}")
        at = set(prop.ranges or (prop.range,))
    person = o.role_model.person if o.role_model is not None else None
    if person is None:
        raise src.error(term, "routing rules need a role model (sgm:roleKeyProperty)")
    if not rule.path or at != {person}:
        raise src.error(term, f"sgm:resolveVia must end at {person}, not {at}")
