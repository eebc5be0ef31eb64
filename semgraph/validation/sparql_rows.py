"""Rows of a small SPARQL pattern, found in a neighbourhood as rdflib would find them.

The SPARQL pass checks (``sparql_passes.py``) clear a focus node when its rule query
surely has no solution. Some rules cannot be decided from one value at a time: the
credit-limit rule compares two systems' figures with arithmetic (``ABS(?a - ?b) >
0.01 * …``), and every customer reported by two systems has candidate rows. ``no_row``
enumerates the rows of such a filtered pattern over the neighbourhood's triples and
evaluates the filter with rdflib's own expression evaluator on each, so a filter is
true, false or an error exactly where pySHACL (which runs rdflib) finds it so.

It follows rdflib's evaluation (7.x, ``plugins/sparql/evaluate.py``) where that decides
which rows a filter sees: ``$this`` stays bound everywhere (an initial binding), a
filter or ``BIND`` sees a row less what an enclosing scope bound (``forget``), a lazy
join evaluates its right side with each left row bound. Supported are basic graph
patterns whose triples reach each subject from ``$this`` (IRI predicates, followed in
the order the bindings reach them: the rows are the same in any order), joins,
unions, ``BIND`` and filters over deterministic expressions; anything else, a row count
over ``LIMIT`` or an expression that needs the query's context (``EXISTS``, ``NOW()``,
``RAND()``, ``BNODE()``, ``IRI()`` and ``URI()`` with the base, custom functions) raises
``UndecidedError``, and the caller leaves the node to pySHACL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rdflib import XSD, BNode, Variable
from rdflib.plugins.sparql.evalutils import _ebv, _eval
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext, SPARQLError
from rdflib.term import Node, URIRef

from semgraph.validation.passes import Data

LIMIT = 256  # rows of one pattern: more and pySHACL decides
Row = dict[Any, Node]  # Variable (or a pattern's BNode) → value

_THIS = Variable("this")
# Expressions that read the query's context rather than the row: never evaluated here.
_CONTEXTUAL = {
    "Builtin_NOW",
    "Builtin_RAND",
    "Builtin_UUID",
    "Builtin_STRUUID",
    "Builtin_BNODE",
    "Builtin_IRI",
    "Builtin_URI",
    "Builtin_EXISTS",
    "Builtin_NOTEXISTS",
}
_OPERATORS = {
    "RelationalExpression",
    "ConditionalAndExpression",
    "ConditionalOrExpression",
    "AdditiveExpression",
    "MultiplicativeExpression",
    "UnaryNot",
    "UnaryMinus",
    "UnaryPlus",
}
# Only for expressions with no context-dependent part: rows carry every binding they see.
_CONTEXT = QueryContext(initBindings={})


class UndecidedError(Exception):
    """The pattern needs what this evaluation does not do: pySHACL decides."""


def no_row(pattern: CompValue, data: Data, this: Node) -> bool:
    """Whether ``pattern`` has no row with ``$this`` = ``this`` in ``data``; raises
    ``UndecidedError`` where it cannot tell (see the module)."""
    budget = [LIMIT]
    for _ in _rows(pattern, data, {_THIS: this}, budget):
        return False
    return True


def deterministic(expr: Any) -> bool:
    """Whether ``expr`` depends on nothing but the row (see ``_CONTEXTUAL``)."""
    if not isinstance(expr, CompValue):
        return True
    name = expr.name
    if name in _CONTEXTUAL or name.startswith("Aggregate_"):
        return False
    if name == "Function":  # casts only: a custom function may do anything
        iri = dict.get(expr, "iri")
        if not (isinstance(iri, URIRef) and iri.startswith(str(XSD))):
            return False
    elif name not in _OPERATORS and not name.startswith("Builtin_"):
        return False
    return all(
        deterministic(item)
        for key, value in dict.items(expr)
        if not key.startswith("_")
        for item in (value if isinstance(value, list) else [value])
    )


def _rows(node: Any, data: Data, entry: Row, budget: list[int]) -> Iterator[Row]:
    if not isinstance(node, CompValue):
        raise UndecidedError(type(node).__name__)
    name = node.name
    if name == "BGP":
        yield from _bgp(list(dict.get(node, "triples") or []), data, entry, budget)
    elif name == "Join":
        p1, p2 = dict.get(node, "p1"), dict.get(node, "p2")
        if dict.get(node, "lazy"):  # rdflib evaluates the right side under each left row
            for left in _rows(p1, data, entry, budget):
                yield from _rows(p2, data, left, budget)
        else:
            rights = list(_rows(p2, data, entry, budget))
            for left in _rows(p1, data, entry, budget):
                for right in rights:
                    if all(left[k] == v for k, v in right.items() if k in left):
                        yield {**left, **right}
    elif name == "Union":
        yield from _rows(dict.get(node, "p1"), data, entry, budget)
        yield from _rows(dict.get(node, "p2"), data, entry, budget)
    elif name == "Filter":
        verdicts = _verdicts(dict.__getitem__(node, "expr"))
        if verdicts is None:
            raise UndecidedError("filter")
        isolated = not dict.get(node, "no_isolated_scope")
        scope = dict.get(node, "_vars") or set()
        for row in _rows(dict.get(node, "p"), data, entry, budget):
            if verdicts.passes(_forget(row, entry, scope) if isolated else row):
                yield row
    elif name == "Extend":
        expr, var = dict.__getitem__(node, "expr"), dict.__getitem__(node, "var")
        if not deterministic(expr):
            raise UndecidedError("bind")
        scope = dict.get(node, "_vars") or set()
        for row in _rows(dict.get(node, "p"), data, entry, budget):
            try:
                found = _eval(expr, _bindings(_forget(row, entry, scope)))
                if isinstance(found, SPARQLError):
                    raise found
            except SPARQLError:
                yield row
            else:
                yield {**row, var: found}
    else:
        raise UndecidedError(name)


class _Verdicts:
    """A deterministic filter's verdicts by the values of the variables it names: the
    same figures recur across focus nodes (credit limits, codes), and rdflib's
    evaluator is the dear part of a row."""

    def __init__(self, expr: Any) -> None:
        self.expr = expr
        self.names = tuple(sorted(_variables(expr), key=str))
        self.seen: dict[tuple[Node | None, ...], bool] = {}

    def passes(self, row: Row) -> bool:
        key = tuple(row.get(name) for name in self.names)
        found = self.seen.get(key)
        if found is None:
            if len(self.seen) >= _VERDICTS:
                self.seen.clear()
            found = self.seen[key] = bool(_ebv(self.expr, _bindings(row)))
        return found


_VERDICTS = 4096  # per filter
_FILTERS_KEPT = 1024  # filters with verdicts kept: one per rule's filter, in practice
# by id(): algebra is not hashable; each entry holds its expression, so no other takes its id
_FILTERS: dict[int, tuple[Any, _Verdicts | None]] = {}


def _verdicts(expr: Any) -> _Verdicts | None:
    """The verdict cache of filter ``expr``, None when it is not deterministic."""
    found = _FILTERS.get(id(expr))
    if found is None or found[0] is not expr:
        if len(_FILTERS) >= _FILTERS_KEPT:
            _FILTERS.clear()
        found = _FILTERS[id(expr)] = (expr, _Verdicts(expr) if deterministic(expr) else None)
    return found[1]


def _variables(expr: Any, seen: set[int] | None = None) -> set[Variable]:
    """Every variable anywhere in ``expr``: its items, rdflib's private keys and the
    attributes rdflib sets on a part (more is safe: a verdict is kept per more values)."""
    if isinstance(expr, Variable):
        return {expr}
    seen = set() if seen is None else seen
    if id(expr) in seen:
        return set()
    seen.add(id(expr))
    parts: list[Any] = []
    if isinstance(expr, dict):
        parts += expr.values()
        parts += getattr(expr, "__dict__", {}).values()
    elif isinstance(expr, list | tuple | set | frozenset):
        parts += expr
    return {v for part in parts for v in _variables(part, seen)}


def _forget(row: Row, entry: Row, scope: set[Any]) -> Row:
    """``row`` less what the enclosing scope (``entry``) bound, as rdflib's ``forget``:
    ``$this`` (an initial binding) and the part's own variables stay."""
    return {k: v for k, v in row.items() if k in scope or k == _THIS or k not in entry}


def _bindings(row: Row) -> FrozenBindings:
    return FrozenBindings(_CONTEXT, row)


def _bgp(triples: list[Any], data: Data, row: Row, budget: list[int]) -> Iterator[Row]:
    """The rows of a basic graph pattern, its triples matched in the order the bindings
    reach them (rdflib's order gives the same rows, scanning where this one follows)."""
    if not triples:
        budget[0] -= 1
        if budget[0] < 0:
            raise UndecidedError("rows")
        yield row
        return
    i = next((i for i, triple in enumerate(triples) if _bound(triple[0], row) is not None), -1)
    if i < 0:
        raise UndecidedError("a triple not reached from $this")
    (s, p, o), rest = triples[i], triples[:i] + triples[i + 1 :]
    subject, predicate, obj = _bound(s, row), _bound(p, row), _bound(o, row)
    assert subject is not None  # found so above
    if not isinstance(predicate, URIRef):
        raise UndecidedError("a variable predicate")
    if obj is not None:
        if (subject, predicate, obj) in data:
            yield from _bgp(rest, data, row, budget)
        return
    for value in list(data.objects(subject, predicate)):
        yield from _bgp(rest, data, {**row, o: value}, budget)


def _bound(term: Any, row: Row) -> Node | None:
    """A pattern term's value in ``row``: itself for a constant, None when unbound."""
    if isinstance(term, Variable | BNode):
        return row.get(term)
    return term  # type: ignore[no-any-return]
