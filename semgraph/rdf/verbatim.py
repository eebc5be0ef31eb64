"""Parsing RDF with the lexical forms the source writes, where rdflib would rewrite them.

rdflib normalises a literal's lexical form from the value it parses (``"01"^^xsd:integer``
reads ``"1"``). That is harmless for well-typed literals, but wrong twice over:

- for an ill-typed literal whose datatype parser still finds a value:
  ``"none"^^xsd:boolean`` becomes a valid ``"false"`` (flagged ill-typed only in memory);
- for SHACL parameters that only the literal ``true`` activates: ``sh:uniqueLang
  "1"^^xsd:boolean`` reads ``"true"`` (the W3C test ``core/property/uniqueLang-002``).

The switch is rdflib's process-wide ``NORMALIZE_LITERALS``; only this module turns it off,
under a lock, and only while it parses. Callers pay for it only when a normal parse shows
a literal that may have been rewritten.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import rdflib
from rdflib import Graph, Literal

from semgraph.rdf.literals import make_literal

_LOCK = threading.Lock()


def parse_verbatim(fill: Callable[[Graph], object]) -> Graph:
    """The graph ``fill`` parses into, every literal exactly as the source writes it."""
    graph = Graph()
    with _LOCK:
        saved = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            fill(graph)
        finally:
            rdflib.NORMALIZE_LITERALS = saved
    return graph


def normalised(verbatim: Graph) -> Graph:
    """``verbatim`` as a normal parse gives it, but ill-typed literals as written: the
    graph rdflib would give if it never rewrote an ill-typed lexical form."""
    graph = Graph()
    for prefix, namespace in verbatim.namespaces():
        graph.bind(prefix, namespace, override=True, replace=True)
    for s, p, o in verbatim:
        if isinstance(o, Literal) and not o.ill_typed:
            o = make_literal(str(o), o.language, o.datatype)
        graph.add((s, p, o))
    return graph


def rewritten(lit: Literal) -> bool:
    """Whether a normal parse replaced an ill-typed lexical form by a well-formed one
    (``"none"^^xsd:boolean`` read as ``"false"``, still flagged ill-typed)."""
    return bool(lit.ill_typed) and not make_literal(str(lit), None, lit.datatype).ill_typed
