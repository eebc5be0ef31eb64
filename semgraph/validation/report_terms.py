"""The RDF terms of a pySHACL result, kept as text for the W3C report (``ResultTerms``).

Paths become Turtle path expressions (the structure, not a display form), and messages
get back the language tag pySHACL drops when it fills ``{$var}`` placeholders in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from rdflib import RDF, SH, Graph, Literal, URIRef
from rdflib.term import Node

_PATH_OPERATORS = (
    SH.inversePath,
    SH.alternativePath,
    SH.zeroOrMorePath,
    SH.oneOrMorePath,
    SH.zeroOrOnePath,
)
_MAX_PATH_DEPTH = 32  # a cyclic path structure (ill-formed SHACL) must not recurse forever
_PLACEHOLDER = re.compile(r"\\\{\\[$?][A-Za-z0-9_]+\\\}")  # {$this} once re.escape'd


def path_turtle(graph: Graph, node: Node | None, depth: int = 0) -> str | None:
    """The SHACL property path at ``node`` as a Turtle expression with full IRIs:
    ``<p>``, ``[ <…#inversePath> <p> ]``, ``( <a> <b> )``; ``[]`` for a structure that is
    not a path."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return node.n3()
    if depth > _MAX_PATH_DEPTH:
        return "[]"
    if (node, RDF.first, None) in graph:
        items = (path_turtle(graph, item, depth + 1) or "[]" for item in graph.items(node))
        return "( " + " ".join(items) + " )"
    for operator in _PATH_OPERATORS:
        inner = graph.value(node, operator)
        if inner is not None:
            return f"[ {operator.n3()} {path_turtle(graph, inner, depth + 1) or '[]'} ]"
    return "[]"


class MessageLanguages:
    """The tagged ``sh:message`` templates of a shapes graph, by the node that holds them
    (a shape, or a SPARQL constraint), to tag the messages pySHACL filled in."""

    def __init__(self, shapes: Graph) -> None:
        self._templates: dict[Node, list[tuple[re.Pattern[str], str]]] = defaultdict(list)
        for holder, message in shapes.subject_objects(SH.message):
            if isinstance(message, Literal) and message.language and "{" in message:
                pattern = _PLACEHOLDER.sub(".*", re.escape(str(message)))
                self._templates[holder].append((re.compile(pattern, re.DOTALL), message.language))

    def tagged(self, messages: Iterable[Literal], holders: Iterable[Node | None]) -> list[str]:
        """``messages`` in N-Triples syntax; an untagged one that fills in a tagged
        template of one of ``holders`` takes the template's language."""
        candidates = [t for h in holders if h is not None for t in self._templates.get(h, ())]
        out: list[str] = []
        for message in messages:
            if not message.language and message.datatype is None and candidates:
                text = str(message)
                language = next((lang for p, lang in candidates if p.fullmatch(text)), None)
                if language is not None:
                    message = Literal(text, lang=language)
            out.append(message.n3())
        return out
