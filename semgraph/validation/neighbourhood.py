"""Read the part of the graph that some focus nodes' shapes can see, as node/edge records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from semgraph.graph.identifiers import KEEP_PLAN, by_iri
from semgraph.graph.props import decode_props, props_of
from semgraph.ontology.model import Ontology
from semgraph.validation.rdf_view import EdgeRecord, NodeRecord
from semgraph.validation.reach import ShapeReach

# The nodes a neighbourhood query named, each once: a product and its stock items are on
# the read path of every order line of the product, and their properties cross the wire
# once per batch instead of once per line that reaches them.
NODES = (
    KEEP_PLAN
    + f"UNWIND $iris AS iri MATCH (n:Resource {{iri: iri}}) {by_iri('n')} "
    + "RETURN n.iri AS iri, [l IN labels(n) WHERE l <> 'Resource'] AS labels, "
    + f"{props_of('n')} AS props"
)


def node_record(record: Any, ontology: Ontology) -> NodeRecord | None:
    """A ``NodeRecord`` of a row with ``iri``, ``labels`` and ``props_of`` pairs (None
    for a node of no business class)."""
    cls = business_class(record["labels"], ontology)
    if cls is None:
        return None
    return NodeRecord(record["iri"], cls, decode_props(record["props"]))


class Runner(Protocol):
    """Anything that runs Cypher: a session, a managed or an explicit transaction."""

    def run(self, query: Any, parameters: Any = None, **kwargs: Any) -> Any: ...


def business_class(labels: Iterable[str], ontology: Ontology) -> str | None:
    """The ontology class among a node's labels (None for non-business nodes)."""
    for label in labels:
        if label in ontology.classes:
            return label
    return None


def focus_parts(
    reach: ShapeReach,
    changed: dict[str, set[str]],
    deleted: frozenset[str] = frozenset(),
    columns: str = "",
) -> tuple[list[str], dict[str, list[str]]]:
    """The focus queries for ``changed`` (iris by class), to be joined by ``UNION ALL``.

    ``deleted`` iris (still in the graph, before the delete) are walked back along every
    read path, not just the shapes' triggers: their edges go with them.
    """
    parts: list[str] = []
    params: dict[str, list[str]] = {}
    for cls, iris in sorted(changed.items()):
        for is_deleted, group in ((False, iris - deleted), (True, iris & deleted)):
            name = f"focus{len(parts)}"
            query = reach.focus_query(cls, deleted=is_deleted, param=name, columns=columns)
            if query is None or not group:
                continue
            parts.append(query)
            params[name] = sorted(group)
    return parts, params


def edge_focus_parts(
    reach: ShapeReach, edges: dict[str, set[tuple[str, str]]], columns: str = ""
) -> tuple[list[str], dict[str, list[list[str]]]]:
    """The focus queries for edges added or removed (``(from, to)`` iris by relationship
    type, see ``ShapeReach.edge_focus_query``), to be joined by ``UNION ALL``."""
    parts: list[str] = []
    params: dict[str, list[list[str]]] = {}
    for rel, pairs in sorted(edges.items()):
        name = f"edges{len(parts)}"
        query = reach.edge_focus_query(rel, param=name, columns=columns)
        if query is None or not pairs:
            continue
        parts.append(query)
        params[name] = [list(pair) for pair in sorted(pairs)]
    return parts, params


def find_edge_focus(
    tx: Runner, reach: ShapeReach, edges: dict[str, set[tuple[str, str]]], ontology: Ontology
) -> dict[str, set[str]]:
    """Focus nodes (by class) whose verdict the added or removed edges can move."""
    records: list[Any] = []
    parts, params = edge_focus_parts(reach, edges)
    for part, (name, pairs) in zip(parts, params.items(), strict=True):
        records += tx.run(KEEP_PLAN + part, {name: pairs})
    return collect_focus(records, ontology)


def collect_focus(records: Iterable[Any], ontology: Ontology) -> dict[str, set[str]]:
    """Focus records (``iri``, ``labels``) → iris by business class."""
    focus: dict[str, set[str]] = defaultdict(set)
    for record in records:
        target = business_class(record["labels"], ontology)
        if target is not None:
            focus[target].add(record["iri"])
    return dict(focus)


def read_neighbourhood(
    tx: Runner,
    reach: ShapeReach,
    focus: dict[str, set[str]],
    ontology: Ontology,
    known: Mapping[str, NodeRecord] | None = None,
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Nodes and edges on the read paths of the given focus nodes.

    One statement per focus class, not one for all: each class's plan is cached once,
    while a statement per *combination* of classes would be planned again for every new
    combination (hundreds of milliseconds for these unions). ``known`` nodes are the
    caller's current copies (the entities a change just wrote and read back): their
    properties are not read again.
    """
    known = known or {}
    iris: set[str] = set()
    edges: set[EdgeRecord] = set()
    for cls, focus_iris in sorted(focus.items()):
        if not focus_iris:
            continue
        query = KEEP_PLAN + reach.neighbourhood_query(cls)
        for record in tx.run(query, iris=sorted(focus_iris)):
            iris.add(record["iri"])
            if record["edge"] is not None:
                source, rel, target = record["edge"]
                edges.add(EdgeRecord(source, rel, target))
    nodes = [known[iri] for iri in iris if iri in known]
    unread = sorted(iri for iri in iris if iri not in known)
    if unread:
        for record in tx.run(NODES, iris=unread):
            node = node_record(record, ontology)
            if node is not None:
                nodes.append(node)
    nodes.sort(key=lambda n: n.iri)
    return nodes, sorted(edges, key=lambda e: (e.source, e.rel, e.target))
