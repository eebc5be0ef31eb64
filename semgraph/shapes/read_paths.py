"""The ``sgm:reads`` path syntax: which neighbours a shape's query walks from its focus node.

A path is relationship local names joined by ``/``; ``^name`` walks a relationship
backwards (``"^hasSla"`` from an SLA reaches its Contract). ``""`` means the query reads
only the focus node (and the change description). Datatype properties of reached nodes
are read implicitly, so they never appear in a path.
"""

from __future__ import annotations

from itertools import product

from rdflib import RDF, Graph
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import BNode, Node, URIRef

from semgraph.exceptions import did_you_mean
from semgraph.ontology.model import Ontology
from semgraph.vocabulary import SG


def check_read_path(ontology: Ontology, cls: str, path: str) -> str | None:
    """None when ``path`` walks existing relationships from ``cls``; else what is wrong."""
    if path == "":
        return None
    current = [cls]
    for step in path.split("/"):
        inverse = step.startswith("^")
        name = step[1:] if inverse else step
        nxt: list[str] = []
        known: set[str] = set()
        for c in current:
            props = ontology.incoming(c) if inverse else ontology.object_properties(c)
            known.update(props)
            if name in props:
                prop = ontology.object_property(name)
                nxt.extend(prop.domains if inverse else (prop.ranges or (prop.range,)))
        if not nxt:
            where = " or ".join(current)
            kind = "incoming relationship" if inverse else "relationship"
            hint = did_you_mean(name, known)
            return f"sgm:reads `{path}`: no {kind} `{name}` on {where}" + (
                f"; {hint}" if hint else ""
            )
        current = list(dict.fromkeys(nxt))
    return None


def path_strings(g: Graph, path: Node | None, ontology: Ontology | None = None) -> list[str]:
    """``sh:path`` of a property shape in the ``sgm:reads`` syntax, one string per way the
    path can go (an ``sh:alternativePath`` gives each alternative, a sequence of them each
    combination); empty if unsupported (a repetition, or an alternative left unreadable)."""
    if path is None:
        return []
    if isinstance(path, URIRef):
        return [_local(path, ontology)]
    if isinstance(path, BNode):
        inverse = g.value(path, SH.inversePath)
        if isinstance(inverse, URIRef):
            return ["^" + _local(inverse, ontology)]
        options = g.value(path, SH.alternativePath)
        if options is not None:
            ways = [path_strings(g, item, ontology) for item in Collection(g, options)]
            if not ways or not all(ways):
                return []
            return list(dict.fromkeys(way for found in ways for way in found))
        if (path, RDF.first, None) in g:
            steps = [path_strings(g, item, ontology) for item in Collection(g, path)]
            if not steps or not all(steps):
                return []
            return ["/".join(combination) for combination in product(*steps)]
    return []


def _local(iri: URIRef, ontology: Ontology | None) -> str:
    """The ontology's name of a path predicate (``lib__title``); outside the ontology the
    ``sg:`` local name or the IRI itself, which no read path accepts."""
    found = ontology.name_of(str(iri)) if ontology is not None else None
    return found or str(iri).removeprefix(str(SG))
