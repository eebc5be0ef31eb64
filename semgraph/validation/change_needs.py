"""Which property changes a transition shape needs before it can fire at all.

A transition shape reacts to the change itself: its SPARQL requires ``$this
sgm:pendingChange ?pc . ?pc sgm:property ?prop`` and filters ``?prop`` to the terms it is
about (``FILTER (?prop IN (sg:serviceCreditPercent, sg:penaltyCap) && …)``). On a focus
node whose change touched none of those properties (or that has no pending change: it
was not written, or was created) such a shape has no solution, so the engine need not
run it. ``pending_change_needs`` proves that from the query's algebra, conservatively:
only patterns and filters every solution must pass are used, and anything it does not
understand (UNION, sub-queries, other constraint types on the shape) means "may fire".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import RDF, RDFS, Graph, URIRef, Variable
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from semgraph.shapes.loader import sparql_text
from semgraph.vocabulary import SGM

THIS = Variable("this")
# What a shape may say besides its SPARQL constraints without adding ways to fail.
_INERT = {RDF.type, SH.targetClass, SH.sparql, SH.severity, SH.message, SH.name}
_INERT |= {SH.description, RDFS.label, RDFS.comment}


def pending_change_needs(shapes: Graph, shape: URIRef) -> frozenset[URIRef] | None:
    """The properties of which ``$this``'s pending change must include one for ``shape``
    to report anything; None when that cannot be shown (the shape may always fire)."""
    needs: set[URIRef] = set()
    constraints = list(shapes.objects(shape, SH.sparql))
    if not constraints:
        return None
    for p in shapes.predicates(shape, None):
        if p not in _INERT and not str(p).startswith(str(SGM)):
            return None  # a property shape or core constraint can fire on its own
    for constraint in constraints:
        query = shapes.value(constraint, SH.select)
        if query is None:
            return None
        need = query_needs(sparql_text(shapes, constraint, str(query)))
        if need is None:
            return None
        needs |= need
    return frozenset(needs)


def query_needs(text: str) -> frozenset[URIRef] | None:
    """``pending_change_needs`` for one SELECT query."""
    algebra = prepareQuery(text).algebra
    triples: list[tuple[Node, Node, Node]] = []
    filters: list[Any] = []
    root = algebra.p
    if getattr(root, "name", None) == "Project":
        root = root.p
    if not _mandatory(root, triples, filters):
        return None
    found: frozenset[URIRef] | None = None
    for pc in [o for s, p, o in triples if s == THIS and p == SGM.pendingChange]:
        for s, p, o in triples:
            if s != pc or p != SGM.property:
                continue
            if isinstance(o, URIRef):
                need: frozenset[URIRef] | None = frozenset({o})
            elif isinstance(o, Variable):
                need = _all_of([_restricts(f, o) for f in filters])
            else:
                need = None
            # Each such pattern is necessary on its own, so any one of them is a sound
            # condition (their intersection is not: a shape needing changes of both a
            # and b would never run). Keep the narrowest.
            if need is not None and (found is None or len(need) < len(found)):
                found = need
    return found


def _mandatory(node: Any, triples: list[Any], filters: list[Any]) -> bool:
    """Collect the triple patterns and filters every solution of ``node`` satisfies;
    False when ``node`` holds something this analysis does not follow."""
    if not isinstance(node, CompValue):
        return False
    name = node.name
    if name == "BGP":
        triples.extend(node.triples)
        return True
    if name == "Filter":
        filters.append(node.expr)
        return _mandatory(node.p, triples, filters)
    if name in {"Extend", "Distinct", "Reduced", "Slice", "OrderBy"}:
        return _mandatory(node.p, triples, filters)
    if name in {"LeftJoin", "Minus"}:  # the optional / subtracted side adds no condition
        return _mandatory(node.p1, triples, filters)
    if name == "Join":
        return _mandatory(node.p1, triples, filters) and _mandatory(node.p2, triples, filters)
    return False  # Union, sub-select, VALUES, GRAPH, SERVICE…: not followed


def _restricts(expr: Any, var: Variable) -> frozenset[URIRef] | None:
    """The IRIs ``var`` must be one of for ``expr`` to be true (None: unrestricted)."""
    if not isinstance(expr, CompValue):
        return None
    if expr.name == "RelationalExpression":
        left, op, right = expr.get("expr"), expr.get("op"), expr.get("other")
        if op == "=" and left == var and isinstance(right, URIRef):
            return frozenset({right})
        if op == "=" and right == var and isinstance(left, URIRef):
            return frozenset({left})
        if op == "IN" and left == var and isinstance(right, list) and right:
            iris = [x for x in right if isinstance(x, URIRef)]
            return frozenset(iris) if len(iris) == len(right) else None
        return None
    parts = [expr.get("expr"), *(expr.get("other") or [])]
    if expr.name == "ConditionalAndExpression":
        return _all_of([_restricts(p, var) for p in parts])
    if expr.name == "ConditionalOrExpression":
        each = [_restricts(p, var) for p in parts]
        if any(e is None for e in each):
            return None
        return frozenset().union(*[e for e in each if e is not None])
    return None


def _all_of(sets: Iterable[frozenset[URIRef] | None]) -> frozenset[URIRef] | None:
    """Conjunction: the intersection of the restricting conditions (None: none restrict)."""
    out: frozenset[URIRef] | None = None
    for s in sets:
        if s is not None:
            out = s if out is None else out & s
    return out
