"""Masking of sensitive values in what the hand-written operations return.

The generated entity reads mask in Cypher (``semgraph.reads.compiler``). Rule results, audit
entries and alerts carry values too — a result's ``value``, a message such as "order
SO-1 (750000) exceeds the credit limit 500000", an audit entry's before/after — so the
same ontology rule (``sgm:sensitivity`` + ``sgm:visibleTo``) is applied here:

- a property the caller may not see is ``null`` and listed in ``maskedFields``;
- a rule that *reads* such a property (its shape graph names it: ``sh:path`` or the
  SPARQL text) returns its message template with every ``{?var}`` as ``[REDACTED]``
  and ``value: null``; ``masked`` is true. We cannot tell which placeholder came from
  which property, so all of them go — safe rather than clever.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from semgraph.ontology.model import ID_BASE, Ontology
from semgraph.ontology.terms import DatatypeProperty
from semgraph.shapes.loader import ShapeSet
from semgraph.validation.results import ValidationResult

MASK = "[REDACTED]"
_PLACEHOLDER = re.compile(r"\{[?$][A-Za-z_]\w*\}")


def class_of_iri(iri: str) -> str | None:
    """The class name in an entity IRI (``…/id/Contract/C-1`` → ``Contract``)."""
    if not iri.startswith(ID_BASE):
        return None
    cls, sep, _ = iri.removeprefix(ID_BASE).partition("/")
    return cls if sep else None


def _shape_text(shapes: ShapeSet, iri: str) -> tuple[set[str], str]:
    """Every IRI and literal text reachable from a NodeShape (its property shapes, SPARQL)."""
    graph = shapes.graph
    uris: set[str] = set()
    texts: list[str] = []
    stack: list[Node] = [URIRef(iri)]
    seen: set[Node] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for _p, o in graph.predicate_objects(node):
            if isinstance(o, Literal):
                texts.append(str(o))
            elif isinstance(o, URIRef):
                uris.add(str(o))
            if isinstance(o, BNode):
                stack.append(o)
    return uris, "\n".join(texts)


class ResultMasker:
    """Masks rule results, property maps and alert texts for a caller's roles."""

    def __init__(self, ontology: Ontology, shapes: ShapeSet) -> None:
        self.ontology, self.shapes = ontology, shapes
        sensitive: dict[str, DatatypeProperty] = {}
        for cls in ontology.concrete_classes():
            for prop in ontology.sensitive_properties(cls.name).values():
                sensitive.setdefault(prop.iri, prop)
        self._reads: dict[str, tuple[DatatypeProperty, ...]] = {}
        for shape_iri in shapes.shapes:
            uris, text = _shape_text(shapes, shape_iri)
            self._reads[shape_iri] = tuple(
                p
                for p in sensitive.values()
                if p.iri in uris or re.search(rf"[:/#]{re.escape(p.name)}\b", text)
            )

    def rule_hidden(self, shape_iri: str, roles: Iterable[str]) -> bool:
        """True when the rule reads a sensitive property the roles may not see."""
        roles = tuple(roles)
        return any(not p.visible_for(roles) for p in self._reads.get(shape_iri, ()))

    def masked_text(self, shape_iri: str, lang: str, fallback: str) -> str:
        """The rule's message template with every placeholder masked."""
        info = self.shapes.shapes.get(shape_iri)
        template = (info.message_zh if lang == "zh" else info.message_en) if info else ""
        return _PLACEHOLDER.sub(MASK, template) if template else (MASK if fallback else "")

    def result(self, r: ValidationResult, roles: Iterable[str]) -> tuple[ValidationResult, bool]:
        """``r`` as the roles may see it, and whether anything was masked."""
        roles = tuple(roles)
        path_hidden = False
        if r.focus_class and r.path:
            prop = self.ontology.datatype_properties(r.focus_class).get(r.path.rsplit("/", 1)[-1])
            path_hidden = prop is not None and not prop.visible_for(roles)
        if not (path_hidden or self.rule_hidden(r.shape, roles)):
            return r, False
        return r.model_copy(
            update={
                "value": None,
                "message_en": self.masked_text(r.shape, "en", r.message_en),
                "message_zh": self.masked_text(r.shape, "zh", r.message_zh),
            }
        ), True

    def properties(
        self, cls: str | None, props: Mapping[str, Any] | None, roles: Iterable[str]
    ) -> tuple[dict[str, Any] | None, list[str]]:
        """``props`` of an entity of class ``cls`` with masked values set to None."""
        if props is None:
            return None, []
        if cls is None or cls not in {c.name for c in self.ontology.concrete_classes()}:
            return dict(props), []
        roles = tuple(roles)
        known = self.ontology.datatype_properties(cls)
        hidden = sorted(n for n in props if n in known and not known[n].visible_for(roles))
        return {k: (None if k in hidden else v) for k, v in props.items()}, hidden

    def field_visible(self, cls: str, name: str, roles: Iterable[str]) -> bool:
        prop = self.ontology.datatype_properties(cls).get(name)
        return prop is None or prop.visible_for(tuple(roles))
