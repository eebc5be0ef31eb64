"""Import RDF (Turtle, N-Triples, RDF/XML, JSON-LD) into the Neo4j property graph, with
the plain mapping and no rules: ``semgraph import --unchecked`` (restores). Business data
goes through the change pipeline instead (``semgraph.services.imports``).

The mapping is described in ``docs/rdf-mapping.md``. A file is parsed completely before
anything is written, so an unparsable file writes nothing. The writes then go in
batches of ``batch_size`` rows per transaction (one query per label set, one per
relationship type), so a large file never becomes one giant transaction; if Neo4j fails
midway the batches already committed stay, and importing the file again completes it.

Import is idempotent and merges into what is there: nodes are merged by IRI, labels and
relationships are added, and for every (subject, predicate) with literal objects the
file's values replace the stored ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from semgraph.exceptions import InvalidInputError, did_you_mean
from semgraph.rdf import queries as q
from semgraph.rdf.literals import encode_property
from semgraph.rdf.names import PrefixRegistry, register_namespaces
from semgraph.rdf.verbatim import normalised, parse_verbatim, rewritten

GENID = "https://semgraph.io/.well-known/genid/"
ENTITY_IRI = re.compile(r"^https://semgraph\.io/id/([^/]+)/([^/]+)$")
BATCH_SIZE = 5000

# User-facing format names → rdflib parser names.
IMPORT_FORMATS = {
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "xml": "xml",
    "rdfxml": "xml",
    "json-ld": "json-ld",
    "jsonld": "json-ld",
}
_SUFFIX_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}


@dataclass
class ImportReport:
    """What an import wrote (counts are of the file's content, not of changes made)."""

    triples: int = 0
    subjects: int = 0
    resources: int = 0
    relationships: int = 0
    blank_nodes: int = 0
    prefixes_added: dict[str, str] = field(default_factory=dict)


def ensure_schema(driver: neo4j.Driver, database: str) -> None:
    """Create the ``Resource.iri`` and prefix-registry constraints (idempotent)."""
    for statement in q.SCHEMA:
        driver.execute_query(statement, database_=database)


def rdf_format(path: Path, name: str | None = None) -> str:
    """The rdflib parser for ``path``: from ``name`` if given, else from the suffix.

    Raises:
        InvalidInputError: the format name is unknown, or the suffix tells nothing.
    """
    if name is not None:
        key = name.lower()
        if key not in IMPORT_FORMATS:
            raise InvalidInputError(
                f"unknown RDF format `{name}`",
                hint=did_you_mean(key, IMPORT_FORMATS)
                or "use one of: " + ", ".join(sorted(IMPORT_FORMATS)),
            )
        return IMPORT_FORMATS[key]
    suffix = path.suffix.lower()
    if suffix not in _SUFFIX_FORMATS:
        raise InvalidInputError(
            f"cannot tell the RDF format of `{path.name}` from its suffix",
            hint="pass --format turtle|nt|xml|json-ld",
        )
    return _SUFFIX_FORMATS[suffix]


def _error_line(exc: Exception) -> int | None:
    """The 1-based line a parser error points at, when the parser says."""
    lines = getattr(exc, "lines", None)  # Turtle's BadSyntax counts from 0
    if isinstance(lines, int):
        return lines + 1
    lineno = getattr(exc, "lineno", None)  # JSON-LD (json.JSONDecodeError)
    if isinstance(lineno, int):
        return lineno
    get_line = getattr(exc, "getLineNumber", None)  # RDF/XML (SAXParseException)
    line = get_line() if callable(get_line) else None
    return line if isinstance(line, int) else None


def _error_reason(exc: Exception) -> str:
    """The parser's reason without its position preamble or echo of the input."""
    for text in str(exc).splitlines():
        text = text.strip()
        if text and not text.startswith("at line"):
            return text.split(" at ^ in:")[0][:300]
    return type(exc).__name__


def parse_file(path: Path, format: str | None = None) -> Graph:
    """Parse one RDF file into memory.

    Raises:
        InvalidInputError: the file is missing, the format unknown, the content
            unparsable (with the file, and the line when the parser reports one), or it
            holds no triples (a plain JSON export read as JSON-LD, an empty file).
    """
    if not path.is_file():
        raise InvalidInputError(f"file not found: {path}")
    parser = rdf_format(path, format)
    graph = _parse(path, parser)
    if len(graph) == 0:
        raise _no_triples(path, parser)
    if any(rewritten(o) for o in graph.objects() if isinstance(o, Literal)):
        graph = normalised(parse_verbatim(lambda g: _parse_into(g, path, parser)))
    return graph


def _parse(path: Path, parser: str) -> Graph:
    graph = Graph()
    _parse_into(graph, path, parser)
    return graph


def _parse_into(graph: Graph, path: Path, parser: str) -> None:
    try:
        graph.parse(path, format=parser)
    except Exception as exc:  # rdflib's parsers raise many unrelated types
        raise InvalidInputError(
            f"cannot parse as {parser}: {_error_reason(exc)}",
            file=str(path),
            line=_error_line(exc),
            hint="check the syntax near that line, or pass the right --format",
        ) from exc


def _no_triples(path: Path, parser: str) -> InvalidInputError:
    sync = (
        "for a source system's export use `semgraph sync --system S --table T FILE` "
        "(CSV or JSON Lines, with a mapping: docs/sync.md)"
    )
    if parser == "json-ld":
        return InvalidInputError(
            "holds no RDF triples: read as JSON-LD, none of its keys maps to an IRI "
            "(plain JSON without an @context is not JSON-LD)",
            file=str(path),
            hint=f"add an @context that maps its keys to ontology terms, or {sync}",
        )
    return InvalidInputError(
        f"holds no RDF triples (read as {parser}): nothing to import",
        file=str(path),
        hint=f"check that it is the file you meant; {sync}",
    )


def skolemize(graph: Graph) -> tuple[Graph, int]:
    """A copy of ``graph`` with every blank node replaced by a genid IRI named by its content.

    Returns the copy and the number of blank nodes replaced. The IRIs are
    ``https://semgraph.io/.well-known/genid/cb{sha256}``, where the hash is the blank node's
    canonical label (rdflib's canonicalisation of the triples that hold blank nodes): the
    same file, or its export with ``--deskolemize``, gets the same IRIs, so importing it
    again changes nothing. A blank node whose triples (or whose neighbours' blank triples)
    changed is a new node; the old one stays until it is deleted.
    """
    blank = Graph()
    out = Graph()
    for prefix, namespace in graph.namespace_manager.namespaces():
        out.bind(prefix, namespace, override=False)
    for triple in graph:
        (blank if any(isinstance(n, BNode) for n in triple) else out).add(triple)
    if not blank:
        return out, 0
    minted: set[BNode] = set()

    def skolem(node: Node) -> Node:
        if isinstance(node, BNode):
            minted.add(node)
            return URIRef(GENID + str(node))
        return node

    for s, p, o in to_canonical_graph(blank):
        out.add((skolem(s), skolem(p), skolem(o)))
    return out, len(minted)


@dataclass
class _Subject:
    types: set[str] = field(default_factory=set)
    literals: dict[str, list[Literal]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class GraphPlan:
    """A graph's triples sorted for writing (``plan_graph``)."""

    subjects: dict[str, _Subject] = field(default_factory=lambda: defaultdict(_Subject))
    objects: set[str] = field(default_factory=set)
    relationships: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    terms: set[str] = field(default_factory=set)  # IRIs that become names


def _plan(graph: Graph) -> GraphPlan:
    plan = GraphPlan()
    for s, p, o in graph:
        if not isinstance(s, URIRef) or not isinstance(p, URIRef):
            raise InvalidInputError(f"unsupported triple subject or predicate: {s!r} {p!r}")
        subject = plan.subjects[str(s)]
        if isinstance(o, Literal):
            subject.literals[str(p)].append(o)
            plan.terms.add(str(p))
            if o.datatype is not None:
                plan.terms.add(str(o.datatype))
        elif isinstance(o, URIRef) and p == RDF.type:
            subject.types.add(str(o))
            plan.terms.add(str(o))
        elif isinstance(o, URIRef):
            plan.relationships[str(p)].append((str(s), str(o)))
            plan.objects.add(str(o))
            plan.terms.add(str(p))
        else:
            raise InvalidInputError(f"unsupported object in triple: {o!r}")
    return plan


def _identity_keys(iri: str) -> dict[str, Any]:
    match = ENTITY_IRI.match(iri)
    return {"id": match.group(2)} if match else {}


def _subject_rows(plan: GraphPlan, registry: PrefixRegistry) -> dict[frozenset[str], list[Any]]:
    groups: dict[frozenset[str], list[Any]] = defaultdict(list)
    for iri, subject in plan.subjects.items():
        keys = _identity_keys(iri)
        for predicate, literals in subject.literals.items():
            keys.update(encode_property(registry.to_name(predicate), literals, registry))
        labels = frozenset(registry.to_name(t) for t in subject.types)
        groups[labels].append({"iri": iri, "keys": keys})
    return groups


def _batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _write(driver: neo4j.Driver, query: str, rows: Sequence[Any], database: str, size: int) -> None:
    def work(tx: neo4j.ManagedTransaction, batch: Sequence[Any]) -> None:
        tx.run(query, rows=list(batch)).consume()

    with driver.session(database=database) as session:
        for batch in _batches(rows, size):
            session.execute_write(work, batch)


@dataclass
class GraphWrites:
    """The rows that store a graph (without blank nodes) with the mapping."""

    subjects: dict[frozenset[str], list[Any]]
    """Subject rows ``{iri, keys}`` by label set."""
    bare: list[Any]
    """Nodes named only as objects: ``{iri, keys}``."""
    relationships: dict[str, list[Any]]
    """Rows ``{s, o}`` by relationship type."""
    plan: GraphPlan


def plan_graph(graph: Graph) -> GraphPlan:
    """Sort the triples of ``graph`` (without blank nodes) into nodes, labels, literals
    and links; ``terms`` are the IRIs that become names, whose namespaces a
    ``PrefixRegistry`` must know before ``graph_writes``.

    Raises:
        InvalidInputError: a blank node.
    """
    return _plan(graph)


def graph_writes(plan: GraphPlan, registry: PrefixRegistry) -> GraphWrites:
    """Encode a planned graph for writing; nothing is written yet.

    Raises:
        InvalidInputError: a namespace ``registry`` has no prefix for, or a literal the
            mapping cannot encode.
    """
    return GraphWrites(
        subjects=_subject_rows(plan, registry),
        bare=[
            {"iri": iri, "keys": _identity_keys(iri)}
            for iri in sorted(plan.objects - plan.subjects.keys())
        ],
        relationships={
            registry.to_name(p): [{"s": s, "o": o} for s, o in pairs]
            for p, pairs in plan.relationships.items()
        },
        plan=plan,
    )


def write_statements(writes: GraphWrites) -> Iterator[tuple[str, list[Any]]]:
    """``(query, rows)`` in the order they must run: subjects, bare objects, links."""
    for labels, rows in writes.subjects.items():
        yield q.merge_subjects(labels), rows
    if writes.bare:
        yield q.MERGE_RESOURCES, writes.bare
    for rel_type, rows in writes.relationships.items():
        yield q.merge_relationships(rel_type), rows


def import_graph(
    driver: neo4j.Driver,
    graph: Graph,
    database: str,
    *,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Write ``graph`` into Neo4j following the documented mapping.

    Blank nodes are skolemised first (see ``skolemize``). The prefixes the file binds are
    reused for new namespaces when they are free.

    Raises:
        InvalidInputError: the graph holds something the mapping cannot store.
    """
    ensure_schema(driver, database)
    graph, blank_nodes = skolemize(graph)
    hints = {str(p): str(ns) for p, ns in graph.namespace_manager.namespaces() if p}
    plan = plan_graph(graph)
    registry = register_namespaces(driver, plan.terms, database, hints)
    # Encode everything before the first data write, so an encoding error writes nothing.
    writes = graph_writes(plan, registry)
    for query, rows in write_statements(writes):
        _write(driver, query, rows, database, batch_size)
    return ImportReport(
        triples=len(graph),
        subjects=len(plan.subjects),
        resources=len(plan.subjects.keys() | plan.objects),
        relationships=sum(len(rows) for rows in writes.relationships.values()),
        blank_nodes=blank_nodes,
        prefixes_added=dict(registry.added),
    )


def import_file(
    driver: neo4j.Driver,
    path: Path,
    database: str,
    *,
    format: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Parse ``path`` (format from ``format`` or the suffix) and import it.

    Raises:
        InvalidInputError: missing file, unknown format or unparsable content; nothing
            is written in these cases.
    """
    return import_graph(driver, parse_file(path, format), database, batch_size=batch_size)
