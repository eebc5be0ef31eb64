"""``Triples``: a neighbourhood's triples in plain dictionaries, before rdflib holds them.

Filling rdflib's store (three indexes and a context per triple) was the dearest part of
turning a neighbourhood into a data graph, and most of a sync batch's triples are read by
no shape that still has to run: the compiled pass checks clear most focus nodes, and a
neighbour's other properties are read by nobody. So a neighbourhood is collected here;
the pass checks and the shape selection read it as they read a graph (``objects``,
``value``, ``in``), and ``graph(reads)`` hands pySHACL just the triples whose predicates
the selected shapes can read (``validation/reads.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib.term import Node

from semgraph.validation.rdf_view import ValidationGraph
from semgraph.validation.reads import ReadSet


class Triples:
    """A set of triples indexed by subject and predicate, in the order they came."""

    def __init__(self) -> None:
        self._index: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._count = 0

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        """Add a triple (again: no effect)."""
        subject, predicate, obj = triple
        objects = self._index.setdefault(subject, {}).setdefault(predicate, {})
        if obj not in objects:
            objects[obj] = None
            self._count += 1

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        """The objects of ``subject``'s ``predicate`` triples."""
        return iter(self._index.get(subject, {}).get(predicate, ()))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of ``subject``'s ``predicate`` triples, or None."""
        return next(self.objects(subject, predicate), None)

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        subject, predicate, obj = triple
        return obj in self._index.get(subject, {}).get(predicate, ())

    def __len__(self) -> int:
        return self._count

    def graph(self, reads: ReadSet) -> ValidationGraph:
        """An rdflib data graph of the triples whose predicate ``reads`` covers."""
        data = ValidationGraph()
        add = data.add
        for subject, predicates in self._index.items():
            for predicate, objects in predicates.items():
                if reads.covers(str(predicate)):
                    for obj in objects:
                        add((subject, predicate, obj))
        return data
