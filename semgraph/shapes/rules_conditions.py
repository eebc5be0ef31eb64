"""Compile the ``when:`` block of a business rule into a SPARQL boolean expression.

Fields are ontology names, dotted across relationships (``customer.rating``). Each
condition becomes an ``EXISTS``/``NOT EXISTS`` block that starts at ``$this``, so the
query stays selective. Negative operators (``!=``, ``not in``, ``missing``) hold when no
value matches, so a missing ``legalCountersigned`` satisfies ``!= true``.
Transition operators (``changed``, ``increased``, ``decreased``) read the change
description (``sgm:pendingChange``) of the entity that owns the field; they never hold in
a full validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from semgraph.exceptions import UnknownTermError, did_you_mean
from semgraph.ontology.model import Ontology
from semgraph.ontology.terms import DatatypeProperty
from semgraph.vocabulary import THIS

VALUE_OPS = ("=", "!=", ">", ">=", "<", "<=", "in", "not in")
BARE_OPS = ("exists", "missing")
CHANGE_OPS = ("changed", "increased", "decreased")
OPS = VALUE_OPS + BARE_OPS + CHANGE_OPS
_ORDERED = frozenset({"decimal", "integer", "date", "dateTime"})
_LEAF_KEYS = ("field", "op", "value", "to", "from", "by_more_than")

Report = Callable[[yaml.Node, str, str | None], None]


@dataclass(frozen=True)
class ResolvedField:
    """A dotted field resolved against the ontology.

    ``steps`` are the relationship names walked from the rule's class; ``prop`` is the
    last name (a datatype property, or a relationship for exists/missing/changed).
    """

    steps: tuple[str, ...]
    prop: str
    owner: str
    datatype: DatatypeProperty | None

    @property
    def reads(self) -> list[str]:
        """Every relationship prefix walked (``a``, ``a/b``) in the ``sgm:reads`` syntax."""
        return ["/".join(self.steps[: i + 1]) for i in range(len(self.steps))]


@dataclass
class ConditionCompiler:
    """Compiles conditions for rules on ``cls``; problems go to ``report`` (node, msg, hint)."""

    ontology: Ontology
    cls: str
    report: Report
    reads: set[str] = field(default_factory=set)
    _counter: int = 0

    # --- fields -------------------------------------------------------------------------

    def resolve(self, node: yaml.Node, dotted: str) -> ResolvedField | None:
        """Resolve ``dotted`` from the rule's class; reports and returns None when unknown."""
        names = dotted.split(".")
        candidates = [self.cls]
        steps: list[str] = []
        for i, name in enumerate(names):
            last = i == len(names) - 1
            found = None
            for owner in candidates:
                try:
                    found = (owner, self.ontology.property(owner, name))
                    break
                except UnknownTermError:
                    continue
            if found is None:
                known = {
                    n
                    for c in candidates
                    for n in [
                        *self.ontology.datatype_properties(c),
                        *self.ontology.object_properties(c),
                    ]
                }
                where = " or ".join(candidates)
                self.report(node, f"unknown field `{name}` on {where}", did_you_mean(name, known))
                return None
            owner, prop = found
            if isinstance(prop, DatatypeProperty):
                if not last:
                    self.report(
                        node,
                        f"`{name}` on {owner} is a value, not a relationship: "
                        f"`{dotted}` cannot continue after it",
                        None,
                    )
                    return None
                return ResolvedField(tuple(steps), name, owner, prop)
            if last:
                return ResolvedField(tuple(steps), name, owner, None)
            steps.append(name)
            candidates = list(prop.ranges or (prop.range,))
        raise AssertionError("unreachable")

    # --- conditions ---------------------------------------------------------------------

    def compile(self, node: yaml.Node) -> str | None:
        """SPARQL boolean expression for a condition node, or None after reporting."""
        if not isinstance(node, yaml.MappingNode):
            self.report(node, "a condition must be a mapping (all/any/not or field/op)", None)
            return None
        keys = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        groups = [k for k in ("all", "any", "not") if k in keys]
        if groups:
            if len(keys) != 1:
                self.report(node, f"`{groups[0]}` must be the only key of its condition", None)
                return None
            return self._group(groups[0], keys[groups[0]])
        for key_node, _ in node.value:
            if key_node.value not in _LEAF_KEYS:
                hint = did_you_mean(str(key_node.value), [*_LEAF_KEYS, "all", "any", "not"])
                self.report(key_node, f"unknown key `{key_node.value}` in condition", hint)
        return self._leaf(node, keys)

    def triggers(self, node: yaml.Node) -> set[str] | None:
        """Where a change must happen for a (compiled, valid) condition to hold.

        ``$this`` or the relationship path of the node whose change a ``changed`` /
        ``increased`` / ``decreased`` needs; ``None`` when the condition can hold without
        any change (a state rule). ``all`` needs one of its parts, ``any`` all of them.
        """
        keys = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        if "all" in keys:
            found = [t for item in keys["all"].value if (t := self.triggers(item)) is not None]
            return min(found, key=len) if found else None
        if "any" in keys:
            each = [self.triggers(item) for item in keys["any"].value]
            return None if any(t is None for t in each) else set().union(*filter(None, each))
        if "not" in keys or str(scalar(keys["op"])) not in CHANGE_OPS:
            return None
        resolved = self.resolve(keys["field"], str(scalar(keys["field"])))
        return None if resolved is None else {"/".join(resolved.steps) or THIS}

    def _group(self, kind: str, node: yaml.Node) -> str | None:
        if kind == "not":
            inner = self.compile(node)
            return None if inner is None else f"!({inner})"
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.report(node, f"`{kind}` needs a non-empty list of conditions", None)
            return None
        parts = [self.compile(item) for item in node.value]
        if any(p is None for p in parts):
            return None
        joiner = " && " if kind == "all" else " || "
        return "(" + joiner.join(f"({p})" for p in parts if p is not None) + ")"

    def _leaf(self, node: yaml.Node, keys: dict[str, yaml.Node]) -> str | None:
        if "field" not in keys or "op" not in keys:
            self.report(node, "a condition needs `field` and `op`", None)
            return None
        op = str(scalar(keys["op"]))
        if op not in OPS:
            self.report(keys["op"], f"unknown op `{op}`", did_you_mean(op, OPS) or _ops_hint())
            return None
        resolved = self.resolve(keys["field"], str(scalar(keys["field"])))
        if resolved is None:
            return None
        dt_prop = resolved.datatype
        if dt_prop is None and op not in ("exists", "missing", "changed"):
            self.report(
                keys["op"],
                f"`{resolved.prop}` is a relationship: only exists, "
                "missing and changed apply to it",
                None,
            )
            return None
        if op in VALUE_OPS and "value" not in keys:
            self.report(node, f"op `{op}` needs a `value`", None)
            return None
        if op not in VALUE_OPS and "value" in keys:
            self.report(keys["value"], f"op `{op}` takes no `value`", None)
            return None
        if op in ("increased", "decreased") and (
            dt_prop is None or dt_prop.datatype not in _ORDERED
        ):
            self.report(keys["op"], f"`{op}` needs a number or date field", None)
            return None
        self.reads.update(resolved.reads)
        path, var = self._path(resolved)
        if op in BARE_OPS:
            return ("EXISTS" if op == "exists" else "NOT EXISTS") + f" {{ {path} }}"
        if op in CHANGE_OPS:
            return self._change(node, keys, resolved, op)
        assert dt_prop is not None
        return self._compare(keys["value"], dt_prop, op, path, var)

    def _compare(
        self, value_node: yaml.Node, prop: DatatypeProperty, op: str, path: str, var: str
    ) -> str | None:
        term = f"STR({var})" if prop.datatype == "string" else var
        if op in ("in", "not in"):
            if not isinstance(value_node, yaml.SequenceNode) or not value_node.value:
                self.report(value_node, f"op `{op}` needs a non-empty list as `value`", None)
                return None
            lits = [self.literal(v, prop) for v in value_node.value]
            if any(lit is None for lit in lits):
                return None
            # `=` per value, not IN: rdflib's IN compares terms, so 500 would not match 500.0
            test = " || ".join(f"{term} = {lit}" for lit in lits if lit is not None)
        else:
            lit = self.literal(value_node, prop)
            if lit is None:
                return None
            if op in (">", ">=", "<", "<=") and prop.datatype not in _ORDERED | {"string"}:
                self.report(value_node, f"op `{op}` does not apply to a {prop.datatype}", None)
                return None
            test = f"{term} {'=' if op == '!=' else op} {lit}"
        negate = op in ("!=", "not in")
        return ("NOT EXISTS" if negate else "EXISTS") + f" {{ {path} FILTER ({test}) }}"

    def _change(
        self, node: yaml.Node, keys: dict[str, yaml.Node], f: ResolvedField, op: str
    ) -> str | None:
        owner = self._walk(f.steps)
        pc = self._var("pc")
        parts = [
            f"{owner[0]} <https://semgraph.io/meta#pendingChange> {pc} .",
            f"{pc} <https://semgraph.io/meta#property> <{self.ontology.iri(f.prop)}> .",
        ]
        parts.insert(0, owner[1])
        filters: list[str] = []
        for key, pred in (("to", "newValue"), ("from", "oldValue")):
            if key in keys:
                if op != "changed" or f.datatype is None:
                    self.report(keys[key], f"`{key}` applies to `changed` on a value field", None)
                    return None
                lit = self.literal(keys[key], f.datatype)
                if lit is None:
                    return None
                v = self._var(key)
                parts.append(f"{pc} <https://semgraph.io/meta#{pred}> {v} .")
                term = f"STR({v})" if f.datatype.datatype == "string" else v
                filters.append(f"{term} = {lit}")
        if op in ("increased", "decreased"):
            old, new = self._var("old"), self._var("new")
            parts.append(
                f"{pc} <https://semgraph.io/meta#oldValue> {old} ; "
                f"<https://semgraph.io/meta#newValue> {new} ."
            )
            filters.append(f"{new} > {old}" if op == "increased" else f"{new} < {old}")
            if "by_more_than" in keys:
                extra = self._threshold(keys["by_more_than"], op, old, new)
                if extra is None:
                    return None
                filters.append(extra)
        elif "by_more_than" in keys:
            self.report(keys["by_more_than"], "`by_more_than` applies to increased/decreased", None)
            return None
        where = " ".join(p for p in parts if p)
        if filters:
            where += " FILTER (" + " && ".join(filters) + ")"
        return f"EXISTS {{ {where} }}"

    def _threshold(self, node: yaml.Node, op: str, old: str, new: str) -> str | None:
        raw = scalar(node)
        text = str(raw).strip()
        percent = text.endswith("%")
        try:
            amount = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            amount = Decimal(-1)
        if isinstance(raw, bool) or amount < 0:
            self.report(
                node,
                f"`by_more_than` must be a number or a percentage like `50%`, not `{text}`",
                None,
            )
            return None
        if percent:
            factor = Decimal(1) + amount / 100 if op == "increased" else Decimal(1) - amount / 100
            cmp = ">" if op == "increased" else "<"
            return f"{new} {cmp} {old} * {factor}"
        return f"ABS({new} - {old}) > {amount}"

    # --- SPARQL pieces ------------------------------------------------------------------

    def literal(self, node: yaml.Node, prop: DatatypeProperty) -> str | None:
        """The SPARQL literal for a YAML value of ``prop``'s datatype; reports a bad type."""
        value = scalar(node)
        kind = prop.datatype
        bad = f"value `{value}` is not {_KIND.get(kind, kind)} (the type of `{prop.name}`)"
        if kind == "boolean":
            if not isinstance(value, bool):
                self.report(node, bad, "write true or false")
                return None
            return "true" if value else "false"
        if kind in ("decimal", "integer"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.report(node, bad, None)
                return None
            if kind == "integer" and not isinstance(value, int):
                self.report(node, bad, None)
                return None
            return f'"{Decimal(str(value))}"^^<http://www.w3.org/2001/XMLSchema#{kind}>'
        if kind in ("date", "dateTime"):
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
            try:
                if kind == "date":
                    dt.date.fromisoformat(text)
                else:
                    dt.datetime.fromisoformat(text)
            except ValueError:
                self.report(node, bad, "write it as ISO 8601, e.g. 2025-01-31")
                return None
            return f'"{text}"^^<http://www.w3.org/2001/XMLSchema#{kind}>'
        if not isinstance(value, str):
            self.report(node, bad, f"quote it: '{value}'")
            return None
        allowed = prop.allowed_values
        if allowed and value not in allowed:
            hint = did_you_mean(value, allowed) or "allowed: " + ", ".join(allowed)
            self.report(node, f"`{value}` is not a valid `{prop.name}`", hint)
            return None
        return sparql_string(value)

    def placeholder(self, f: ResolvedField) -> tuple[str, str]:
        """(variable, OPTIONAL block) that binds ``f``'s value for a message placeholder."""
        self.reads.update(f.reads)
        path, var = self._path(f)
        out = self._var("m")
        raw = self._var("raw")
        block = (
            f"OPTIONAL {{ SELECT $this (SAMPLE({var}) AS {raw}) WHERE {{ {path} }} "
            f'GROUP BY $this }} BIND (COALESCE(STR({raw}), "?") AS {out})'
        )
        return out, block

    def _path(self, f: ResolvedField) -> tuple[str, str]:
        owner, pattern = self._walk(f.steps)
        var = self._var("x")
        triple = f"{owner} <{self.ontology.iri(f.prop)}> {var} ."
        return (f"{pattern} {triple}".strip(), var)

    def _walk(self, steps: tuple[str, ...]) -> tuple[str, str]:
        current, parts = "$this", []
        for step in steps:
            nxt = self._var("n")
            parts.append(f"{current} <{self.ontology.iri(step)}> {nxt} .")
            current = nxt
        return current, " ".join(parts)

    def _var(self, stem: str) -> str:
        self._counter += 1
        return f"?{stem}{self._counter}"


_KIND = {
    "boolean": "true/false",
    "decimal": "a number",
    "integer": "a whole number",
    "date": "a date",
    "dateTime": "a date-time",
    "string": "text",
}


def scalar(node: yaml.Node) -> Any:
    """The Python value of a YAML scalar node (YAML 1.1 safe types); None for collections."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    return yaml.SafeLoader("").construct_object(node, deep=True)


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r") + '"'


def _ops_hint() -> str:
    return "valid ops: " + ", ".join(f"`{o}`" for o in OPS)
