"""Run pySHACL over a data graph and read its report into ``ValidationResult`` objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyshacl
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from semgraph.shapes.loader import ShapeSet
from semgraph.validation.rdf_view import SG
from semgraph.validation.results import Severity, ValidationResult

_SEVERITY: dict[Node, Severity] = {
    SH.Violation: "Violation",
    SH.Warning: "Warning",
    SH.Info: "Info",
}


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    text = str(node)
    return text.removeprefix(str(SG)) if isinstance(node, URIRef) else text


def _path_text(report: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return _short(node)
    inverse = report.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + (_short(inverse) or "")
    if (node, RDF.first, None) in report:
        return "/".join(_path_text(report, item) or "?" for item in report.items(node))
    return str(node)


class ShapeEngine:
    """Validates data graphs against one shape set; knows each shape's annotations."""

    def __init__(self, shape_set: ShapeSet) -> None:
        self.shape_set = shape_set
        self.shapes_graph = shape_set.graph
        self._parent: dict[Node, Node] = {}
        for node_shape, prop_shape in self.shapes_graph.subject_objects(SH.property):
            self._parent[prop_shape] = node_shape

    def _node_shape(self, source: Node) -> Node:
        seen = 0
        while source in self._parent and seen < 10:
            source, seen = self._parent[source], seen + 1
        return source

    def validate(
        self, data: Graph, focus_nodes: Iterable[str] | None = None
    ) -> list[ValidationResult]:
        """Validate ``data``; with ``focus_nodes`` only those nodes are checked."""
        focus = sorted(set(focus_nodes)) if focus_nodes is not None else None
        if focus is not None and not focus:
            return []
        _, report, _ = pyshacl.validate(
            data,
            shacl_graph=self.shapes_graph,
            inference="none",
            advanced=False,
            allow_warnings=True,
            allow_infos=True,
            focus_nodes=focus,
        )
        return self.read_report(report, data)

    def read_report(self, report: Graph, data: Graph) -> list[ValidationResult]:
        results = []
        for result in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(result, SH.focusNode)
            source = report.value(result, SH.sourceShape)
            shape_node = self._node_shape(source) if source is not None else None
            shape_iri = str(shape_node) if isinstance(shape_node, URIRef) else str(source)
            info = self.shape_set.shapes.get(shape_iri)
            messages: dict[str, str] = {}
            for msg in report.objects(result, SH.resultMessage):
                if isinstance(msg, Literal):
                    messages.setdefault(msg.language or "en", str(msg))
            value = report.value(result, SH.value)
            focus_cls = data.value(focus, RDF.type) if focus is not None else None
            extra: dict[str, Any] = {}
            if info is not None:
                extra = {
                    "risk_level": info.risk_level,
                    "business_area": info.business_area,
                    "notify_role": info.notify_role,
                    "accounting_ref": info.accounting_ref,
                    "recommended_review": info.recommended_review_en,
                }
            results.append(
                ValidationResult(
                    focus_node=str(focus),
                    focus_class=_short(focus_cls),
                    path=_path_text(report, report.value(result, SH.resultPath)),
                    value=None if value is None or isinstance(value, BNode) else str(value),
                    shape=shape_iri,
                    source_shape=None if isinstance(source, BNode) else _short(source),
                    severity=_SEVERITY.get(
                        report.value(result, SH.resultSeverity) or SH.Violation, "Violation"
                    ),
                    message_en=messages.get("en")
                    or (info.message_en if info else "")
                    or next(iter(messages.values()), ""),
                    message_zh=messages.get("zh") or (info.message_zh if info else ""),
                    **extra,
                )
            )
        return sorted(results, key=lambda r: (r.focus_node, r.shape, r.path or "", r.value or ""))
