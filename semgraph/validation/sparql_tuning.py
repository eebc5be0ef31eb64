"""Tuning of the SPARQL queries semgraph itself prepares (``rdf_view.ValidationGraph``),
leaving rdflib as it is for every other user in the process.

A change's validation runs pySHACL's SPARQL constraints on a few dozen triples, where
rdflib's evaluation overheads cost more than the matching. ``tune`` rewrites a prepared
query's own algebra, so only that query changes:

- ``&&`` and ``||`` evaluate their operands left to right until one decides, as SPARQL's
  truth table (17.2) allows: a false operand decides ``&&``, a true one ``||``, whatever
  the others are, errors included; an error is raised only when no operand decides.
  rdflib (7.x) evaluates every operand (EXISTS patterns included) first, and raised an
  unbound variable's error even beside a deciding operand.
- rdflib tests each FILTER by first asking for the effective boolean value of the
  *unevaluated* expression, which always fails, formatting the whole expression tree
  into the error message (~4 % of a change's validation). Expressions of a tuned query
  format as their name alone; the evaluation is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType
from typing import Any

from rdflib import Literal
from rdflib.plugins.sparql.operators import EBV
from rdflib.plugins.sparql.parserutils import CompValue, Expr, value
from rdflib.plugins.sparql.sparql import Query, SPARQLError


class _QuietExpr(Expr):
    """An expression whose text is its name: error messages nobody reads stay cheap."""

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__


def deciding(decides: bool) -> Callable[[Any, Any], Any]:
    """The evaluation of ``&&`` (``decides=False``) or ``||`` (``True``) that stops at the
    first operand whose value decides the answer."""

    def evaluate(e: Any, ctx: Any) -> Any:
        other = dict.get(e, "other")
        if other is None:  # a lone operand: the grammar's pass-through
            return value(ctx, dict.__getitem__(e, "expr"))
        error: SPARQLError | None = None
        for operand in [dict.__getitem__(e, "expr"), *other]:
            try:
                if EBV(value(ctx, operand)) is decides:
                    return Literal(decides)
            except SPARQLError as err:
                error = err
        if error is not None:
            raise error
        return Literal(not decides)

    evaluate._semgraph_lazy = True  # type: ignore[attr-defined]
    return evaluate


LAZY_AND, LAZY_OR = deciding(False), deciding(True)
_LAZY = {"ConditionalAndExpression": LAZY_AND, "ConditionalOrExpression": LAZY_OR}


def tune(query: Query) -> Query:
    """Rewrite ``query``'s algebra in place (see the module docstring); returns it."""
    _walk(query.algebra, set())
    return query


def _walk(node: Any, seen: set[int]) -> None:
    if isinstance(node, CompValue):
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Expr):
            lazy = _LAZY.get(node.name)
            if lazy is not None and callable(getattr(node, "_evalfn", None)):
                node._evalfn = MethodType(lazy, node)
            if type(node) is Expr:
                node.__class__ = _QuietExpr
        for item in dict.values(node):  # CompValue.values() would evaluate them
            _walk(item, seen)
    elif isinstance(node, list | tuple):
        for item in node:
            _walk(item, seen)
