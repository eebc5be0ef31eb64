"""Which data predicates a selection of shapes can read, so that pySHACL gets only those.

A class neighbourhood holds every property of every node it reads, but a shape sees a
triple only through a predicate that its description names: ``sh:path`` (and the paths
inside it), ``sh:equals`` and its kin, or a triple pattern of its SPARQL. rdflib's cost to
hold a graph and pySHACL's to walk it grow with the triples, and a sync batch's
neighbourhood holds several times the triples its remaining shapes read.
``ReadSet.covers(p)`` is True for every predicate the shapes could read. Where it cannot
tell, it over-approximates:

- every IRI anywhere in the shapes' described triples (``ShapeSet.described``, which
  includes every constraint component the shapes graph declares);
- in a SPARQL text, every full IRI (also as a relative IRI: a predicate ending with it) and,
  for every prefixed name, every predicate whose IRI ends with its local part, so no prefix
  has to be resolved the way pySHACL resolves ``sh:prefixes``;
- everything, when a shape is closed (``sh:closed``) or a SPARQL text names a predicate by
  a variable, uses a negated property set, an empty local name, ``GRAPH``, ``SERVICE`` or
  ``$PATH``, or does not parse.

``rdf:type`` and ``rdfs:subClassOf`` are always kept: ``sh:class`` reads them, and so does
the report (the focus node's class).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SH, Literal, URIRef, Variable
from rdflib.paths import NegatedPath, Path
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

ALWAYS: frozenset[str] = frozenset({str(RDF.type), str(RDFS.subClassOf)})
_SPARQL_TEXTS = {SH.select, SH.ask, SH.construct, SH.update}
# what may be a prefix in use (comments and strings too: declaring more does no harm)
_PREFIX_USE = re.compile(r"(?<![\w.\-:?$<])([A-Za-z][\w.\-]*|):")
_STANDIN = "urn:semgraph:prefix:"


@dataclass(frozen=True)
class ReadSet:
    """Predicates (IRIs) a selection of shapes may read; ``everything`` when unknown."""

    iris: frozenset[str] = frozenset()
    tails: frozenset[str] = frozenset()  # a predicate ending with one of these may be read
    everything: bool = False
    _covers: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def covers(self, predicate: str) -> bool:
        """Whether a shape of the selection could read triples of ``predicate``."""
        found = self._covers.get(predicate)
        if found is None:
            found = self._covers[predicate] = (
                self.everything
                or predicate in self.iris
                or predicate in ALWAYS
                or any(predicate.endswith(tail) for tail in self.tails)
            )
        return found

    def __or__(self, other: ReadSet) -> ReadSet:
        if self.everything or other.everything:
            return EVERYTHING
        return ReadSet(self.iris | other.iris, self.tails | other.tails)


EVERYTHING = ReadSet(everything=True)


def shape_reads(described: Iterable[tuple[Node, Node, Node]]) -> ReadSet:
    """What the shapes whose described triples these are may read (see the module)."""
    iris: set[str] = set()
    tails: set[str] = set()
    for _, p, o in described:
        if p == SH.closed and not (isinstance(o, Literal) and o.value is False):
            return EVERYTHING
        iris.update(str(t) for t in (p, o) if isinstance(t, URIRef))
        if p in _SPARQL_TEXTS and isinstance(o, Literal):
            found = sparql_reads(str(o))
            if found.everything:
                return EVERYTHING
            iris |= found.iris
            tails |= found.tails
    return ReadSet(frozenset(iris), frozenset(tails))


def sparql_reads(text: str) -> ReadSet:
    """The predicates a SPARQL text (as a shape holds it, its prefixes declared elsewhere)
    may read: every IRI it names, every predicate ending with a prefixed name's local part,
    or everything (see the module)."""
    if "$PATH" in text:
        return EVERYTHING
    # Each prefix stands for a namespace of its own, so a prefixed name's local part can
    # be read off the parsed query; the text's own PREFIX lines come later and win.
    used = {p for p in _PREFIX_USE.findall(text) if not p.endswith(".")}
    declared = "".join(f"PREFIX {p}: <{_STANDIN}{p}:>\n" for p in sorted(used))
    try:
        algebra = prepareQuery(declared + text).algebra
    except Exception:  # not SPARQL rdflib reads: pySHACL will say so; assume the worst
        return EVERYTHING
    iris: set[str] = set()
    tails: set[str] = set()
    if not _walk(algebra, set(), iris):
        return EVERYTHING
    for iri in iris:
        if iri.startswith(_STANDIN):
            local = iri[len(_STANDIN) :].split(":", 1)[1]
            if not local:
                return EVERYTHING  # the namespace itself, whatever the prefix stands for
            tails.add(local)
        else:
            tails.add(iri)  # as written; relative to a base pySHACL may set: a suffix
    return ReadSet(frozenset(i for i in iris if not i.startswith(_STANDIN)), frozenset(tails))


def _walk(node: object, seen: set[int], iris: set[str]) -> bool:
    """Collect the IRIs under ``node`` into ``iris``; False on a triple pattern whose
    predicate is a variable or a negated property set, or on GRAPH or SERVICE."""
    if isinstance(node, URIRef):
        iris.add(str(node))
        return True
    if isinstance(node, NegatedPath) or (
        isinstance(node, CompValue) and node.name == "PathNegatedPropertySet"
    ):
        return False
    if isinstance(node, Path):
        parts = [
            *getattr(node, "args", ()),
            getattr(node, "arg", None),
            getattr(node, "path", None),
        ]
        return all(_walk(p, seen, iris) for p in parts if p is not None)
    if isinstance(node, CompValue):
        if id(node) in seen:
            return True
        seen.add(id(node))
        if node.name in {"Graph", "ServiceGraphPattern", "GraphGraphPattern"}:
            return False
        # BGP holds (s, p, o) tuples; a TriplesBlock (EXISTS keeps its pattern as parsed)
        # holds flat lists s p o s p o …
        for triple in dict.get(node, "triples") or []:
            if any(isinstance(p, Variable) for p in list(triple)[1::3]):
                return False
        # rdflib keeps an EXISTS pattern as parsed in the item, less its filters, and
        # sets the translated pattern, filters and all, as the attribute ``graph``
        return all(_walk(item, seen, iris) for item in [*dict.values(node), *_translated(node)])
    if isinstance(node, list | tuple | set | frozenset):
        return all(_walk(item, seen, iris) for item in node)
    if isinstance(node, dict):
        return all(_walk(item, seen, iris) for item in node.values())
    return True


def _translated(node: CompValue) -> list[object]:
    """What rdflib set as attributes of ``node`` besides its items (an EXISTS's pattern)."""
    return [v for k, v in vars(node).items() if k not in {"name", "_evalfn"} and not callable(v)]
