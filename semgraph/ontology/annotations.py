"""semgraph's own annotations of an ontology (all optional outside ``sg:``): source
systems, field mappings, access roles and alert routing rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node

from semgraph.ontology.naming import TermNames
from semgraph.ontology.reading import applies_to, local, opt, rdf_list, text
from semgraph.ontology.terms import AccessRole, FieldMapping, RoutingRule, SourceSystem
from semgraph.vocabulary import SGM

if TYPE_CHECKING:
    from semgraph.ontology.parser import ParsedOntology


def declared(g: Graph, kind: URIRef) -> list[URIRef]:
    """Named subjects of type ``kind``, sorted."""
    return sorted(s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef))


def route_step(g: Graph, step: Node, names: TermNames) -> str:
    """A routing step: ``financeLead``, or ``^customer`` for ``[ owl:inverseOf sg:customer ]``."""
    inverse = g.value(step, OWL.inverseOf) if isinstance(step, BNode) else None
    return "^" + names.name(str(inverse)) if inverse is not None else names.name(str(step))


def read_annotations(g: Graph, parsed: ParsedOntology, names: TermNames) -> None:
    """semgraph's own annotations: source systems, field mappings, roles, routing."""
    parsed.systems = {
        local(s): SourceSystem(
            str(s),
            local(s),
            text(g, s, RDFS.label, "en"),
            text(g, s, RDFS.label, "zh"),
            text(g, s, RDFS.comment),
        )
        for s in declared(g, SGM.SourceSystem)
    }
    parsed.mappings = [_read_mapping(g, m, parsed, names) for m in declared(g, SGM.FieldMapping)]
    parsed.roles = {}
    for role in declared(g, SGM.AccessRole):
        key = text(g, role, SGM.roleKey)
        parsed.roles[key] = AccessRole(
            str(role),
            key,
            text(g, role, RDFS.label, "en"),
            text(g, role, RDFS.label, "zh"),
            text(g, role, RDFS.comment),
        )
    parsed.routing_rules = [
        RoutingRule(
            str(rule),
            text(g, rule, SGM.forRole),
            names.name(str(start)) if (start := g.value(rule, SGM.startClass)) is not None else "",
            tuple(route_step(g, p, names) for p in rdf_list(g, g.value(rule, SGM.resolveVia))),
            text(g, rule, SGM.fallbackRole),
            text(g, rule, RDFS.comment),
        )
        for rule in declared(g, SGM.RoutingRule)
    ]


def _read_mapping(g: Graph, m: URIRef, parsed: ParsedOntology, names: TermNames) -> FieldMapping:
    target_cls_node = g.value(m, SGM.targetClass)
    target_prop_node = g.value(m, SGM.targetProperty)
    target_class = names.name(str(target_cls_node)) if isinstance(target_cls_node, URIRef) else ""
    target_prop = names.name(str(target_prop_node)) if isinstance(target_prop_node, URIRef) else ""
    declared = parsed.datatype_properties.get(target_prop)
    # A value whose property the target class lacks belongs on the system's record.
    on_record = declared is not None and not applies_to(
        parsed.classes, declared.domains, target_class
    )
    pairs = tuple(
        sorted((text(g, vm, SGM["from"]), text(g, vm, SGM.to)) for vm in g.objects(m, SGM.valueMap))
    )
    return FieldMapping(
        iri=str(m),
        system=opt(g, m, SGM.sourceSystem) or "",
        source_table=text(g, m, SGM.sourceTable),
        source_field=text(g, m, SGM.sourceField),
        target_class=target_class,
        target_property=target_prop,
        transform=opt(g, m, SGM.transform),
        value_map=pairs,
        is_key=str(g.value(m, SGM.isKey)).lower() == "true",
        on_system_record=on_record,
    )
