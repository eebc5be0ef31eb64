"""Write an ontology into Neo4j as browsable nodes, and derive the schema from ours.

Any OWL/RDFS ontology can be loaded (Turtle, RDF/XML, JSON-LD): its classes, properties,
hierarchy, domains, ranges, labels and definitions become ``:OntologyClass`` and
``:OntologyProperty`` nodes linked to an ``:Ontology`` node, and each ``owl:Restriction``
axiom a ``(:OntologyClass)-[:RESTRICTS {kind, value, onClass}]->(:OntologyProperty)``
(classes and properties named only by a range or a restriction, from a module not
loaded, become nodes too, with ``declared: false`` / ``kind: "referenced"``); semgraph's own system
mappings become ``:SourceSystem`` and ``:FieldMapping`` nodes. ``owl:imports`` are
followed only to local files; anything else is reported and skipped (never the network).

Loading is idempotent: terms are merged by IRI, a term that left the file is removed, and
an unchanged file changes nothing (its content hash is compared first).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from semgraph.exceptions import InvalidInputError
from semgraph.ontology import axioms
from semgraph.ontology import queries as q
from semgraph.ontology.files import local_import, rdf_format
from semgraph.ontology.naming import is_builtin
from semgraph.vocabulary import SGM_IRI

SGM = SGM_IRI
_CLASS_TYPES = (OWL.Class, RDFS.Class)
_PROPERTY_KINDS = {
    OWL.ObjectProperty: "object",
    OWL.DatatypeProperty: "datatype",
    OWL.AnnotationProperty: "annotation",
    RDF.Property: "property",
}


@dataclass
class LoadReport:
    """What ``load_ontology`` did, for the CLI and for tests."""

    ontology_iri: str
    files: list[str]
    classes: int = 0
    properties: int = 0
    mappings: int = 0
    changed: bool = False
    skipped_imports: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)


def default_files(ontology_dir: Path) -> list[Path]:
    """semgraph's own ontology files, the main one (``semgraph.ttl``) first."""
    return sorted(ontology_dir.glob("*.ttl"), key=lambda p: (p.name != "semgraph.ttl", p.name))


def parse_files(paths: Sequence[Path]) -> tuple[Graph, str | None, list[str]]:
    """Parse ontology files and the local files they import.

    Returns the merged graph, the IRI of the first file's ``owl:Ontology`` (None if it
    declares none) and the imports that were skipped (not local files).

    Raises:
        InvalidInputError: a file is missing or cannot be parsed (file and line given).
    """
    graph = Graph()
    primary: str | None = None
    skipped: list[str] = []
    seen: set[Path] = set()
    todo = [p.resolve() for p in paths]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if not path.exists():
            raise InvalidInputError(f"ontology file not found: {path}")
        part = Graph()
        try:
            part.parse(path, format=rdf_format(path))
        except Exception as exc:  # rdflib raises many parser-specific types
            line = getattr(exc, "lines", None) or getattr(exc, "line", None)
            raise InvalidInputError(
                f"cannot parse ontology: {str(exc).splitlines()[0][:300]}",
                file=str(path),
                line=line if isinstance(line, int) else None,
                hint="check the syntax near that line",
            ) from exc
        graph += part
        if primary is None:  # the first file that declares one names the ontology loaded
            primary = next((str(o) for o in part.subjects(RDF.type, OWL.Ontology)), None)
        for imported in part.objects(None, OWL.imports):
            local = local_import(str(imported), path.parent)
            if local is not None:
                todo.append(local)
            else:
                skipped.append(str(imported))
    return graph, primary, sorted(set(skipped))


def _text(graph: Graph, subject: Node, predicate: URIRef, lang: str | None = None) -> str | None:
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    if lang is not None:
        values = [v for v in values if v.language == lang] or (
            [v for v in values if v.language is None] if lang == "en" else []
        )
    return str(values[0]) if values else None


def _local_name(iri: str) -> str:
    for sep in ("#", "/", ":"):
        if sep in iri:
            tail = iri.rsplit(sep, 1)[-1]
            if tail:
                return tail
    return iri


def _term_props(graph: Graph, term: URIRef) -> dict[str, Any]:
    props: dict[str, Any] = {
        "iri": str(term),
        "name": _local_name(str(term)),
        "label_en": _text(graph, term, RDFS.label, "en"),
        "label_zh": _text(graph, term, RDFS.label, "zh"),
        "definition": _text(graph, term, SKOS.definition, "en")
        or _text(graph, term, RDFS.comment, "en"),
        "definition_zh": _text(graph, term, SKOS.definition, "zh"),
    }
    props["label"] = props["label_en"] or props["name"]
    for predicate, value in graph.predicate_objects(term):
        key = str(predicate)
        if key.startswith(SGM) and isinstance(value, Literal):
            props[key.removeprefix(SGM)] = value.toPython()
        elif key.startswith(SGM) and isinstance(value, URIRef):
            props[key.removeprefix(SGM)] = _local_name(str(value))
    return {k: v for k, v in props.items() if v is not None and _storable(v)}


def _storable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _uris(nodes: Iterable[Node]) -> list[URIRef]:
    return sorted({n for n in nodes if isinstance(n, URIRef)})


def _referenced_classes(
    graph: Graph, classes: list[URIRef], properties: dict[URIRef, str]
) -> set[URIRef]:
    """Classes the ontology names but does not declare (a range, a superclass or a
    restriction's class from a module that was not loaded): browsable nodes too."""
    found: set[URIRef] = set()
    for c in classes:
        for sup in graph.objects(c, RDFS.subClassOf):
            found.update(axioms.named_classes(graph, sup))
        for raw in axioms.restrictions_of(graph, c):
            for value in axioms.class_values(raw):
                found.update(axioms.named_classes(graph, value))
    for p, kind in properties.items():
        preds = (RDFS.domain, RDFS.range) if kind != "datatype" else (RDFS.domain,)
        for pred in preds:
            found.update(axioms.named_classes(graph, graph.value(p, pred)))
    return found - set(classes)


def graph_rows(graph: Graph) -> dict[str, list[dict[str, Any]]]:
    """The rows written to Neo4j, derived from an rdflib graph (pure; no I/O)."""
    declared = _uris(s for t in _CLASS_TYPES for s in graph.subjects(RDF.type, t))
    declared = [c for c in declared if not is_builtin(str(c)) or str(c).startswith(SGM)]
    properties = {
        p: kind for t, kind in _PROPERTY_KINDS.items() for p in _uris(graph.subjects(RDF.type, t))
    }
    referenced = _referenced_classes(graph, declared, properties)
    classes = sorted({*declared, *referenced})
    restrictions = [raw for c in declared for raw in axioms.restrictions_of(graph, c)]
    for raw in restrictions:  # a property only a restriction names (from another module)
        if raw.prop is not None and raw.prop not in properties:
            properties[raw.prop] = "referenced"
    known = set(classes)
    rows: dict[str, list[dict[str, Any]]] = {
        "classes": [
            {**_term_props(graph, c), **({"declared": False} if c in referenced else {})}
            for c in classes
        ],
        "properties": [{**_term_props(graph, p), "kind": k} for p, k in sorted(properties.items())],
        "subclass": [
            {"child": str(c), "parent": str(p)}
            for c in declared
            for p in _uris(graph.objects(c, RDFS.subClassOf))
            if p in known
        ],
        "subproperty": [
            {"child": str(p), "parent": str(sp)}
            for p in properties
            for sp in _uris(graph.objects(p, RDFS.subPropertyOf))
            if sp in properties
        ],
        "restrictions": [
            {
                "cls": str(raw.cls),
                "property": str(raw.prop),
                "kind": raw.kind,
                "value": axioms.text_of(raw, str),
                "onClass": str(raw.on_class) if isinstance(raw.on_class, URIRef) else None,
            }
            for raw in restrictions
            if raw.prop is not None
        ],
        "domain": [],
        "range": [],
        "systems": [],
        "mappings": [],
    }
    for prop in properties:
        for rel, predicate in (("domain", RDFS.domain), ("range", RDFS.range)):
            for target in graph.objects(prop, predicate):
                members = _uris(graph.items(u)) if (u := graph.value(target, OWL.unionOf)) else []
                for member in members or _uris([target]):
                    if member in known:
                        rows[rel].append({"property": str(prop), "cls": str(member)})
                    elif rel == "range":
                        rows[rel].append({"property": str(prop), "datatype": str(member)})
    for system in _uris(graph.subjects(RDF.type, URIRef(SGM + "SourceSystem"))):
        rows["systems"].append(_term_props(graph, system))
    for mapping in _uris(graph.subjects(RDF.type, URIRef(SGM + "FieldMapping"))):
        props = _term_props(graph, mapping)
        props["system"] = str(graph.value(mapping, URIRef(SGM + "sourceSystem")))
        props["targetClass"] = str(graph.value(mapping, URIRef(SGM + "targetClass")))
        props["targetProperty"] = str(graph.value(mapping, URIRef(SGM + "targetProperty")))
        rows["mappings"].append(props)
    return rows


def content_hash(graph: Graph) -> str:
    """A hash of the graph's triples that ignores order and blank-node labels."""

    def term(node: Node) -> str:
        return "_" if isinstance(node, BNode) else node.n3()

    lines = sorted(f"{term(s)} {p} {term(o)}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def load_ontology(driver: neo4j.Driver, paths: Sequence[Path], database: str) -> LoadReport:
    """Load ontology files into Neo4j as browsable nodes (idempotent; see module doc).

    Raises:
        InvalidInputError: a file is missing or unparsable; nothing is written then.
    """
    graph, primary, skipped = parse_files(paths)
    iri = primary or paths[0].resolve().as_uri()
    report = LoadReport(ontology_iri=iri, files=[str(p) for p in paths], skipped_imports=skipped)
    rows = graph_rows(graph)
    report.classes, report.properties = len(rows["classes"]), len(rows["properties"])
    report.mappings = len(rows["mappings"])
    digest = content_hash(graph)
    with driver.session(database=database) as session:
        session.run(q.ONTOLOGY_CONSTRAINTS_TERM).consume()
        session.run(q.ONTOLOGY_CONSTRAINTS_ONTOLOGY).consume()
        current = session.run(q.ONTOLOGY_HASH, iri=iri).single()
        if current is not None and current["hash"] == digest:
            return report
        session.execute_write(_write_rows, iri, digest, graph, rows)
    report.changed = True
    return report


def _write_rows(
    tx: neo4j.ManagedTransaction,
    iri: str,
    digest: str,
    graph: Graph,
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    label = _text(graph, URIRef(iri), RDFS.label) or _local_name(iri)
    version = _text(graph, URIRef(iri), OWL.versionInfo)
    tx.run(q.MERGE_ONTOLOGY, iri=iri, hash=digest, label=label, version=version).consume()
    tx.run(q.MERGE_CLASSES, ontology=iri, rows=rows["classes"]).consume()
    tx.run(q.MERGE_PROPERTIES, ontology=iri, rows=rows["properties"]).consume()
    terms = [r["iri"] for r in rows["classes"] + rows["properties"]]
    tx.run(q.DELETE_STALE_TERMS, ontology=iri, keep=terms).consume()
    tx.run(q.CLEAR_TERM_LINKS, ontology=iri).consume()
    tx.run(q.LINK_SUBCLASS, rows=rows["subclass"]).consume()
    tx.run(q.LINK_SUBPROPERTY, rows=rows["subproperty"]).consume()
    tx.run(q.LINK_RESTRICTIONS, rows=rows["restrictions"]).consume()
    tx.run(q.LINK_DOMAIN, rows=rows["domain"]).consume()
    tx.run(q.LINK_RANGE_CLASS, rows=[r for r in rows["range"] if "cls" in r]).consume()
    tx.run(q.SET_RANGE_DATATYPE, rows=[r for r in rows["range"] if "datatype" in r]).consume()
    tx.run(q.MERGE_SYSTEMS, ontology=iri, rows=rows["systems"]).consume()
    tx.run(q.MERGE_MAPPINGS, ontology=iri, rows=rows["mappings"]).consume()
    keep = [r["iri"] for r in rows["systems"] + rows["mappings"]]
    tx.run(q.DELETE_STALE_MAPPINGS, ontology=iri, keep=keep).consume()
