"""SPARQL constraints run once per batch for all their focus nodes, not once per node.

pySHACL runs a SPARQL-based constraint once per focus node, with ``$this`` pre-bound. For
a batch of thousands of order lines that is thousands of queries. Here the query gets a
``VALUES $this { … }`` as the first element of its WHERE clause: rdflib joins lazily, so
everything after it is evaluated with ``$this`` bound, exactly as pre-binding evaluates
it, and one query answers for every focus node. That holds only when the VALUES sits on
a chain of left joins, filters, BINDs and the projection up to the top (no top-level
grouping, UNION, MINUS or slice around it): ``_provably_prebound`` checks the algebra,
and a query it cannot prove equal stays with pySHACL.

The rows become the report pySHACL writes (``sparql_based_constraints`` 0.40): per focus
node, rows deduplicated on (this, path, value, other bindings), ``?failure`` rows once,
the value defaulting to the focus node (node shapes), messages from the shape and the
constraint with ``{?var}`` / ``{$var}`` filled in the same way.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, SH, BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from semgraph.exceptions import ShapeEvaluationError
from semgraph.shapes.loader import ShapeSet, sparql_text
from semgraph.validation import sparql_tuning

_SHACL = str(SH)
_SHAPE_OWN = {SH.targetClass, SH.severity, SH.message, SH.sparql, SH.name, SH.description}
_CONSTRAINT_OWN = {RDF.type, SH.select, SH.prefixes, SH.message}
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_UNSUPPORTED_VARS = re.compile(r"[$?](currentShape|shapesGraph|PATH)\b")  # pySHACL binds them
_PLACEHOLDER = URIRef("urn:semgraph:batch-focus")
_THIS = Variable("this")
# Algebra nodes that may stand above the VALUES' join: each takes the solutions of its
# first operand one by one (a lazy join or a left join evaluates its other operand with
# them bound).
_ON_PATH = {"SelectQuery", "Project", "Distinct", "Extend", "Filter", "LeftJoin", "Join"}


Step = tuple[CompValue, str]
"""An algebra node and the key of its operand that leads on to the VALUES."""


def _values_path(node: Any) -> list[Step] | None:
    """The algebra nodes from the top down to the ``values`` node holding the placeholder
    (None when the way there passes a list of operands)."""
    if not isinstance(node, CompValue):
        return None
    if node.name == "values":
        rows = node.get("res") or ()
        return [(node, "")] if any(row.get(_THIS) == _PLACEHOLDER for row in rows) else None
    for key, child in node.items():
        found = _values_path(child)
        if found is not None:
            return [(node, key), *found]
    return None


def _provably_prebound(path: list[Step], original: CompValue) -> bool:
    """Whether the query with the VALUES evaluates the original query's WHERE clause once
    per focus node with ``$this`` bound, as pre-binding (``original``, prepared without
    the VALUES) evaluates it.

    The VALUES must be the first operand of a join whose other operand is the original
    clause's first part; that join is made lazy (its other operand is then evaluated
    with each VALUES row bound, as pre-binding binds it). Above it, along the same
    operands of ``original``, only lazy joins (their left operand on the way), left joins
    (likewise), filters, BINDs, DISTINCT and the projection of ``$this`` may stand: each
    sees the same solutions in both queries, with ``$this`` bound.
    """
    if len(path) < 4:
        return False
    (join, join_key), (multiset, _), _values = path[-3:]
    if join.name != "Join" or join_key != "p1" or multiset.name != "ToMultiSet":
        return False
    twin: Any = original
    for node, key in path[:-3]:
        if not isinstance(twin, CompValue) or twin.name != node.name:
            return False
        if node.name not in _ON_PATH or (node.name in ("Join", "LeftJoin") and key != "p1"):
            return False
        if node.name == "Join":
            if not twin.get("lazy"):
                return False
            node["lazy"] = True
        twin = twin.get(key)
    project = next((n for n, _ in path if n.name == "Project"), None)
    if project is None or _THIS not in (project.get("PV") or ()):
        return False
    join["lazy"] = True
    return True


@dataclass
class _Constraint:
    node: Node
    query: Query
    values: CompValue
    messages: tuple[Literal, ...]
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class BatchedSparqlShape:
    """A node shape whose only constraints are SPARQL SELECTs that can run batched."""

    node: URIRef
    severity: Node
    messages: tuple[Node, ...]
    constraints: list[_Constraint]

    def report(self, data: Graph, focus: Iterable[str], report: Graph) -> None:
        """Add to ``report`` what pySHACL reports for ``focus`` (IRIs) on ``data``."""
        nodes = [URIRef(iri) for iri in sorted(set(focus))]
        if not nodes:
            return
        for constraint in self.constraints:
            rows = self._rows(constraint, data, nodes)
            for focus_node in nodes:
                for violation in _violations(rows.get(focus_node, [])):
                    self._add_result(report, focus_node, constraint, violation)

    def _rows(
        self, constraint: _Constraint, data: Graph, nodes: list[URIRef]
    ) -> dict[Any, list[dict[str, Any]]]:
        by_focus: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        with constraint.lock:  # the VALUES rows are the prepared query's own
            constraint.values["res"] = [{_THIS: n} for n in nodes]
            try:
                for row in data.query(constraint.query):
                    bound = row.asdict()  # type: ignore[union-attr]
                    by_focus[bound.get("this")].append(bound)
            except Exception as exc:  # rdflib raises its own and Python's errors alike
                raise ShapeEvaluationError(
                    f"could not evaluate {self.node}: {str(exc).splitlines()[0][:300]}",
                    hint="check the shape's SPARQL (pre-bound $this, sh:prefixes)",
                ) from exc
            finally:
                constraint.values["res"] = [{_THIS: _PLACEHOLDER}]
        return by_focus

    def _add_result(
        self, report: Graph, focus: URIRef, constraint: _Constraint, violation: Any
    ) -> None:
        result = BNode()
        if violation[0] is True:
            this, path, value, bound = None, None, focus, violation[1]
        else:
            this, path, value, rest = violation
            value = focus if value is None else value
            bound = (this, path, value, rest)
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report.add((result, SH.sourceShape, self.node))
        report.add((result, SH.resultSeverity, self.severity))
        report.add((result, SH.focusNode, this or focus))
        report.add((result, SH.value, value))
        if path is not None:
            report.add((result, SH.resultPath, path))
        report.add((result, SH.sourceConstraint, constraint.node))
        for extra in constraint.messages:
            if extra not in self.messages:
                report.add((result, SH.resultMessage, Literal(_fill(str(extra.value), bound))))
        for message in self.messages:
            filled = (
                Literal(_fill(str(message.value), bound))
                if isinstance(message, Literal)
                else message
            )
            report.add((result, SH.resultMessage, filled))


def _violations(rows: list[dict[str, Any]]) -> list[Any]:
    """pySHACL's reading of one focus node's rows (``_validate_sparql_query``)."""
    out: list[Any] = []
    failed = False
    for row in rows:
        bound = dict(row)
        if bound.pop("failure", None) is not None:
            if not failed:
                out.append((True, bound))
                failed = True
            continue
        path, value, this = bound.pop("path", None), bound.pop("value", None), bound.pop("this")
        if (this, path, value, bound) not in out:
            out.append((this, path, value, bound))
    return out


def _fill(message: str, bound: Any) -> str:
    """``{?var}`` and ``{$var}`` replaced as pySHACL replaces them (``re.sub``, in order)."""
    values: dict[str, Any] = {}
    if isinstance(bound, dict):
        values.update(bound)
    else:
        this, path, value, rest = bound
        values.update(rest)
        for name, term in (("this", this), ("path", path), ("value", value)):
            if term is not None:
                values[name] = term
    for name, term in values.items():
        message = re.sub("{{[?$]{}}}".format(name), str(term), message)  # noqa: UP032
    return message


def _prepare(g: Graph, constraint: Node) -> _Constraint | None:
    for predicate in set(g.predicates(constraint)):
        if str(predicate).startswith(_SHACL) and predicate not in _CONSTRAINT_OWN:
            return None  # sh:ask, sh:deactivated, …
    selects = list(g.objects(constraint, SH.select))
    if len(selects) != 1:
        return None
    text = str(selects[0])
    where = _WHERE.search(text)
    if where is None or _UNSUPPORTED_VARS.search(text):
        return None
    batched = f"{text[: where.end()]} VALUES $this {{ {_PLACEHOLDER.n3()} }} {text[where.end() :]}"
    try:
        query = sparql_tuning.tune(prepareQuery(sparql_text(g, constraint, batched)))
        original = prepareQuery(sparql_text(g, constraint, text))
    except Exception:  # a query rdflib cannot prepare with the VALUES: pySHACL runs it
        return None
    path = _values_path(query.algebra)
    if path is None or not _provably_prebound(path, original.algebra):
        return None
    messages = tuple(m for m in g.objects(constraint, SH.message) if isinstance(m, Literal))
    return _Constraint(constraint, query, path[-1][0], messages)


def batch_sparql_shape(shape_set: ShapeSet, iri: str) -> BatchedSparqlShape | None:
    """The batched form of node shape ``iri``, or None when pySHACL must run it."""
    g = shape_set.graph
    node = URIRef(iri)
    predicates = set(g.predicates(node))
    if SH.sparql not in predicates:
        return None
    for predicate in predicates:
        if str(predicate).startswith(_SHACL) and predicate not in _SHAPE_OWN:
            return None  # sh:property, sh:deactivated, other constraints
    constraints = [_prepare(g, c) for c in g.objects(node, SH.sparql)]
    messages = tuple(g.objects(node, SH.message))
    if not constraints or any(c is None for c in constraints):
        return None
    if not messages and not all(c.messages for c in constraints if c is not None):
        return None  # pySHACL would write its generic message: not reproduced here
    return BatchedSparqlShape(
        node,
        g.value(node, SH.severity) or SH.Violation,
        messages,
        [c for c in constraints if c is not None],
    )


def batch_sparql_shapes(shape_set: ShapeSet) -> dict[str, BatchedSparqlShape]:
    """Every shape of ``shape_set`` whose SPARQL can run batched, by IRI."""
    out: dict[str, BatchedSparqlShape] = {}
    for iri, info in shape_set.shapes.items():
        if info.target_class is None:
            continue
        shape = batch_sparql_shape(shape_set, iri)
        if shape is not None:
            out[iri] = shape
    return out
