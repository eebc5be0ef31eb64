"""Core SHACL constraints compiled into Python checks over a batch's data graph.

pySHACL walks every shape for every focus node and builds a report graph as it goes;
for a change set of thousands of records that is most of the cost of a sync. The shapes
derived from the ontology (``shapes/derived.py``) only use constraints that a lookup of
the focus node's values can decide: ``sh:datatype``, ``sh:minCount``, ``sh:maxCount``,
``sh:in``, ``sh:class`` and ``sh:or`` of ``sh:class``. A node shape made of nothing but
property shapes with those constraints on a plain predicate path is compiled here into
one ``CompiledShape``; every other shape (SPARQL constraints, complex paths, other
components) stays with pySHACL (``BatchValidator`` routes it).

The checks decide exactly what pySHACL decides (the same value nodes, the same rdflib
term equality for ``sh:in``, pySHACL's datatype and class tests), and only the rare
failing value becomes a report: a small report graph with the triples pySHACL would
have written, read by ``ShapeEngine.read_report`` like any other (same messages, same
annotations). ``tests/unit/test_compiled_validation.py`` checks both agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from rdflib import RDF, RDFS, SH, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from semgraph.shapes.loader import ShapeSet

# Predicates a compiled shape may carry besides its constraints (they change no verdict).
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
    SH.targetClass,
}
_NODE_ONLY = {SH.property}
_PROPERTY_CONSTRAINTS = {SH.path, SH.datatype, SH.minCount, SH.maxCount, SH["in"], SH["class"]}
_LOGICAL = {SH["or"]}
_SHACL = str(SH)


@dataclass(frozen=True)
class Failure:
    """One value (or missing value) a compiled constraint refuses, as pySHACL reports it."""

    focus: URIRef
    property_shape: URIRef
    component: URIRef
    value: Node | None


ValueCheck = Callable[[Graph, Node], bool]
"""Whether one value node passes a constraint (in the data graph it was read from)."""


def _is_instance(data: Graph, value: Node, cls: Node) -> bool:
    """pySHACL's ``sh:class`` test without inference: an rdf:type of ``value`` is ``cls``
    or reaches it through ``rdfs:subClassOf`` in the data graph; a literal never is."""
    if isinstance(value, Literal):
        return False
    for ctype in data.objects(value, RDF.type):
        if ctype == cls or cls in data.transitive_objects(ctype, RDFS.subClassOf):
            return True
    return False


_NATIVE: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: dt.date,
    XSD.time: dt.time,
    XSD.dateTime: dt.datetime,
}


def _datatype_matches(value: Node, rule: Node) -> bool:
    """pySHACL's ``sh:datatype`` test (0.40): same datatype IRI and not ill-typed; a plain
    literal counts as xsd:string and a tagged one as rdf:langString."""
    if not isinstance(value, Literal):
        return False
    datatype, lang = value.datatype, value.language
    if datatype == rule:
        if getattr(value, "ill_typed", None) is True:
            return False
    elif rule == RDFS.Literal or (rule == RDFS.Datatype and datatype):
        return True  # every literal is an rdfs:Literal, every typed one an rdfs:Datatype
    elif not (
        (datatype is None and lang is None and rule == XSD.string)
        or (rule == RDF.langString and lang)
    ):
        return False
    native = _NATIVE.get(rule)  # type: ignore[call-overload]
    return native is None or isinstance(value.value, native)


def _has_datatype(rule: Node, _data: Graph, value: Node) -> bool:
    return _datatype_matches(value, rule)


def _is_member(members: frozenset[Node], _data: Graph, value: Node) -> bool:
    return value in members  # rdflib term equality, as pySHACL's set of sh:in members


def _of_class(classes: tuple[Node, ...], data: Graph, value: Node) -> bool:
    return any(_is_instance(data, value, cls) for cls in classes)


@dataclass(frozen=True)
class CompiledProperty:
    """One property shape on a plain predicate path: count bounds and per-value checks."""

    shape: URIRef
    path: URIRef
    min_count: int | None
    max_count: int | None
    value_checks: tuple[tuple[URIRef, ValueCheck], ...]
    """(constraint component, check) in a fixed order."""

    def failures(self, data: Graph, focus: URIRef) -> Iterable[Failure]:
        values = set(data.objects(focus, self.path))
        if self.min_count is not None and len(values) < self.min_count:
            yield Failure(focus, self.shape, SH.MinCountConstraintComponent, None)
        if self.max_count is not None and len(values) > self.max_count:
            yield Failure(focus, self.shape, SH.MaxCountConstraintComponent, None)
        for component, check in self.value_checks:
            for value in values:
                if not check(data, value):
                    yield Failure(focus, self.shape, component, value)


@dataclass(frozen=True)
class CompiledShape:
    """A node shape whose every constraint is compiled."""

    iri: str
    properties: tuple[CompiledProperty, ...]

    def failures(self, data: Graph, focus: URIRef) -> Iterable[Failure]:
        for prop in self.properties:
            yield from prop.failures(data, focus)


def _integer(g: Graph, node: Node, predicate: URIRef) -> int | bool | None:
    """The single integer object of ``predicate`` (None when absent, False when unusable)."""
    objects = list(g.objects(node, predicate))
    if not objects:
        return None
    if len(objects) > 1 or not isinstance(objects[0], Literal):
        return False
    value = objects[0].value
    return value if isinstance(value, int) and not isinstance(value, bool) else False


def _class_alternatives(g: Graph, head: Node) -> tuple[Node, ...] | None:
    """The classes of an ``sh:or`` whose members are each one bare ``sh:class`` shape."""
    classes: list[Node] = []
    for member in g.items(head):
        if not isinstance(member, BNode):
            return None
        own = list(g.predicate_objects(member))
        if len(own) != 1 or own[0][0] != SH["class"]:
            return None
        classes.append(own[0][1])
    return tuple(classes) or None


def _compile_property(g: Graph, shape: Node) -> CompiledProperty | None:
    if not isinstance(shape, URIRef):
        return None  # a blank property shape: its report names a blank node, leave it
    predicates = set(g.predicates(shape))
    if predicates - _DESCRIPTIVE - _PROPERTY_CONSTRAINTS - _LOGICAL:
        return None
    if not any(m for m in g.objects(shape, SH.message)):
        return None  # pySHACL would write its generic messages: not reproduced here
    if (shape, SH.deactivated, None) in g:
        return None
    paths = list(g.objects(shape, SH.path))
    if len(paths) != 1 or not isinstance(paths[0], URIRef):
        return None
    low, high = _integer(g, shape, SH.minCount), _integer(g, shape, SH.maxCount)
    if low is False or high is False:
        return None
    checks: list[tuple[URIRef, ValueCheck]] = []
    datatypes = list(g.objects(shape, SH.datatype))
    if len(datatypes) > 1:
        return None
    for rule in datatypes:
        checks.append((SH.DatatypeConstraintComponent, partial(_has_datatype, rule)))
    lists = list(g.objects(shape, SH["in"]))
    if len(lists) > 1:
        return None
    for head in lists:
        members = frozenset(g.items(head))
        checks.append((SH.InConstraintComponent, partial(_is_member, members)))
    for cls in g.objects(shape, SH["class"]):
        checks.append((SH.ClassConstraintComponent, partial(_of_class, (cls,))))
    for head in g.objects(shape, SH["or"]):
        alternatives = _class_alternatives(g, head)
        if alternatives is None:
            return None
        checks.append((SH.OrConstraintComponent, partial(_of_class, alternatives)))
    return CompiledProperty(
        shape,
        paths[0],
        low if isinstance(low, int) else None,
        high if isinstance(high, int) else None,
        tuple(checks),
    )


def compile_shape(shape_set: ShapeSet, iri: str) -> CompiledShape | None:
    """The compiled form of the node shape ``iri``, or None when pySHACL must run it."""
    g = shape_set.graph
    node = URIRef(iri)
    if (node, SH.deactivated, None) in g:
        return None
    for predicate in set(g.predicates(node)):
        if predicate in _DESCRIPTIVE or predicate in _NODE_ONLY:
            continue
        if str(predicate).startswith(_SHACL):
            return None  # a node-level constraint (sh:sparql, sh:closed, …)
    properties: list[CompiledProperty] = []
    for prop_shape in sorted(g.objects(node, SH.property), key=str):
        compiled = _compile_property(g, prop_shape)
        if compiled is None:
            return None
        properties.append(compiled)
    return CompiledShape(iri, tuple(properties))


def compile_shapes(shape_set: ShapeSet) -> dict[str, CompiledShape]:
    """Every shape of ``shape_set`` that ``compile_shape`` can compile, by IRI."""
    out: dict[str, CompiledShape] = {}
    for iri, info in shape_set.shapes.items():
        if info.target_class is None:
            continue
        compiled = compile_shape(shape_set, iri)
        if compiled is not None:
            out[iri] = compiled
    return out


def report_of(failures: Iterable[Failure], shapes: Graph) -> Graph:
    """The report pySHACL writes for ``failures``: one ``sh:ValidationResult`` each, with
    the property shape's severity and messages."""
    report = Graph(store="SimpleMemory", bind_namespaces="none")
    for failure in failures:
        result = BNode()
        ps = failure.property_shape
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.sourceConstraintComponent, failure.component))
        report.add((result, SH.sourceShape, ps))
        report.add((result, SH.resultSeverity, shapes.value(ps, SH.severity) or SH.Violation))
        report.add((result, SH.focusNode, failure.focus))
        if failure.value is not None:
            report.add((result, SH.value, failure.value))
        path = shapes.value(ps, SH.path)
        if path is not None:
            report.add((result, SH.resultPath, path))
        for message in shapes.objects(ps, SH.message):
            report.add((result, SH.resultMessage, message))
    return report
