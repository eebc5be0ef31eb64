"""Load every shape semgraph validates with: hand-written Turtle, YAML rules, derived integrity.

``load_shapes`` builds the whole set, checks it, and only then returns it, so a caller
can swap the active set atomically: a broken file never half-replaces the rules in force.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from semgraph.ontology.model import Ontology
from semgraph.shapes.derived import DERIVED_SOURCE, derive_integrity_shapes
from semgraph.shapes.read_paths import check_read_path, path_strings
from semgraph.shapes.rules_errors import RuleFileError, RuleProblem
from semgraph.shapes.rules_yaml import CompiledRules, compile_rules
from semgraph.vocabulary import RISK_LEVELS, SG, SGM, THIS

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ShapeInfo:
    """What the validator and the alerting need to know about one NodeShape.

    ``notify_roles`` holds every role key to notify (alphabetical); each one is alerted.
    ``reads`` are the relationship paths the shape walks
    (``"hasSla"``, ``"^hasSla"``, ``"product/^stockOf"``) plus the ``sh:path`` of its
    property shapes; ``source`` is the file it came from.

    ``triggers`` (``sgm:triggers``) narrows *which changes* can move the shape's verdict,
    for transition shapes that only fire on the change itself: ``"$this"`` for the
    focus node and read paths for nodes around it (``"salesOrder"``). ``None`` means any
    change on the shape's read paths (every state shape).
    """

    iri: str
    target_class: str
    severity: str
    risk_level: str
    business_area: str
    notify_roles: tuple[str, ...]
    message_en: str
    message_zh: str
    accounting_ref: str | None
    recommended_review_en: str | None
    recommended_review_zh: str | None
    reads: tuple[str, ...]
    source: str
    label: str
    label_zh: str = ""
    triggers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ShapeSet:
    """The shapes graph to hand to pySHACL, and what each NodeShape means.

    ``owners`` maps each property shape (IRI or blank-node id) to its NodeShape IRI, so a
    result's ``sh:sourceShape`` can be traced back with ``info_for``.
    """

    graph: Graph
    shapes: dict[str, ShapeInfo]
    owners: dict[str, str]

    def described(self, iris: Iterable[str]) -> Iterator[tuple[Node, Node, Node]]:
        """Every triple describing the given shapes: their own, and those of every node
        they lead to (property shapes, SPARQL constraints, lists, prefix declarations)."""
        todo: list[Node] = [URIRef(iri) for iri in iris]
        seen: set[Node] = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for p, o in self.graph.predicate_objects(node):
                yield node, p, o
                if isinstance(o, BNode | URIRef) and (o, None, None) in self.graph:
                    todo.append(o)

    def info_for(self, source_shape: Node) -> ShapeInfo | None:
        """The ShapeInfo of a validation result's ``sh:sourceShape`` (node or property shape)."""
        key = str(source_shape)
        return self.shapes.get(key) or self.shapes.get(self.owners.get(key, ""))


def load_shapes(shapes_dir: Path, ontology: Ontology) -> ShapeSet:
    """Parse ``shapes_dir/*.ttl``, compile ``shapes_dir/rules/*.yaml``, add derived shapes.

    Raises ``RuleFileError`` (an ``InvalidInputError``) listing every problem: Turtle
    syntax (file:line), YAML rule errors, and shapes without a known target class,
    severity, en+zh message, known notify role, risk level, or ``sgm:reads`` that
    resolves in the ontology. Returns only when everything is valid.
    """
    problems: list[RuleProblem] = []
    merged = Graph()
    sources: dict[str, tuple[str, str]] = {}  # shape IRI -> (file, file text)
    for path in sorted(shapes_dir.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        try:
            g = Graph().parse(data=text, format="turtle", publicID=path.resolve().as_uri())
        except Exception as exc:  # rdflib raises several types for bad Turtle
            problems.append(RuleProblem(str(path), _syntax_line(exc), f"bad Turtle: {exc}"))
            continue
        _collect(g, merged, sources, str(path), text, problems)
    rule_ids: dict[str, str] = {}
    for path in sorted((shapes_dir / "rules").glob("*.yaml")):
        try:
            compiled = compile_rules(path, ontology)
        except RuleFileError as exc:
            problems.extend(exc.problems)
            continue
        for rule in compiled.rules:
            if rule.id in rule_ids:
                problems.append(
                    RuleProblem(
                        str(path),
                        rule.line,
                        f"rule id `{rule.id}` already used in {rule_ids[rule.id]}",
                    )
                )
            rule_ids[rule.id] = str(path)
        _collect(compiled.graph, merged, sources, str(path), "", problems)
    _collect(derive_integrity_shapes(ontology), merged, sources, DERIVED_SOURCE, "", problems)
    return _finish(merged, sources, ontology, problems)


def rules_shape_set(compiled: CompiledRules, source: str, ontology: Ontology) -> ShapeSet:
    """The ShapeSet of one compiled rule file alone (``semgraph rules test`` uses it).

    Raises ``RuleFileError`` as ``load_shapes`` does.
    """
    merged = Graph()
    sources: dict[str, tuple[str, str]] = {}
    problems: list[RuleProblem] = []
    _collect(compiled.graph, merged, sources, source, "", problems)
    return _finish(merged, sources, ontology, problems)


def _finish(
    merged: Graph,
    sources: dict[str, tuple[str, str]],
    ontology: Ontology,
    problems: list[RuleProblem],
) -> ShapeSet:
    shapes: dict[str, ShapeInfo] = {}
    owners: dict[str, str] = {}
    for iri, (file, text) in sorted(sources.items()):
        info = _describe(merged, URIRef(iri), file, text, ontology, problems)
        if info is not None:
            shapes[iri] = info
        for ps in merged.objects(URIRef(iri), SH.property):
            owners[str(ps)] = iri
    if problems:
        raise RuleFileError(problems)
    return ShapeSet(merged, shapes, owners)


def _collect(
    g: Graph,
    merged: Graph,
    sources: dict[str, tuple[str, str]],
    file: str,
    text: str,
    problems: list[RuleProblem],
) -> None:
    for shape in set(g.subjects(SH.targetClass, None)) | set(g.subjects(RDF.type, SH.NodeShape)):
        if str(shape) in sources:
            problems.append(
                RuleProblem(
                    file,
                    _line_of(text, shape),
                    f"shape {shape} also defined in {sources[str(shape)][0]}",
                )
            )
        sources[str(shape)] = (file, text)
    for prefix, ns in g.namespace_manager.namespaces():
        merged.bind(prefix, ns, override=False)
    merged += g


def _describe(
    g: Graph, shape: URIRef, file: str, text: str, ontology: Ontology, problems: list[RuleProblem]
) -> ShapeInfo | None:
    line = _line_of(text, shape)
    before = len(problems)

    def bad(message: str, hint: str | None = None) -> None:
        problems.append(RuleProblem(file, line, f"shape {_short(shape)}: {message}", hint))

    targets = [t for t in g.objects(shape, SH.targetClass) if isinstance(t, URIRef)]
    target = str(targets[0]).removeprefix(str(SG)) if len(targets) == 1 else ""
    if len(targets) != 1:
        bad("needs exactly one sh:targetClass (the only target type semgraph supports)")
    elif target not in ontology.classes:
        bad(f"unknown target class `{target}`")
    severity_node = g.value(shape, SH.severity)
    severity = _SEVERITIES.get(severity_node) if isinstance(severity_node, URIRef) else None
    if severity is None:
        bad("needs sh:severity sh:Violation, sh:Warning or sh:Info")
    messages = _by_lang(g, shape, SH.message)
    if not {"en", "zh"} <= set(messages):
        bad("needs sh:message in both @en and @zh")
    roles = tuple(sorted(str(r) for r in g.objects(shape, SGM.notifyRole)))
    unknown = [r for r in roles if r not in ontology.role_keys()]
    if not roles or unknown:
        bad(
            f"needs sgm:notifyRole with known role keys (got {', '.join(roles) or 'none'})",
            "valid roles: " + ", ".join(sorted(ontology.role_keys())),
        )
    risk = str(g.value(shape, SGM.riskLevel) or "")
    if risk not in RISK_LEVELS:
        bad(f"needs sgm:riskLevel, one of {', '.join(RISK_LEVELS)}")
    area = str(g.value(shape, SGM.businessArea) or "")
    if not area:
        bad("needs sgm:businessArea")
    reads: list[str] = []
    for constraint in g.objects(shape, SH.sparql):
        declared = [str(r) for r in g.objects(constraint, SGM.reads)]
        if not declared:
            bad("sh:sparql constraint without sgm:reads (list the relationship steps it walks)")
        for path in declared:
            problem = (
                check_read_path(ontology, target, path) if target in ontology.classes else None
            )
            if problem:
                bad(problem)
            elif path:
                reads.append(path)
        query = g.value(constraint, SH.select)
        if query is not None:
            _check_sparql(g, constraint, str(query), bad)
    for ps in g.objects(shape, SH.property):
        reads.extend(path_strings(g, g.value(ps, SH.path)))
    triggers = tuple(sorted(str(t) for t in g.objects(shape, SGM.triggers))) or None
    for trigger in triggers or ():
        if trigger != THIS and trigger not in reads:
            bad(
                f"sgm:triggers `{trigger}` is neither `{THIS}` nor one of the shape's read "
                f"paths ({', '.join(reads) or 'none'})",
                "a trigger names where a change must happen for the shape to fire; "
                "list it in sgm:reads too",
            )
    if len(problems) > before or severity is None:
        return None
    reviews = _by_lang(g, shape, SGM.recommendedReview)
    labels = _by_lang(g, shape, RDFS_LABEL)
    ref = g.value(shape, SGM.accountingRef)
    return ShapeInfo(
        iri=str(shape), target_class=target, severity=severity, risk_level=risk,
        business_area=area, notify_roles=roles, message_en=messages["en"],
        message_zh=messages["zh"], accounting_ref=str(ref) if ref is not None else None,
        recommended_review_en=reviews.get("en"), recommended_review_zh=reviews.get("zh"),
        reads=tuple(dict.fromkeys(reads)), source=file, label=labels.get("en", _short(shape)),
        label_zh=labels.get("zh", labels.get("en", _short(shape))),
        triggers=triggers,
    )  # fmt: skip


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def sparql_text(g: Graph, constraint: Node, query: str) -> str:
    """A SPARQL constraint's query with the ``PREFIX`` lines its ``sh:prefixes`` declare."""
    header = ""
    for decl_owner in g.objects(constraint, SH.prefixes):
        for decl in g.objects(decl_owner, SH.declare):
            header += f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>\n"
    return header + query


def _check_sparql(g: Graph, constraint: Node, query: str, bad: _Bad) -> None:
    try:
        prepareQuery(sparql_text(g, constraint, query))
    except Exception as exc:  # pyparsing raises its own exception types
        bad(f"SPARQL does not parse: {str(exc).splitlines()[0]}")


def _by_lang(g: Graph, s: Node, p: URIRef) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in g.objects(s, p):
        if isinstance(o, Literal) and o.language:
            out.setdefault(o.language, str(o))
    return out


def _short(shape: Node) -> str:
    return str(shape).removeprefix("https://semgraph.io/shapes/")


def _line_of(text: str, shape: Node) -> int | None:
    local = _short(shape)
    match = re.search(rf"^\S*{re.escape(local)}\s+a\s+sh:NodeShape", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _syntax_line(exc: Exception) -> int | None:
    line = getattr(exc, "lines", None)
    if isinstance(line, int):
        return line + 1
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


class _Bad(Protocol):
    def __call__(self, message: str, hint: str | None = None) -> None: ...
