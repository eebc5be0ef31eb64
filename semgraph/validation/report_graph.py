"""A validation outcome as the W3C ``sh:ValidationReport`` graph, with semgraph's
decision on top.

The SHACL part is what SHACL defines: ``sh:conforms`` (SHACL's, so a Warning makes it
false), one ``sh:result`` per top-level result with its focus node, path (the path
structure), value (datatype, language and blank nodes kept), source shape, constraint
component, severity and messages, and ``sh:detail`` for nested results. semgraph adds,
in its ``sgm:`` namespace and never instead of SHACL's terms: ``sgm:blocks`` (on the
report: whether the outcome blocks a change; on a result: whether it is one of the
blocking ones), ``sgm:preExisting``, ``sgm:riskLevel``, ``sgm:businessArea``,
``sgm:notifyRole`` (one per role) and ``sgm:failure`` (a shape pySHACL could not
evaluate, which makes ``sh:conforms`` false).
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node
from rdflib.util import from_n3

from semgraph.exceptions import InvalidInputError, did_you_mean
from semgraph.validation.results import ValidationOutcome, ValidationResult
from semgraph.vocabulary import SGM

REPORT_FORMATS: dict[str, tuple[str, str]] = {
    "turtle": ("turtle", ".ttl"),
    "json-ld": ("json-ld", ".jsonld"),
}
"""User-facing RDF report formats → (rdflib serialiser, file suffix)."""

_PATH_SUBJECT = URIRef("urn:semgraph:report-path")


def report_graph(outcome: ValidationOutcome) -> Graph:
    """The ``sh:ValidationReport`` of ``outcome`` (see the module docstring).

    Results built without RDF terms (``ValidationResult.terms`` is None, e.g. read back
    from an audit entry) are written from their text fields: IRIs for focus node and
    shape, no path or value structure.
    """
    graph = Graph(bind_namespaces="core")
    graph.bind("sh", SH)
    graph.bind("sgm", SGM)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(outcome.shacl_conforms)))
    graph.add((report, SGM.blocks, Literal(not outcome.conforms)))
    for failure in outcome.failures:
        graph.add((report, SGM.failure, Literal(failure)))
    blocking = {id(r) for r in outcome.violations}
    for result in outcome.results:
        node = _add_result(graph, result)
        graph.add((report, SH.result, node))
        graph.add((node, SGM.blocks, Literal(id(result) in blocking)))
        if result.pre_existing:
            graph.add((node, SGM.preExisting, Literal(True)))
        if result.risk_level:
            graph.add((node, SGM.riskLevel, Literal(result.risk_level)))
        if result.business_area:
            graph.add((node, SGM.businessArea, Literal(result.business_area)))
        for role in filter(None, (r.strip() for r in (result.notify_role or "").split(","))):
            graph.add((node, SGM.notifyRole, Literal(role)))
    return graph


def serialize_report(outcome: ValidationOutcome, format: str) -> bytes:
    """``report_graph(outcome)`` as ``format`` (``turtle`` or ``json-ld``), UTF-8.

    Raises:
        InvalidInputError: an unknown format.
    """
    if format not in REPORT_FORMATS:
        raise InvalidInputError(
            f"unknown report format `{format}`",
            hint=did_you_mean(format, REPORT_FORMATS) or "use turtle or json-ld",
        )
    serializer, _ = REPORT_FORMATS[format]
    return report_graph(outcome).serialize(format=serializer, encoding="utf-8")


def _add_result(graph: Graph, result: ValidationResult) -> BNode:
    node = BNode()
    terms = result.terms
    graph.add((node, RDF.type, SH.ValidationResult))
    if terms is None:
        graph.add((node, SH.focusNode, _iri_or_blank(result.focus_node, result.focus_is_blank)))
        graph.add((node, SH.sourceShape, URIRef(result.shape)))
        graph.add((node, SH.resultMessage, Literal(result.message_en, lang="en")))
        if result.message_zh:
            graph.add((node, SH.resultMessage, Literal(result.message_zh, lang="zh")))
    else:
        graph.add((node, SH.focusNode, _term(terms.focus)))
        if terms.path is not None:
            graph.add((node, SH.resultPath, _path(graph, terms.path)))
        if terms.value is not None:
            graph.add((node, SH.value, _term(terms.value)))
        if terms.source_shape is not None:
            graph.add((node, SH.sourceShape, _term(terms.source_shape)))
        for message in terms.messages:
            graph.add((node, SH.resultMessage, _term(message)))
    if result.source_constraint_component:
        graph.add((node, SH.sourceConstraintComponent, URIRef(result.source_constraint_component)))
    severity = result.severity_iri or str(SH[result.severity])
    graph.add((node, SH.resultSeverity, URIRef(severity)))
    for detail in result.details:
        graph.add((node, SH.detail, _add_result(graph, detail)))
    return node


def _iri_or_blank(text: str, blank: bool) -> Node:
    return BNode(text) if blank else URIRef(text)


def _term(text: str) -> Node:
    if text == "[]":
        return BNode()
    term = from_n3(text)
    if not isinstance(term, URIRef | BNode | Literal):
        raise ValueError(f"not an RDF term: {text}")  # the engine wrote it; a bug if seen
    return term


def _path(graph: Graph, expression: str) -> Node:
    """The path ``expression`` (Turtle) as nodes of ``graph``; blank nodes are fresh for
    each result, as each result in a report has a path of its own."""
    if not expression.startswith(("[", "(")):
        return _term(expression)
    fresh: dict[Node, BNode] = {}

    def copy(n: Node) -> Node:
        return fresh.setdefault(n, BNode()) if isinstance(n, BNode) else n

    parsed = _parsed_path(expression)
    for s, p, o in parsed:
        if s != _PATH_SUBJECT:
            graph.add((copy(s), p, copy(o)))
    return copy(parsed.value(_PATH_SUBJECT, SH.path) or BNode())


@lru_cache(maxsize=512)
def _parsed_path(expression: str) -> Graph:
    return Graph().parse(
        data=f"{_PATH_SUBJECT.n3()} {SH.path.n3()} {expression} .", format="turtle"
    )
