"""Business rules without code: a small YAML format compiled to SHACL.

A rule file holds ``rules:``, a list of rules like::

    - id: big-order-legal-countersign          # unique, lower-case letters, digits, dashes
      name: Large orders from A-rated customers need legal countersign
      description: Why the rule exists (optional; becomes rdfs:comment)
      applies_to: SalesOrder                    # an ontology class
      when:                                     # all / any / not, nested freely
        all:
          - {field: totalAmount, op: ">", value: 500000}
          - {field: customer.rating, op: "=", value: A}   # dotted across relationships
      severity: violation                       # violation | warning | info
      risk: high                                # low | medium | high | highest
      notify: legal                             # role key, or a list of role keys
      area: sales                               # business area
      message: {en: "Order {orderNumber} …", zh: "订单 {orderNumber} …"}   # {field} placeholders
      accounting_ref: "IFRS 15.21(a)"           # optional
      review: {en: "…", zh: "…"}                # optional recommended review

Ops: ``= != > >= < <= in "not in" exists missing changed increased decreased``.
``changed`` takes optional ``to``/``from`` values; ``increased``/``decreased`` take an
optional ``by_more_than`` (a number, or a percentage such as ``"50%"``).

Each rule becomes a NodeShape ``https://semgraph.io/shapes/rule/<id>`` with
``sh:targetClass`` and one ``sh:sparql`` constraint carrying ``sgm:reads`` (the
relationship steps of its dotted fields; ``""`` when it reads only the focus node). A rule
that can only hold because of the change (``changed``/``increased``/``decreased`` under
``all``) also gets ``sgm:triggers``, so incremental validation re-checks it only there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, SH

from semgraph.exceptions import UnknownTermError, did_you_mean
from semgraph.ontology.model import Ontology
from semgraph.shapes.rules_conditions import ConditionCompiler, scalar
from semgraph.shapes.rules_errors import RuleFileError, RuleProblem
from semgraph.vocabulary import RISK_LEVELS, SG, SGM

RULE_BASE = "https://semgraph.io/shapes/rule/"
RULE_PREFIXES = URIRef(RULE_BASE + "prefixes")
SEVERITIES = {"violation": SH.Violation, "warning": SH.Warning, "info": SH.Info}
BUSINESS_AREAS = ("sales", "service", "finance", "legal", "operations", "hr", "master-data")
_RULE_KEYS = (
    "id", "name", "description", "applies_to", "when", "severity", "risk", "notify", "area",
    "message", "accounting_ref", "review",
)  # fmt: skip
_REQUIRED = ("id", "name", "applies_to", "when", "severity", "risk", "notify", "area", "message")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Problems:
    """Collects problems of one file; called like ``report(node, message, hint)``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[RuleProblem] = []

    def __call__(self, node: yaml.Node | None, message: str, hint: str | None = None) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(RuleProblem(self.file, line, message, hint))


@dataclass(frozen=True)
class CompiledRule:
    """One compiled rule; ``line`` is where it starts in its file."""

    id: str
    iri: str
    name: str
    target_class: str
    severity: str
    risk: str
    notify_roles: tuple[str, ...]
    area: str
    message_en: str
    message_zh: str
    reads: tuple[str, ...]
    file: str
    line: int
    sparql: str
    triggers: tuple[str, ...] | None = None
    """Where a change must happen for the rule to fire (``sgm:triggers``); None: anywhere."""


@dataclass(frozen=True)
class CompiledRules:
    """The SHACL graph of a rule file and its rules, in file order."""

    graph: Graph
    rules: tuple[CompiledRule, ...]


def compile_rules(path: Path, ontology: Ontology) -> CompiledRules:
    """Compile the YAML rule file at ``path`` against ``ontology``.

    Raises ``RuleFileError`` (an ``InvalidInputError``) listing every problem with its
    ``file:line`` and a did-you-mean hint where one exists. Nothing is returned unless the
    whole file is valid: a broken file never yields some of its rules.
    """
    text = _read(path)
    return compile_rules_text(text, str(path), ontology)


def compile_rules_text(text: str, file: str, ontology: Ontology) -> CompiledRules:
    """As ``compile_rules``, for YAML already read; ``file`` names it in errors."""
    report = _Problems(file)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise RuleFileError([RuleProblem(file, line, f"not valid YAML: {exc.problem}")]) from exc
    rules_node = _mapping(root).get("rules") if root is not None else None
    if not isinstance(rules_node, yaml.SequenceNode):
        report(root, "a rule file needs a top-level `rules:` list")
        raise RuleFileError(report.problems)
    graph = _new_graph()
    compiled: list[CompiledRule] = []
    seen: dict[str, int] = {}
    for rule_node in rules_node.value:
        rule = _compile_rule(rule_node, file, ontology, graph, report)
        if rule is None:
            continue
        if rule.id in seen:
            report(rule_node, f"duplicate rule id `{rule.id}` (first at line {seen[rule.id]})")
            continue
        seen[rule.id] = rule.line
        compiled.append(rule)
    if report.problems:
        raise RuleFileError(sorted(report.problems, key=lambda p: p.line or 0))
    return CompiledRules(graph, tuple(compiled))


def _compile_rule(
    node: yaml.Node, file: str, ontology: Ontology, graph: Graph, report: _Problems
) -> CompiledRule | None:
    if not isinstance(node, yaml.MappingNode):
        report(node, "each rule must be a mapping")
        return None
    before = len(report.problems)
    keys = _mapping(node)
    for key_node, _ in node.value:
        if key_node.value not in _RULE_KEYS:
            report(
                key_node,
                f"unknown key `{key_node.value}`",
                did_you_mean(key_node.value, _RULE_KEYS),
            )
    for key in _REQUIRED:
        if key not in keys:
            report(node, f"rule is missing `{key}`")
    if len(report.problems) > before:
        return None
    rule_id = str(scalar(keys["id"]))
    if not _ID.match(rule_id):
        report(keys["id"], f"rule id `{rule_id}` must be lower-case letters, digits and dashes")
    cls = str(scalar(keys["applies_to"]))
    try:
        ontology.cls(cls)
    except UnknownTermError as exc:
        report(keys["applies_to"], f"unknown class `{cls}`", exc.hint)
        return None
    severity = _choice(keys["severity"], "severity", tuple(SEVERITIES), report)
    risk = _choice(keys["risk"], "risk", RISK_LEVELS, report)
    area = _choice(keys["area"], "area", BUSINESS_AREAS, report)
    roles = _roles(keys["notify"], ontology, report)
    compiler = ConditionCompiler(ontology, cls, report)
    condition = compiler.compile(keys["when"])
    messages = _messages(keys["message"], compiler, report, required=True)
    review = _messages(keys["review"], compiler, report) if "review" in keys else {}
    if len(report.problems) > before or condition is None or severity is None:
        return None
    optionals = messages.pop("_optionals", "")
    # The condition in an inner group: a group's FILTER applies after all of its OPTIONALs,
    # so outside it every entity would pay for the message lookups, matching or not.
    sparql = (
        "SELECT $this" + "".join(f" {v}" for v in _vars(optionals)) + " WHERE {\n"
        f"  {{ $this a <{ontology.iri(cls)}> .\n    FILTER ({condition}) }}\n  {optionals}\n}}"
    )
    reads = tuple(sorted(compiler.reads))
    triggers = compiler.triggers(keys["when"])
    iri = URIRef(RULE_BASE + rule_id)
    rule = CompiledRule(
        id=rule_id, iri=str(iri), name=str(scalar(keys["name"])), target_class=cls,
        severity=severity.capitalize(), risk=risk or "", notify_roles=roles, area=area or "",
        message_en=messages["en"], message_zh=messages["zh"], reads=reads, file=file,
        line=node.start_mark.line + 1, sparql=sparql,
        triggers=None if triggers is None else tuple(sorted(triggers)),
    )  # fmt: skip
    _emit(graph, rule, keys, review, URIRef(ontology.iri(cls)))
    return rule


def _emit(
    graph: Graph,
    rule: CompiledRule,
    keys: dict[str, yaml.Node],
    review: dict[str, str],
    target: URIRef,
) -> None:
    s = URIRef(rule.iri)
    graph.add((s, RDF.type, SH.NodeShape))
    graph.add((s, SH.targetClass, target))
    graph.add((s, SH.severity, SEVERITIES[rule.severity.lower()]))
    graph.add((s, RDFS.label, Literal(rule.name, lang="en")))
    comment = str(scalar(keys["description"])) if "description" in keys else rule.name
    graph.add((s, RDFS.comment, Literal(comment, lang="en")))
    graph.add((s, SH.message, Literal(rule.message_en, lang="en")))
    graph.add((s, SH.message, Literal(rule.message_zh, lang="zh")))
    graph.add((s, SGM.riskLevel, Literal(rule.risk)))
    graph.add((s, SGM.businessArea, Literal(rule.area)))
    for role in rule.notify_roles:
        graph.add((s, SGM.notifyRole, Literal(role)))
    graph.add((s, SGM.ruleId, Literal(rule.id)))
    graph.add((s, SGM.sourceFile, Literal(rule.file)))
    graph.add((s, SGM.sourceLine, Literal(rule.line)))
    if "accounting_ref" in keys:
        graph.add((s, SGM.accountingRef, Literal(str(scalar(keys["accounting_ref"])))))
    for lang, text in review.items():
        graph.add((s, SGM.recommendedReview, Literal(text, lang=lang)))
    constraint = BNode()
    graph.add((s, SH.sparql, constraint))
    graph.add((constraint, RDF.type, SH.SPARQLConstraint))
    graph.add((constraint, SH.select, Literal(rule.sparql)))
    graph.add((constraint, SH.prefixes, RULE_PREFIXES))
    for read in rule.reads or ("",):
        graph.add((constraint, SGM.reads, Literal(read)))
    for trigger in rule.triggers or ():
        graph.add((s, SGM.triggers, Literal(trigger)))


def _messages(
    node: yaml.Node, compiler: ConditionCompiler, report: _Problems, *, required: bool = False
) -> dict[str, str]:
    keys = _mapping(node)
    if not isinstance(node, yaml.MappingNode) or not {"en", "zh"} <= set(keys):
        report(node, "needs both `en` and `zh` texts")
        return {}
    out: dict[str, str] = {}
    optionals: list[str] = []
    bound: dict[str, str] = {}
    for lang in ("en", "zh"):
        text = str(scalar(keys[lang]))
        for name in dict.fromkeys(_PLACEHOLDER.findall(text)):
            if name not in bound:
                resolved = compiler.resolve(keys[lang], name.strip())
                if resolved is None:
                    continue
                if not required:
                    report(keys[lang], "placeholders are only supported in `message`")
                    continue
                var, block = compiler.placeholder(resolved)
                bound[name] = var
                optionals.append(block)
            text = text.replace("{" + name + "}", "{" + bound.get(name, "?" + name) + "}")
        out[lang] = text
    if required:
        out["_optionals"] = "\n  ".join(optionals)
    return out


def _roles(node: yaml.Node, ontology: Ontology, report: _Problems) -> tuple[str, ...]:
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    roles: list[str] = []
    valid = ontology.role_keys()
    for item in items:
        role = str(scalar(item))
        if role not in valid:
            hint = did_you_mean(role, valid) or "valid roles: " + ", ".join(sorted(valid))
            report(item, f"unknown role `{role}` for notify", hint)
        else:
            roles.append(role)
    return tuple(roles)


def _choice(node: yaml.Node, what: str, allowed: tuple[str, ...], report: _Problems) -> str | None:
    value = str(scalar(node)).lower()
    if value not in allowed:
        hint = did_you_mean(value, allowed) or "one of: " + ", ".join(allowed)
        report(node, f"unknown {what} `{value}`", hint)
        return None
    return value


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _vars(optionals: str) -> list[str]:
    return re.findall(r"AS (\?m\d+)\)", optionals)


def _new_graph() -> Graph:
    g = Graph()
    g.bind("sh", SH)
    g.bind("sg", SG)
    g.bind("sgm", SGM)
    g.add((RULE_PREFIXES, RDF.type, OWL.Ontology))
    for prefix, ns in (("sg", str(SG)), ("sgm", str(SGM)), ("xsd", str(XSD))):
        decl = BNode()
        g.add((RULE_PREFIXES, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(ns, datatype=XSD.anyURI)))
    return g


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError([RuleProblem(str(path), None, f"cannot read: {exc.strerror}")]) from exc
