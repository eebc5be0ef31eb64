"""Compiled pass checks of SPARQL-based node shapes: a focus node whose query surely has no
solution needs no pySHACL run.

pySHACL runs a SPARQL constraint once per focus node (~0.3 ms each in rdflib), and the
YAML business rules are such constraints on every entity of their class: a sync batch of
order lines ran ``order-line-negative-quantity`` on every line. Most of a rule's query is
decided by the focus node's own values: the rule's condition is an ``EXISTS`` of one of
its properties compared with a constant, and the rest (``OPTIONAL`` message values,
``BIND``) cannot add a solution. ``SparqlPassCheck.passes`` walks the query's algebra
and says True only when no solution can exist for ``$this``:

- a basic graph pattern has a triple ``$this <p> X`` and the node has no such triple;
- a filter's condition is surely false: ``&&`` with a false operand, ``||`` with all
  operands false, or ``EXISTS { $this <p> ?x . FILTER (?x op c) }`` where no value of
  ``p`` passes, comparing as SPARQL does only where that is exact (an integer or decimal
  with an integer or decimal constant, ``STR(?x)`` with a plain string; any other value
  is left to pySHACL, since rdflib orders a text against a number where SPARQL errs);
- ``Project``, ``Extend``, ``Distinct``, ``OrderBy``, ``Slice``, ``Filter`` keep no row
  that their pattern lacks, the left side of ``OPTIONAL`` and ``MINUS`` and either side of
  a join are required, both sides of a ``UNION`` must be empty;
- else a filtered pattern's rows are enumerated and its filter evaluated on each with
  rdflib's own evaluator (``sparql_rows``): none passes (a rule comparing two values,
  such as two systems' credit limits).

Anything else is "maybe" and goes to pySHACL, as does every node the check cannot clear,
so every result still comes from pySHACL. Compiled are node shapes whose only constraint
is ``sh:sparql`` with a ``SELECT`` whose prefixes read as pySHACL declares them (one
that stands for two namespaces: not compiled), that pre-binds ``$this`` and not
``$PATH``, ``$currentShape`` or ``$shapesGraph``. ``tests/unit/test_pass_checks.py``,
``test_sparql_rows.py`` and ``test_shapes.py`` check that the verdicts are pySHACL's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rdflib import OWL, RDF, RDFS, SH, XSD, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from semgraph.shapes.loader import prefix_declarations
from semgraph.validation import sparql_tuning
from semgraph.validation.passes import Data, only_predicates
from semgraph.validation.sparql_rows import UndecidedError, no_row

_THIS = Variable("this")
# pySHACL pre-binds $this where its own pattern finds it; this one finds less, never more
_BINDS_THIS = re.compile(r"[\s{}()][$?]this\b")
_OTHER_BINDINGS = re.compile(r"[$?](PATH|currentShape|shapesGraph)\b")
_DESCRIPTIVE = {RDF.type, RDFS.label, RDFS.comment, SH.name, SH.description, SH.message}
_NODE = _DESCRIPTIVE | {SH.targetClass, SH.severity, SH.sparql, SH.group, SH.order}
_CONSTRAINT = _DESCRIPTIVE | {SH.select, SH.prefixes}
_EXACT_NUMBERS = {XSD.integer, XSD.decimal}
_COMPARE = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_PASS_THROUGH = {"SelectQuery", "Project", "Extend", "Distinct", "Reduced", "OrderBy", "Slice"}


@dataclass(frozen=True)
class SparqlPassCheck:
    """The algebras of one node shape's SPARQL constraints."""

    queries: tuple[CompValue, ...]

    def passes(self, data: Data, focus: URIRef) -> bool:
        """True only when no constraint's query has a solution for ``$this`` = ``focus``."""
        return all(_empty(query, data, focus) for query in self.queries)


def compile_sparql_pass(shapes: Graph, shape: URIRef) -> SparqlPassCheck | None:
    """The pass check of SPARQL node shape ``shape``, or None when it is not one the check
    can decide (see the module)."""
    if not only_predicates(shapes, shape, _NODE) or (shape, SH.path, None) in shapes:
        return None
    queries = []
    for constraint in shapes.objects(shape, SH.sparql):
        if not only_predicates(shapes, constraint, _CONSTRAINT):
            return None
        texts = list(shapes.objects(constraint, SH.select))
        if len(texts) != 1 or not isinstance(texts[0], Literal):
            return None
        text = str(texts[0])
        if not _BINDS_THIS.search(text) or _OTHER_BINDINGS.search(text):
            return None
        declared = _declarations(shapes, constraint)
        if declared is None:
            return None
        try:
            # tuned as the data graph tunes the queries pySHACL runs (``&&`` and ``||``)
            queries.append(sparql_tuning.tune(prepareQuery(text, initNs=declared)).algebra)
        except Exception:  # an undeclared prefix, or not SPARQL rdflib reads: pySHACL decides
            return None
    return SparqlPassCheck(tuple(queries)) if queries else None


def _declarations(shapes: Graph, constraint: Node) -> dict[str, str] | None:
    """The prefixes the constraint's ``sh:prefixes`` declare (with what their owners
    ``owl:imports``), together with every ontology's and the graph's own declarations,
    which pySHACL may add: None when a prefix stands for two namespaces among them, so a
    name is read as pySHACL reads it or the text is not compiled."""
    owners = [*shapes.objects(constraint, SH.prefixes), *shapes.subjects(RDF.type, OWL.Ontology)]
    found: dict[str, str] = {}
    for prefix, namespace in prefix_declarations(shapes, [*owners, shapes.identifier]):
        if prefix is None or namespace is None:
            return None
        if found.setdefault(str(prefix), str(namespace)) != str(namespace):
            return None
    return found


def _empty(node: Any, data: Data, this: URIRef, alone: bool = True) -> bool:
    """Whether the pattern ``node`` surely has no solution with ``$this`` bound.

    ``alone``: rdflib evaluates ``node`` with ``$this`` as its only outer binding (not
    as the right side of a lazy join, nor inside ``EXISTS``), so its rows can be
    enumerated as rdflib finds them (``sparql_rows``)."""
    if not isinstance(node, CompValue):
        return False
    name = node.name
    if name in _PASS_THROUGH:
        return _empty(dict.get(node, "p"), data, this, alone)
    if name in {"LeftJoin", "Minus"}:
        return _empty(dict.get(node, "p1"), data, this, alone)
    if name == "Join":
        right_alone = alone and not dict.get(node, "lazy")
        return _empty(dict.get(node, "p1"), data, this, alone) or _empty(
            dict.get(node, "p2"), data, this, right_alone
        )
    if name == "Union":
        return _empty(dict.get(node, "p1"), data, this, alone) and _empty(
            dict.get(node, "p2"), data, this, alone
        )
    if name == "Filter":
        pattern = dict.get(node, "p")
        values = _candidates(_required_triples(pattern), data, this)
        return (
            values is None
            or _false(dict.get(node, "expr"), data, this, values)
            or _empty(pattern, data, this, alone)
            or (alone and _enumerated_empty(node, data, this))
        )
    if name == "BGP":
        return _candidates(list(dict.get(node, "triples") or []), data, this) is None
    return False


def _enumerated_empty(node: CompValue, data: Data, this: URIRef) -> bool:
    """Whether a filtered pattern has no row, every candidate row tried (``sparql_rows``)."""
    try:
        return no_row(node, data, this)
    except UndecidedError:
        return False
    except Exception:  # rdflib fails there too (ill-typed arithmetic): pySHACL reports it
        return False


def _required_triples(node: Any) -> list[tuple[Any, Any, Any]]:
    """The triples of the basic graph patterns every solution of ``node`` matches."""
    if not isinstance(node, CompValue):
        return []
    if node.name == "BGP":
        return list(dict.get(node, "triples") or [])
    if node.name == "Join":
        return _required_triples(dict.get(node, "p1")) + _required_triples(dict.get(node, "p2"))
    if node.name in {"LeftJoin", "Minus"}:
        return _required_triples(dict.get(node, "p1"))
    if node.name == "Filter" or node.name in _PASS_THROUGH:
        return _required_triples(dict.get(node, "p"))
    return []


def _candidates(
    triples: list[tuple[Any, Any, Any]], data: Data, this: URIRef
) -> dict[Variable, set[Node]] | None:
    """What each variable of a solution can be, for the variables a chain of ``triples``
    with IRI predicates reaches from ``$this``: a superset of the values they take in any
    solution (every solution matches every triple); None when some such triple matches
    nothing, so there is no solution."""
    known: dict[Any, set[Node]] = {_THIS: {this}}
    todo = [t for t in triples if isinstance(t[1], URIRef)]
    progress = True
    while progress:
        progress = False
        for s, p, o in list(todo):
            # a blank node of a pattern is a variable no other triple can name
            subjects = known.get(s) if isinstance(s, Variable) else {s} if _constant(s) else None
            if subjects is None:
                continue  # not reached (yet)
            todo.remove((s, p, o))
            progress = True
            if isinstance(o, Variable):
                objects = {v for x in subjects for v in data.objects(x, p)}
                known[o] = objects if o not in known else known[o] & objects
                if not known[o]:
                    return None
            elif not any(_matches(data, x, p, o) for x in subjects):
                return None
    del known[_THIS]
    return known


def _constant(term: Any) -> bool:
    return isinstance(term, URIRef | Literal)


def _matches(data: Data, subject: Node, predicate: URIRef, obj: Any) -> bool:
    """Whether ``data`` has ``subject predicate obj`` (any object, for a blank node)."""
    if _constant(obj):
        return (subject, predicate, obj) in data
    return next(iter(data.objects(subject, predicate)), None) is not None


def _false(expr: Any, data: Data, this: URIRef, values: dict[Variable, set[Node]]) -> bool:
    """Whether a filter condition is surely false (an error counts as false) on every row
    of its pattern; ``values``: what a variable the pattern's triples reach from ``$this``
    can be (``_candidates``)."""
    if not isinstance(expr, CompValue):
        return False
    operands = [dict.get(expr, "expr"), *(dict.get(expr, "other") or [])]
    if expr.name == "ConditionalAndExpression":
        return any(_false(o, data, this, values) for o in operands)
    if expr.name == "ConditionalOrExpression":
        return all(_false(o, data, this, values) for o in operands)
    if expr.name == "Builtin_EXISTS":
        # rdflib keeps the pattern as parsed in the item, less its filters, and sets the
        # translated pattern, filters and all, as the attribute
        # and evaluates it under the row's bindings: not alone
        return _empty(vars(expr).get("graph"), data, this, alone=False)
    if expr.name == "RelationalExpression":
        return _no_value_passes(expr, values)
    return False


def _no_value_passes(expr: CompValue, values: dict[Variable, set[Node]]) -> bool:
    """Whether ``?x op constant`` (or ``STR(?x) op "text"``) is false for every value ``?x``
    can take."""
    op = dict.get(expr, "op")
    if not isinstance(op, str) or op not in _COMPARE:
        return False
    left, right = dict.get(expr, "expr"), dict.get(expr, "other")
    as_text = isinstance(left, CompValue) and left.name == "Builtin_STR"
    var = dict.get(left, "arg") if isinstance(left, CompValue) and as_text else left
    if not isinstance(var, Variable) or var not in values or not isinstance(right, Literal):
        return False
    return all(_compares_false(v, op, right, as_text) for v in values[var])


def _compares_false(value: Node, op: str, constant: Literal, as_text: bool) -> bool:
    if as_text:  # STR(?x) op "text": lexical forms, where the constant is a plain string
        if constant.language is not None or constant.datatype not in (None, XSD.string):
            return False
        if not isinstance(value, Literal | URIRef) or op not in {"=", "!="}:
            return False
        return not _COMPARE[op](str(value), str(constant))
    if constant.datatype not in _EXACT_NUMBERS or not _exact_number(constant):
        return False
    if not _exact_number(value):
        # SPARQL calls ordering a text against a number an error (false in a filter), but
        # rdflib orders them ("abc" > 0 holds there): pySHACL decides
        return False
    assert isinstance(value, Literal)
    return not _COMPARE[op](Decimal(value.value), Decimal(constant.value))


def _exact_number(term: Node) -> bool:
    return (
        isinstance(term, Literal)
        and term.datatype in _EXACT_NUMBERS
        and getattr(term, "ill_typed", None) is not True
        and isinstance(term.value, int | Decimal)
        and not isinstance(term.value, bool)
    )
