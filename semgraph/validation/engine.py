"""Run pySHACL over a data graph and read its report into ``ValidationResult`` objects.

Not pySHACL's Oxigraph backend: it takes 40 % less CPU for a change, but pyoxigraph lets
go of the GIL in every query, and in a busy threaded server each of a validation's ~10
queries then waits out Python's 5 ms switch interval to get it back (measured: 5 → 117 ms
per validation beside one busy thread).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from semgraph.exceptions import ShapeEvaluationError
from semgraph.shapes.loader import ShapeSet
from semgraph.validation import pyshacl_tuning
from semgraph.validation.change_needs import pending_change_needs
from semgraph.validation.passes import PassCheck, compile_pass_check
from semgraph.validation.reads import EVERYTHING, ReadSet, shape_reads
from semgraph.validation.report_terms import MessageLanguages, path_turtle
from semgraph.validation.results import ResultTerms, Severity, ValidationResult
from semgraph.validation.sparql_passes import SparqlPassCheck, compile_sparql_pass
from semgraph.validation.triples import Triples
from semgraph.vocabulary import SG, SGM, THIS

_VALIDATORS_PER_THREAD = 256
# looked up once: a namespace attribute costs a lookup (or a new URIRef) on every use
_RDF_TYPE, _PENDING_CHANGE, _CHANGED_PROPERTY = RDF.type, SGM.pendingChange, SGM.property
_WHOLE_GRAPH: tuple[str, ...] = ("<whole graph>",)  # the validator key of the whole-graph shapes

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


def _n3(node: Node | None) -> str:
    """``node`` in N-Triples syntax; a blank node keeps its label (``_:b0``)."""
    return "[]" if node is None else node.n3()


def _cjk_share(text: str) -> float:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) / max(len(text), 1)


def _by_language(messages: Iterable[Literal]) -> dict[str, str]:
    """Messages by language. pySHACL drops the language tag of messages it fills
    placeholders into; the share of CJK characters tells the Chinese one from the English
    one (an English message may quote a Chinese name, so any CJK at all is not enough)."""
    found: dict[str, str] = {}
    untagged: list[str] = []
    for msg in messages:
        if msg.language:
            found.setdefault(msg.language, str(msg))
        else:
            untagged.append(str(msg))
    untagged.sort(key=_cjk_share)  # stable: equal shares keep pySHACL's order
    if len(untagged) >= 2 and _cjk_share(untagged[-1]) > 0:
        found.setdefault("zh", untagged[-1])
        found.setdefault("en", untagged[0])
    for text in untagged:
        found.setdefault("zh" if _cjk_share(text) > 0 else "en", text)
    return found


_PATH_OPERATORS = (
    (SH.inversePath, "^{}"),
    (SH.alternativePath, "({})"),
    (SH.zeroOrMorePath, "({})*"),
    (SH.oneOrMorePath, "({})+"),
    (SH.zeroOrOnePath, "({})?"),
)


def path_text(report: Graph, node: Node | None) -> str | None:
    """A SHACL property path as SPARQL-like text: ``hasSla``, ``^hasSla``, ``a/b``,
    ``(a|b)``, ``(a)*``; full IRIs outside the ontology's namespace."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return _short(node)
    for predicate, template in _PATH_OPERATORS:
        inner = report.value(node, predicate)
        if inner is None:
            continue
        if predicate == SH.alternativePath:
            return template.format(
                "|".join(path_text(report, i) or "?" for i in report.items(inner))
            )
        return template.format(path_text(report, inner) or "?")
    if (node, RDF.first, None) in report:
        return "/".join(path_text(report, item) or "?" for item in report.items(node))
    return str(node)


def _result_order(r: ValidationResult) -> tuple[str, ...]:
    """A total order: two results of one rule on one node can differ in message alone, and
    SPARQL solutions come in no defined order."""
    return (r.focus_node, r.shape, r.path or "", r.value or "", r.message_en, r.message_zh)


class ShapeEngine:
    """Validates data graphs against one shape set; knows each shape's annotations."""

    def __init__(
        self, shape_set: ShapeSet, *, prune_transitions: bool = True, pass_checks: bool = True
    ) -> None:
        """``prune_transitions=False`` runs every transition shape on every focus node,
        ``pass_checks=False`` gives pySHACL every shape (``validation/passes.py``): the
        references the tests compare the pruned runs with."""
        pyshacl_tuning.apply_pyshacl()
        self.shape_set = shape_set
        self.shapes_graph = shape_set.graph
        self._parent: dict[Node, Node] = {}
        for node_shape, prop_shape in self.shapes_graph.subject_objects(SH.property):
            self._parent[prop_shape] = node_shape
        self._local = threading.local()
        self._languages = MessageLanguages(self.shapes_graph)
        self._by_class: dict[str, list[str]] = defaultdict(list)
        self._by_class_untouched: dict[str, list[str]] = defaultdict(list)
        self._needs: dict[str, frozenset[URIRef]] = {}
        # the class name of each target class IRI (``lib:Book`` → ``lib__Book``)
        self._class_of: dict[Node, str] = {}
        for iri, info in shape_set.shapes.items():
            if info.target_class is None:
                continue  # see validate_whole_graph_shapes
            for target in self.shapes_graph.objects(URIRef(iri), SH.targetClass):
                self._class_of[target] = info.target_class
            self._by_class[info.target_class].append(iri)
            if info.triggers != (THIS,):
                self._by_class_untouched[info.target_class].append(iri)
            needs = (
                pending_change_needs(self.shapes_graph, URIRef(iri)) if prune_transitions else None
            )
            if needs is not None:
                self._needs[iri] = needs
        self._reads: dict[str, ReadSet] = {}
        self._selection_reads: dict[frozenset[str], ReadSet] = {}  # few: one per batch mix
        # compiled on a shape's first focus node: parsing every rule's SPARQL would slow
        # start-up for shapes a process may never run
        self._passes: dict[str, PassCheck | SparqlPassCheck | None] = (
            {} if pass_checks else dict.fromkeys(self.shape_set.shapes)
        )

    def _node_shape(self, source: Node) -> Node:
        seen = 0
        while source in self._parent and seen < 10:
            source, seen = self._parent[source], seen + 1
        return source

    def validate(
        self,
        data: Graph | Triples,
        focus_nodes: Iterable[str] | None = None,
        changed: set[str] | None = None,
    ) -> list[ValidationResult]:
        """Validate ``data``; with ``focus_nodes`` only those nodes are checked.

        Focus nodes are grouped by class and checked against just the shapes targeting
        that class (a per-class shapes graph), so the cost follows the change, not the
        size of the rule book. With ``changed`` (the entities a change wrote), a focus
        node outside it skips the shapes only a change of the node itself can trigger
        (``sgm:triggers "$this"``): their verdict on it cannot have moved. A transition
        shape that needs a change of properties the node's pending change does not
        touch is skipped too (``may_fire``): it has no solution there.

        ``data`` given as ``Triples`` (with ``focus_nodes``) reaches pySHACL cut to the
        triples the shapes left to run can read (``reads``): the same results, fewer
        triples for rdflib to hold.
        """
        if focus_nodes is None:
            whole = data.graph(EVERYTHING) if isinstance(data, Triples) else data
            return self.read_report(self._run(None, whole, None), whole)
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for iri in sorted(set(focus_nodes)):
            node = URIRef(iri)
            typed = data.value(node, _RDF_TYPE)
            cls = self._class_of.get(typed) if typed is not None else None
            if cls is None or cls not in self._by_class:
                continue
            untouched = changed is not None and iri not in changed
            moved = {
                p
                for pc in data.objects(node, _PENDING_CHANGE)
                for p in data.objects(pc, _CHANGED_PROPERTY)
            }
            selected = tuple(
                shape
                for shape in (self._by_class_untouched if untouched else self._by_class)[cls]
                if self._can_fire(shape, moved) and not self._clears(shape, data, node)
            )
            if selected:
                groups[selected].append(iri)
        if not groups:
            return []
        graph = (
            data.graph(self.reads(shape for selected in groups for shape in selected))
            if isinstance(data, Triples)
            else data
        )
        results: list[ValidationResult] = []
        for selected, iris in sorted(groups.items()):
            results += self.read_report(self._run(selected, graph, iris), graph)
        return sorted(results, key=_result_order)

    def reads(self, shapes: Iterable[str]) -> ReadSet:
        """The predicates the given shapes (IRIs) may read in a data graph (``reads``); one
        ReadSet per selection, so its ``covers`` answers are kept across batches."""
        selection = frozenset(shapes)
        found = self._selection_reads.get(selection)
        if found is None:
            found = ReadSet()
            for shape in sorted(selection):
                if shape not in self._reads:
                    self._reads[shape] = shape_reads(self.shape_set.described([shape]))
                found = found | self._reads[shape]
            if len(self._selection_reads) >= _VALIDATORS_PER_THREAD:
                self._selection_reads.clear()
            self._selection_reads[selection] = found
        return found

    def validate_whole_graph_shapes(self, data: Graph) -> list[ValidationResult]:
        """Run the shapes no class neighbourhood can hold (``ShapeSet.whole_graph_shapes``)
        on ``data``, the whole graph; pySHACL works out their focus nodes. Empty when
        there are none. Raises ``ShapeEvaluationError`` as ``validate`` does."""
        if not self.shape_set.whole_graph_shapes:
            return []
        return self.read_report(self._run(_WHOLE_GRAPH, data, None), data)

    def may_fire(self, shape: str, moved: Iterable[str]) -> bool:
        """Whether ``shape`` can report anything on a focus node whose pending change
        touched the properties ``moved`` (their IRIs, as ``sgm:property`` names them, of
        any namespace); False only for transition shapes that provably need another
        property's change (see ``change_needs``)."""
        return self._can_fire(shape, {URIRef(iri) for iri in moved})

    def shapes_for(self, type_iri: str) -> list[str]:
        """The shapes (IRIs) ``validate`` may run on a focus node of type ``type_iri``."""
        cls = self._class_of.get(URIRef(type_iri))
        return self.shapes_of(cls) if cls is not None else []

    def shapes_of(self, cls: str) -> list[str]:
        """The shapes (IRIs) semgraph checks on entities of ``cls`` (its target class)."""
        return list(self._by_class.get(cls, ()))

    def _clears(self, shape: str, data: Graph | Triples, node: URIRef) -> bool:
        """Whether a compiled pass check shows ``node`` conforms to ``shape`` (pySHACL
        would report nothing), so pySHACL need not run it there."""
        check = self.pass_check(shape)
        return check is not None and check.passes(data, node)

    def pass_check(self, shape: str) -> PassCheck | SparqlPassCheck | None:
        """The compiled pass check of ``shape`` (``passes.py``, ``sparql_passes.py``), or
        None when pySHACL must decide every focus node."""
        if shape not in self._passes:
            iri = URIRef(shape)
            self._passes[shape] = compile_pass_check(self.shapes_graph, iri) or compile_sparql_pass(
                self.shapes_graph, iri
            )
        return self._passes[shape]

    def _can_fire(self, shape: str, moved: set[Node]) -> bool:
        needs = self._needs.get(shape)
        return needs is None or not needs.isdisjoint(moved)

    def _shapes_for(self, key: tuple[str, ...] | None) -> Graph:
        """A copy of the shapes graph, or of the part of it reachable from the shapes in
        ``key``, in rdflib's context-free store (a third faster to walk than its default,
        and pySHACL walks each shape's triples on every run)."""
        part = Graph(store="SimpleMemory", bind_namespaces="none")  # nobody reads prefixes
        if key == _WHOLE_GRAPH:
            # Every shape, but those checked per class neighbourhood lose their targets:
            # they still run where another shape refers to them, and nowhere else.
            routed = {
                URIRef(iri) for iri, info in self.shape_set.shapes.items() if info.target_class
            }
            for s, p, o in self.shapes_graph:
                if not (p == SH.targetClass and s in routed):
                    part.add((s, p, o))
            return part
        for triple in self.shapes_graph if key is None else self.shape_set.described(key):
            part.add(triple)
        return part

    def _validator(self, key: tuple[str, ...] | None) -> Validator:
        """A pySHACL validator per thread and shape selection, built once: harvesting
        shapes from a shapes graph costs far more than checking a change's neighbourhood.
        The selections are few (a class's shapes, less those the change cannot move)."""
        cache: dict[tuple[str, ...] | None, Validator] = self._local.__dict__.setdefault(
            "validators", {}
        )
        if key not in cache:
            if len(cache) >= _VALIDATORS_PER_THREAD:
                cache.pop(next(iter(cache)))
            options: dict[str, Any] = {
                "inference": "none",
                "advanced": False,
                "allow_warnings": True,
                "allow_infos": True,
                "inplace": True,
            }
            if key is not None and key != _WHOLE_GRAPH:
                # Just the selected shapes, each given the focus nodes directly: they all
                # target the focus nodes' class, so pySHACL need not work out every
                # shape's targets (property shapes included) to find the same nodes.
                options["use_shapes"] = list(key)
            validator = Validator(
                DataGraph.from_rdflib(Graph()), shacl_graph=self._shapes_for(key), options=options
            )
            pyshacl_tuning.own(validator.shacl_graph)
            _ = validator.shacl_graph.shapes  # harvest now, once
            cache[key] = validator
        return cache[key]

    def _run(self, key: tuple[str, ...] | None, data: Graph, focus: list[str] | None) -> Graph:
        validator = self._validator(key)
        graph = DataGraph.from_rdflib(data)
        validator.data_graph = graph
        validator._target_graph = graph  # the data graph to check; pySHACL reads it in run()
        validator.options["focus_nodes"] = focus
        try:
            _, report, _ = validator.run()  # type: ignore[no-untyped-call]
        except Exception as exc:  # pySHACL raises its own and rdflib's errors alike
            raise ShapeEvaluationError(
                f"pySHACL could not evaluate the shapes: {str(exc).splitlines()[0][:300]}",
                hint="check the shape's SPARQL (pre-bound $this, sh:prefixes) or its syntax",
            ) from exc
        assert isinstance(report, Graph)
        return report

    def read_report(self, report: Graph, data: Graph | Triples) -> list[ValidationResult]:
        """The report's top-level results; ``sh:detail`` ones go into their parent's
        ``details``."""
        nested = set(report.objects(None, SH.detail))
        return sorted(
            (
                self._result(report, data, r)
                for r in report.subjects(RDF.type, SH.ValidationResult)
                if r not in nested
            ),
            key=_result_order,
        )

    def _result(self, report: Graph, data: Graph | Triples, result: Node) -> ValidationResult:
        focus = report.value(result, SH.focusNode)
        source = report.value(result, SH.sourceShape)
        shape_node = self._node_shape(source) if source is not None else None
        shape_iri = str(shape_node) if isinstance(shape_node, URIRef) else str(source)
        info = self.shape_set.shapes.get(shape_iri)
        literals = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
        messages = _by_language(literals)
        value = report.value(result, SH.value)
        path = report.value(result, SH.resultPath)
        focus_cls = data.value(focus, RDF.type) if focus is not None else None
        severity = report.value(result, SH.resultSeverity) or SH.Violation
        component = report.value(result, SH.sourceConstraintComponent)
        extra: dict[str, Any] = {}
        if info is not None:
            extra = {
                "risk_level": info.risk_level,
                "business_area": info.business_area,
                "notify_role": ", ".join(info.notify_roles),  # every role the rule names
                "accounting_ref": info.accounting_ref,
                "recommended_review": info.recommended_review_en,
                "recommended_review_zh": info.recommended_review_zh,
                "rule_label_en": info.label,
                "rule_label_zh": info.label_zh,
            }
        return ValidationResult(
            focus_node=str(focus),
            focus_class=self._class_of.get(focus_cls, _short(focus_cls))
            if focus_cls is not None
            else None,
            path=path_text(report, path),
            value=None if value is None or isinstance(value, BNode) else str(value),
            value_term=None if value is None else "_:" if isinstance(value, BNode) else value.n3(),
            focus_is_blank=isinstance(focus, BNode),
            shape=shape_iri,
            source_shape=None if isinstance(source, BNode) else _short(source),
            source_constraint_component=None if component is None else str(component),
            # a severity of the shape's own blocks: sh:conforms counts every result
            severity=_SEVERITY.get(severity, "Violation"),
            severity_iri=str(severity),
            message_en=messages.get("en")
            or (info.message_en if info else "")
            or next(iter(messages.values()), ""),
            message_zh=messages.get("zh") or (info.message_zh if info else ""),
            details=[self._result(report, data, d) for d in report.objects(result, SH.detail)],
            terms=ResultTerms(
                focus=_n3(focus),
                path=path_turtle(report, path),
                value=None if value is None else _n3(value),
                source_shape=None if source is None else _n3(source),
                messages=tuple(
                    self._languages.tagged(
                        literals, (source, report.value(result, SH.sourceConstraint), shape_node)
                    )
                ),
            ),
            **extra,
        )


def transition_shapes(shape_set: ShapeSet) -> set[str]:
    """Shapes that react to the change itself (``sgm:pendingChange`` / ``sgm:createdIn``).

    They are silent in a full validation, which has no change to look at; differential
    checks compare the other (state) shapes.
    """
    found: set[str] = set()
    for iri in shape_set.shapes:
        for _, p, o in shape_set.described([iri]):
            text = str(o)
            if p in (SH.select, SH.ask) and ("pendingChange" in text or "createdIn" in text):
                found.add(iri)
                break
    return found
