"""Load every shape semgraph validates with: hand-written Turtle, YAML rules, derived integrity.

``load_shapes`` builds the whole set, checks it, and only then returns it, so a caller
can swap the active set atomically: a broken file never half-replaces the rules in force.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from semgraph.exceptions import did_you_mean
from semgraph.ontology.model import Ontology
from semgraph.rdf.literals import make_literal
from semgraph.rdf.verbatim import normalised, parse_verbatim
from semgraph.shapes.derived import DERIVED_SOURCE, derive_integrity_shapes
from semgraph.shapes.read_paths import check_read_path, path_strings
from semgraph.shapes.rules_errors import RuleFileError, RuleProblem
from semgraph.shapes.rules_yaml import CompiledRules, compile_rules
from semgraph.vocabulary import RISK_LEVELS, SG, SGM, THIS

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
TARGET_PREDICATES = (
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
)
_CLASS_TYPES = (RDFS.Class, OWL.Class)
# Constraint parameters whose objects are shapes: a shape reached through one of these is
# checked on other nodes than the focus node, which a class neighbourhood does not hold.
_NESTING = (SH.node, SH["not"], SH["and"], SH["or"], SH.xone, SH.qualifiedValueShape)

log = logging.getLogger("semgraph.shapes")


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

    ``target_class`` is set for shapes semgraph validates per class neighbourhood (one
    ``sh:targetClass`` of the ontology, paths it can read). Every other shape (other
    targets, classes outside the ontology, nested shapes, paths or SPARQL it cannot
    scope) is checked against the whole graph: ``target_class`` is None and ``whole_graph``
    says why. semgraph's annotations are optional: without them a shape reports with
    SHACL's defaults (``sh:Violation``) and notifies nobody.
    """

    iri: str
    target_class: str | None
    severity: str
    risk_level: str | None
    business_area: str | None
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
    whole_graph: str | None = None
    severity_iri: str = str(SH.Violation)


@dataclass(frozen=True)
class ShapeSet:
    """The shapes graph to hand to pySHACL, and what each NodeShape means.

    ``owners`` maps each property shape (IRI or blank-node id) to its NodeShape IRI, so a
    result's ``sh:sourceShape`` can be traced back with ``info_for``.
    """

    graph: Graph
    shapes: dict[str, ShapeInfo]
    owners: dict[str, str]

    @property
    def whole_graph_shapes(self) -> dict[str, ShapeInfo]:
        """The shapes checked against the whole graph (no class neighbourhood holds them)."""
        return {iri: info for iri, info in self.shapes.items() if info.target_class is None}

    def described(self, iris: Iterable[str]) -> Iterator[tuple[Node, Node, Node]]:
        """Every triple describing the given shapes: their own, those of every node they
        lead to (property shapes, SPARQL constraints, lists, prefix declarations), and
        every constraint component the shapes graph declares (a shape names only a
        component's parameters, never the component)."""
        todo: list[Node] = [URIRef(iri) for iri in iris]
        todo += self.graph.subjects(RDF.type, SH.ConstraintComponent)
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
        g = _only_true_activates(g, text, path)
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


# SHACL parameters that only the literal ``true`` turns on.
_SWITCHES = (SH.uniqueLang, SH.closed, SH.deactivated, SH.qualifiedValueShapesDisjoint)


def _only_true_activates(g: Graph, text: str, path: Path) -> Graph:
    """``g`` without the switches a normal parse turned on that the file does not.

    SHACL activates ``sh:uniqueLang``, ``sh:closed``, ``sh:deactivated`` and
    ``sh:qualifiedValueShapesDisjoint`` with ``true`` alone, but rdflib reads
    ``"1"^^xsd:boolean`` as ``"true"`` (and pySHACL then applies the constraint: the W3C
    test ``uniqueLang-002``). Such a switch is off, as if absent, and the log says so.
    Only a file that turns a switch on pays a second, verbatim parse.
    """
    if not any(o == Literal(True) for p in _SWITCHES for o in g.objects(None, p)):
        return g
    base = path.resolve().as_uri()
    verbatim = parse_verbatim(lambda h: h.parse(data=text, format="turtle", publicID=base))
    off = [
        (s, p, o)
        for p in _SWITCHES
        for s, o in verbatim.subject_objects(p)
        if isinstance(o, Literal) and o.datatype == XSD.boolean and str(o) not in {"true", "false"}
    ]
    if not off:
        return g
    out = normalised(verbatim)
    for s, p, o in off:
        out.remove((s, p, make_literal(str(o), None, o.datatype)))
        log.warning(
            "%s: %s %s %s is not `true`, so SHACL leaves the constraint off",
            path,
            s.n3() if isinstance(s, URIRef) else "a shape",
            p.n3(),
            o.n3(),
        )
    return out


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
    _import_prefix_declarations(merged)
    shapes: dict[str, ShapeInfo] = {}
    owners: dict[str, str] = {}
    nodes = {str(n): n for n in _top_level_shapes(merged)}
    for iri, (file, text) in sorted(sources.items()):
        node = nodes.get(iri, URIRef(iri))
        info = _describe(merged, node, file, text, ontology, problems)
        if info is not None:
            shapes[iri] = info
        for ps in merged.objects(node, SH.property):
            owners[str(ps)] = iri
    if problems:
        raise RuleFileError(problems)
    return ShapeSet(merged, shapes, owners)


def _import_prefix_declarations(g: Graph) -> None:
    """Give every ``sh:prefixes`` owner the ``sh:declare``s of what it ``owl:imports``
    (transitively), as SHACL defines; pySHACL reads only an owner's own declarations."""
    for owner in set(g.objects(None, SH.prefixes)):
        todo, seen = list(g.objects(owner, OWL.imports)), {owner}
        while todo:
            imported = todo.pop()
            if imported in seen:
                continue
            seen.add(imported)
            todo.extend(g.objects(imported, OWL.imports))
            for decl in list(g.objects(imported, SH.declare)):
                g.add((owner, SH.declare, decl))


def _collect(
    g: Graph,
    merged: Graph,
    sources: dict[str, tuple[str, str]],
    file: str,
    text: str,
    problems: list[RuleProblem],
) -> None:
    for shape in _top_level_shapes(g):
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


def _top_level_shapes(g: Graph) -> set[Node]:
    """Shapes that select focus nodes of their own: every node with a target (any of
    SHACL's kinds, implicit class targets included), and every node shape. A property
    shape without a target runs only inside the shape that refers to it."""
    found: set[Node] = set()
    for predicate in TARGET_PREDICATES:
        found.update(g.subjects(predicate, None))
    found.update(g.subjects(RDF.type, SH.NodeShape))
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in g.subjects(RDF.type, kind):
            if any((shape, RDF.type, c) in g for c in _CLASS_TYPES):
                found.add(shape)
    return found


def _targets(g: Graph, shape: Node) -> list[tuple[Node, Node]]:
    """(target predicate, value) pairs of a shape; an implicit class target counts as
    ``sh:targetClass`` of the shape itself."""
    found: list[tuple[Node, Node]] = [
        (p, o) for p in TARGET_PREDICATES for o in g.objects(shape, p)
    ]
    if any((shape, RDF.type, c) in g for c in _CLASS_TYPES):
        found.append((SH.targetClass, shape))
    return found


def _unscoped_reason(g: Graph, shape: Node, ontology: Ontology) -> str | None:
    """Why a class neighbourhood cannot hold what ``shape`` reads (None when it can)."""
    targets = _targets(g, shape)
    if not targets:
        return None
    if len(targets) > 1:
        return "several targets"
    kind, value = targets[0]
    if kind != SH.targetClass:
        return f"target {_curie(kind)}"
    known = ontology.name_of(str(value)) if isinstance(value, URIRef) else None
    if known is None and not str(value).startswith(str(SG)):
        return f"target class {value} is not a class of the ontology"
    if known is None or known not in ontology.classes:
        return None  # an unknown sg: class is a typo: refused in _describe
    if (shape, SH.path, None) in g:
        return "a property shape with its own target"
    if g.value(shape, SH.closed) == Literal(True):
        return "sh:closed (it sees every predicate of the focus node)"
    for ps in g.objects(shape, SH.property):
        steps = path_strings(g, g.value(ps, SH.path), ontology)
        if not steps or not all(_readable(ontology, step) for step in steps):
            return f"property path {_path_n3(g, g.value(ps, SH.path))} is not one semgraph reads"
        for p in (SH.property, SH.sparql, *_NESTING):
            for nested in g.objects(ps, p):
                if p in (SH.property, SH.sparql) or not _on_value_node_only(g, nested):
                    return f"a property shape with a nested {_curie(p)} reading further"
    for p in _NESTING:
        for nested in g.objects(shape, p):
            if not _on_value_node_only(g, nested):
                return f"a nested shape ({_curie(p)}) reading beyond the focus node"
    for constraint in g.objects(shape, SH.sparql):
        if (constraint, SGM.reads, None) not in g:
            return "an sh:sparql constraint without sgm:reads"
    for component in g.subjects(RDF.type, SH.ConstraintComponent):
        for parameter in g.objects(component, SH.parameter):
            if (shape, g.value(parameter, SH.path), None) in g:
                return f"the custom constraint component {component}"
    return None


def _readable(ontology: Ontology, step: str) -> bool:
    """A path string whose steps are all ontology terms (relationships, or a last
    datatype property)."""
    names = [part.removeprefix("^") for part in step.split("/")]
    rels = ontology.relationship_types()
    return all(n in rels for n in names[:-1]) and (
        names[-1] in rels
        or any(names[-1] in ontology.datatype_properties(c) for c in ontology.classes)
    )


def _on_value_node_only(g: Graph, node: Node) -> bool:
    """True when a nested shape (or list of them) constrains only the node it is applied
    to (class, datatype, node kind, values), never what lies along a path from it."""
    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for p, o in g.predicate_objects(current):
            if p in (SH.path, SH.property, SH.sparql, SH.closed):
                return False
            if isinstance(o, BNode) or p in _NESTING or p == RDF.first:
                todo.append(o)
    return True


def _curie(node: Node) -> str:
    return "sh:" + str(node).removeprefix(str(SH)) if str(node).startswith(str(SH)) else str(node)


def _path_n3(g: Graph, path: Node | None) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    return "(a complex path)" if path is not None else "(none)"


def _describe(
    g: Graph, shape: Node, file: str, text: str, ontology: Ontology, problems: list[RuleProblem]
) -> ShapeInfo | None:
    line = _line_of(text, shape)
    before = len(problems)

    def bad(message: str, hint: str | None = None) -> None:
        problems.append(RuleProblem(file, line, f"shape {_short(shape)}: {message}", hint))

    if not _targets(g, shape):
        return None  # runs only where another shape refers to it
    whole_graph = _unscoped_reason(g, shape, ontology)
    target: str | None = None
    if whole_graph is None:
        cls = g.value(shape, SH.targetClass)
        target = ontology.name_of(str(cls)) or str(cls).removeprefix(str(SG))
        if target not in ontology.classes:
            bad(
                f"unknown target class `{target}`",
                did_you_mean(target, ontology.classes)
                or "classes: " + ", ".join(sorted(ontology.classes)),
            )
    severity_node = g.value(shape, SH.severity, default=SH.Violation)
    if not isinstance(severity_node, URIRef):
        bad("sh:severity must be an IRI (sh:Violation, sh:Warning, sh:Info or your own)")
        severity_node = SH.Violation
    # SHACL lets a shape name any IRI as its severity; semgraph blocks on every severity
    # that is not sh:Warning or sh:Info, as SHACL's sh:conforms counts them all.
    severity = _SEVERITIES.get(severity_node, "Violation")
    messages = _by_lang(g, shape, SH.message)
    plain = [
        str(m) for m in g.objects(shape, SH.message) if isinstance(m, Literal) and not m.language
    ]
    roles = tuple(sorted(str(r) for r in g.objects(shape, SGM.notifyRole)))
    unknown = [r for r in roles if r not in ontology.role_keys()]
    if unknown:
        bad(
            f"sgm:notifyRole names unknown role keys ({', '.join(unknown)})",
            "valid roles: " + ", ".join(sorted(ontology.role_keys())),
        )
    risk_node = g.value(shape, SGM.riskLevel)
    risk = str(risk_node) if risk_node is not None else None
    if risk is not None and risk not in RISK_LEVELS:
        bad(f"sgm:riskLevel is `{risk}`, not one of {', '.join(RISK_LEVELS)}")
    area_node = g.value(shape, SGM.businessArea)
    reads: list[str] = []
    for constraint in g.objects(shape, SH.sparql):
        declared = [str(r) for r in g.objects(constraint, SGM.reads)]
        for path in declared if target is not None else ():
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
    if target is not None:
        for ps in g.objects(shape, SH.property):
            reads.extend(path_strings(g, g.value(ps, SH.path), ontology))
    triggers = tuple(sorted(str(t) for t in g.objects(shape, SGM.triggers))) or None
    for trigger in triggers or ():
        if target is not None and trigger != THIS and trigger not in reads:
            bad(
                f"sgm:triggers `{trigger}` is neither `{THIS}` nor one of the shape's read "
                f"paths ({', '.join(reads) or 'none'})",
                "a trigger names where a change must happen for the shape to fire; "
                "list it in sgm:reads too",
            )
    if len(problems) > before:
        return None
    reviews = _by_lang(g, shape, SGM.recommendedReview)
    labels = _by_lang(g, shape, RDFS_LABEL)
    ref = g.value(shape, SGM.accountingRef)
    return ShapeInfo(
        iri=str(shape), target_class=target, severity=severity, risk_level=risk,
        business_area=str(area_node) if area_node is not None else None, notify_roles=roles,
        message_en=messages.get("en") or (plain[0] if plain else ""),
        message_zh=messages.get("zh", ""), accounting_ref=str(ref) if ref is not None else None,
        recommended_review_en=reviews.get("en"), recommended_review_zh=reviews.get("zh"),
        reads=tuple(dict.fromkeys(reads)), source=file, label=labels.get("en", _short(shape)),
        label_zh=labels.get("zh", labels.get("en", _short(shape))),
        triggers=triggers if target is not None else None, whole_graph=whole_graph,
        severity_iri=str(severity_node),
    )  # fmt: skip


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def prefix_declarations(
    g: Graph, owners: Iterable[Node]
) -> Iterator[tuple[Node | None, Node | None]]:
    """``(sh:prefix, sh:namespace)`` of every ``sh:declare`` of ``owners`` and of what they
    ``owl:imports``, transitively (an ontology's declarations include those of its imports);
    a missing value comes as ``None``."""
    todo, seen = list(owners), set[Node]()
    while todo:
        owner = todo.pop()
        if owner in seen:
            continue
        seen.add(owner)
        todo.extend(g.objects(owner, OWL.imports))
        for decl in g.objects(owner, SH.declare):
            yield g.value(decl, SH.prefix), g.value(decl, SH.namespace)


def sparql_text(g: Graph, constraint: Node, query: str) -> str:
    """A SPARQL constraint's query with the ``PREFIX`` lines its ``sh:prefixes`` declare."""
    declared = prefix_declarations(g, g.objects(constraint, SH.prefixes))
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in declared) + query


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
