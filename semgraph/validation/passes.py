"""Compiled pass checks: node shapes whose conformance a lookup decides, before pySHACL.

pySHACL walks every property shape for every focus node, ~60 µs a shape and node; a sync
batch of thousands of records spends most of its validation there on shapes that pass.
The shapes derived from the ontology use only constraints that the focus node's own
values decide: ``sh:datatype``, ``sh:minCount``, ``sh:maxCount``, ``sh:in`` and
``sh:class`` on a plain predicate path. For such a node shape, ``PassCheck.passes``
says in plain Python whether a focus node surely conforms; only the nodes it cannot
clear go to pySHACL with that shape, so every result still comes from pySHACL (same
messages, same annotations) and a clear is only given where pySHACL reports nothing.

A check clears a value only on the conditions under which pySHACL 0.40 accepts it for
sure (``DatatypeConstraintComponent``: the same datatype IRI, not ill-typed, the native
Python type for the XSD types pySHACL tests; ``ClassConstraintComponent``: an
``rdf:type`` triple of exactly the class), and leaves every other case to pySHACL.
A shape with anything else (another constraint, a complex path, ``sh:deactivated``,
``sh:node``, a logical constraint) is not compiled. ``tests/unit/test_pass_checks.py``
checks that the verdicts are pySHACL's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, RDFS, SH, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from semgraph.validation.triples import Triples

# Predicates that change no verdict (descriptions, routing, semgraph's annotations).
_SGM = "https://semgraph.io/meta#"
_DESCRIPTIVE = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.message,
    SH.severity,
}
_NODE = _DESCRIPTIVE | {SH.targetClass, SH.property}
_PROPERTY = _DESCRIPTIVE | {SH.path, SH.datatype, SH.minCount, SH.maxCount, SH["in"], SH["class"]}

# pySHACL's native-type test per datatype (``_assert_actual_datatype``); other datatypes
# are left to pySHACL.
_NATIVE: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    XSD.integer: int,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: dt.date,
    XSD.dateTime: dt.datetime,
}

Data = Graph | Triples  # what the checks read: an rdflib graph or a neighbourhood's triples
ValueCheck = Callable[[Data, Node], bool]


def _datatype(rule: Node) -> ValueCheck | None:
    native = _NATIVE.get(rule)
    if native is None:
        return None

    integer = rule == XSD.integer

    def check(_data: Data, value: Node) -> bool:
        return (
            isinstance(value, Literal)
            and value.datatype == rule
            and getattr(value, "ill_typed", None) is not True
            and isinstance(value.value, native)
            # a bool is an int to Python, not to XSD: pySHACL's own test lets it through
            and not (integer and isinstance(value.value, bool))
        )

    return check


def _member(members: frozenset[Node]) -> ValueCheck:
    def check(_data: Data, value: Node) -> bool:
        return value in members

    return check


def _instance(cls: Node) -> ValueCheck:
    rdf_type = RDF.type

    def check(data: Data, value: Node) -> bool:
        return isinstance(value, URIRef) and (value, rdf_type, cls) in data

    return check


@dataclass(frozen=True)
class _Property:
    path: URIRef
    min_count: int
    max_count: int | None
    values: tuple[ValueCheck, ...]


@dataclass(frozen=True)
class PassCheck:
    """One compiled node shape."""

    properties: tuple[_Property, ...]

    def on(self, paths: Container[str]) -> PassCheck:
        """This check less the property constraints whose path is not one of ``paths``."""
        return PassCheck(tuple(p for p in self.properties if str(p.path) in paths))

    def passes(self, data: Data, focus: URIRef) -> bool:
        """True only when pySHACL reports nothing for this shape on ``focus``."""
        for prop in self.properties:
            values = set(data.objects(focus, prop.path))
            if len(values) < prop.min_count:
                return False
            if prop.max_count is not None and len(values) > prop.max_count:
                return False
            for value in values:
                for check in prop.values:
                    if not check(data, value):
                        return False
        return True


def _int(value: Node | None) -> int | None:
    if isinstance(value, Literal) and value.datatype == XSD.integer:
        number = value.value
        if isinstance(number, int) and not isinstance(number, bool) and number >= 0:
            return number
    return None


def only_predicates(shapes: Graph, node: Node, allowed: set[URIRef]) -> bool:
    """Whether ``node`` uses only the ``allowed`` predicates (and semgraph's annotations)."""
    return all(p in allowed or str(p).startswith(_SGM) for p in shapes.predicates(node, None))


def _compile_property(shapes: Graph, node: Node) -> _Property | None:
    if not only_predicates(shapes, node, _PROPERTY):
        return None
    paths = list(shapes.objects(node, SH.path))
    if len(paths) != 1 or not isinstance(paths[0], URIRef):
        return None
    checks: list[ValueCheck] = []
    min_count, max_count = 0, None
    for predicate, obj in shapes.predicate_objects(node):
        if predicate == SH.minCount:
            found = _int(obj)
            if found is None:
                return None
            min_count = max(min_count, found)
        elif predicate == SH.maxCount:
            found = _int(obj)
            if found is None:
                return None
            max_count = found if max_count is None else min(max_count, found)
        elif predicate == SH.datatype:
            check = _datatype(obj)
            if check is None:
                return None
            checks.append(check)
        elif predicate == SH["in"]:
            try:
                members = frozenset(Collection(shapes, obj))
            except Exception:  # not a well-formed list: pySHACL says what is wrong
                return None
            checks.append(_member(members))
        elif predicate == SH["class"]:
            if not isinstance(obj, URIRef):
                return None
            checks.append(_instance(obj))
    return _Property(paths[0], min_count, max_count, tuple(checks))


def compile_pass_check(shapes: Graph, shape: URIRef) -> PassCheck | None:
    """The pass check of node shape ``shape``, or None when it uses anything else."""
    if not only_predicates(shapes, shape, _NODE) or (shape, SH.path, None) in shapes:
        return None
    properties = []
    for node in shapes.objects(shape, SH.property):
        compiled = _compile_property(shapes, node)
        if compiled is None:
            return None
        properties.append(compiled)
    return PassCheck(tuple(properties))
