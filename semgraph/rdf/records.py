"""Business records of an RDF graph: what ``semgraph import`` hands the change pipeline.

A record is one business entity of the file — a subject whose IRI is an entity IRI
(``https://semgraph.io/id/{Class}/{id}``) of a concrete ontology class — with its
ontology properties and its links to other entities. Triples the ontology cannot read as
business data make their subject's record refused, with the reason, before anything is
written; ``semgraph import --unchecked`` stores any RDF (see docs/rdf-mapping.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from semgraph.changes.model import (
    CreateEntity,
    LinkEntities,
    Operation,
    RdfLiteral,
    UpdateEntity,
    Value,
    WriteResource,
)
from semgraph.exceptions import did_you_mean
from semgraph.ontology.model import ID_BASE, Ontology
from semgraph.rdf.importer import skolemize
from semgraph.vocabulary import SG_IRI

# Kept by the pipeline itself on every write; a file's values (an export) are ignored.
SYSTEM_PROPERTIES = frozenset({"id", "version", "createdAt", "updatedAt"})


@dataclass
class EntityRecord:
    """One business entity of a file, as properties and outgoing links."""

    iri: str
    cls: str
    id: str
    properties: dict[str, Value] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    """(relationship, target class, target id)"""
    problem: str | None = None
    """Why the record cannot be imported as business data (None: it can)."""

    def targets(self, ontology: Ontology) -> list[str]:
        """IRIs of the entities this record links to."""
        return [ontology.entity_iri(cls, ident) for _, cls, ident in self.links]

    def operations(
        self, exists: bool, skip_links_to: set[str] | frozenset[str] = frozenset()
    ) -> list[Operation]:
        """The change operations that write this record (update when it ``exists``)."""
        ops: list[Operation] = []
        if not exists:
            ops.append(CreateEntity(cls=self.cls, id=self.id, properties=self.properties))
        elif self.properties:
            ops.append(UpdateEntity(cls=self.cls, id=self.id, properties=self.properties))
        for rel, to_cls, to_id in self.links:
            if f"{ID_BASE}{to_cls}/{to_id}" in skip_links_to:
                continue
            ops.append(
                LinkEntities(
                    rel=rel, from_cls=self.cls, from_id=self.id, to_cls=to_cls, to_id=to_id
                )
            )
        return ops


def entity_of(iri: str, ontology: Ontology) -> tuple[str, str] | None:
    """(class, id) of an entity IRI of a concrete ontology class, else None."""
    if not iri.startswith(ID_BASE):
        return None
    cls, sep, ident = iri.removeprefix(ID_BASE).partition("/")
    if not sep or not ident or "/" in ident or cls not in ontology.classes:
        return None
    if ontology.cls(cls).abstract:
        return None
    return cls, ident


def _value(literal: Literal) -> Value:
    value = literal.toPython()
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(literal)


def business_records(graph: Graph, ontology: Ontology) -> list[EntityRecord]:
    """One record per subject of ``graph``, in IRI order; see ``EntityRecord.problem``."""
    records: list[EntityRecord] = []
    for subject in sorted({s for s in graph.subjects() if isinstance(s, Node)}, key=str):
        iri = str(subject)
        found = entity_of(iri, ontology) if isinstance(subject, URIRef) else None
        if found is None:
            records.append(
                EntityRecord(
                    iri,
                    "",
                    "",
                    problem=f"`{iri}` is not a business entity IRI "
                    f"({ID_BASE}{{Class}}/{{id}} of a concrete ontology class)",
                )
            )
            continue
        cls, ident = found
        record = EntityRecord(iri, cls, ident)
        records.append(record)
        props = ontology.datatype_properties(cls)
        rels = ontology.object_properties(cls)
        seen: set[str] = set()
        for p, o in sorted(
            graph.predicate_objects(subject), key=lambda po: (str(po[0]), str(po[1]))
        ):
            predicate = str(p)
            if p == RDF.type:
                typed = ontology.name_of(str(o))
                if typed != cls and typed not in ontology.cls(cls).superclasses:
                    record.problem = f"{iri} is typed {o}, but its IRI says {cls}"
                continue
            name = ontology.name_of(predicate) or (
                predicate.removeprefix(SG_IRI) if predicate.startswith(SG_IRI) else None
            )
            if name is None or (name not in props and name not in rels):
                known = [*props, *rels]
                hint = did_you_mean(name or predicate, known) if name else None
                record.problem = f"{cls}: `{predicate}` is not an ontology property" + (
                    f" ({hint})" if hint else ""
                )
                continue
            if name in rels:
                target = entity_of(str(o), ontology) if isinstance(o, URIRef) else None
                if target is None:
                    record.problem = f"{cls}.{name} must point to a business entity, not {o}"
                    continue
                record.links.append((name, *target))
                continue
            if not isinstance(o, Literal):
                record.problem = f"{cls}.{name} takes a literal value, not {o}"
                continue
            if name in SYSTEM_PROPERTIES:
                continue
            if name in seen:
                record.problem = f"{cls}.{name} has several values; it takes one"
                continue
            seen.add(name)
            record.properties[name] = _value(o)
    return records


def record_triples(graph: Graph, records: list[EntityRecord]) -> Graph:
    """The triples of ``records``' subjects, with the file's prefixes (a rejects file)."""
    out = Graph()
    for prefix, namespace in graph.namespace_manager.namespaces():
        out.bind(prefix, namespace, override=False)
    for record in records:
        for triple in graph.triples((URIRef(record.iri), None, None)):
            out.add(triple)
    return out


def resource_operations(graph: Graph) -> list[WriteResource]:
    """``graph`` as ``WriteResource`` operations, one per subject in IRI order: RDF that is
    not business data, to be written through the change pipeline. Blank nodes become the
    genid IRIs ``semgraph import`` gives them (named by their content, ``skolemize``), so
    the change stores what an import of the graph would, and validation sees the blank
    nodes again."""
    named, _ = skolemize(graph)
    by_subject: dict[str, tuple[list[str], dict[str, list[RdfLiteral]], dict[str, list[str]]]]
    by_subject = {}
    for s, p, o in sorted(named, key=lambda t: (str(t[0]), str(t[1]), t[2].n3())):
        types, literals, links = by_subject.setdefault(str(s), ([], {}, {}))
        if isinstance(o, Literal):
            literals.setdefault(str(p), []).append(
                RdfLiteral(
                    lexical=str(o),
                    datatype=None if o.datatype is None else str(o.datatype),
                    language=o.language,
                )
            )
        elif p == RDF.type:
            types.append(str(o))
        else:
            links.setdefault(str(p), []).append(str(o))
    return [
        WriteResource(iri=iri, types=types, literals=literals, links=links)
        for iri, (types, literals, links) in by_subject.items()
    ]
