"""Names of ontology terms from any namespace: the same names the RDF mapping gives them.

A class or property of ``sg:`` keeps its bare local name (``Customer``; ``id`` is the
entity key the mapping derives from the IRI); a term of any other namespace is
``{prefix}__{local}`` (``fiboctr__Contract``), exactly as ``semgraph.rdf.names`` names
the label, relationship type or property key of that IRI when data is imported. So the
model, the property graph, the validation view and ``semgraph export`` all agree on one
name per IRI.

The prefix is the one the ontology file binds to the namespace, with characters other
than letters and digits dropped (``fibo-fnd-agr-ctr`` → ``fibofndagrctr``); well-known
namespaces keep their fixed prefix (``org``, ``skos``); a namespace without a usable
binding gets ``ns0``, ``ns1``, … The container stores these prefixes in the graph before
the first change, so imported data uses them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rdflib import Graph

from semgraph.rdf.names import PrefixRegistry, split_iri
from semgraph.vocabulary import SG_IRI, SGM_IRI

# Namespaces whose terms are the modelling language, never business classes or properties.
BUILTIN_NAMESPACES = (
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/ns/shacl#",
    SGM_IRI,
)
_GRAPHQL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_builtin(iri: str) -> bool:
    """True for OWL, RDF(S), XSD, SHACL and semgraph's own meta terms."""
    return iri.startswith(BUILTIN_NAMESPACES)


def clean_prefix(prefix: str) -> str | None:
    """A file's prefix as a registry prefix (letters and digits, a letter first), or None."""
    cleaned = re.sub(r"[^A-Za-z0-9]", "", prefix)[:20]
    return cleaned if cleaned[:1].isalpha() else None


class TermNames:
    """Names the terms of one ontology; ``prefixes`` are the namespaces it had to add."""

    def __init__(self, bindings: Iterable[tuple[str, str]] = ()) -> None:
        self._registry = PrefixRegistry()
        self._hints: dict[str, str] = {}
        for prefix, namespace in bindings:
            cleaned = clean_prefix(prefix)
            if cleaned is not None:
                self._hints.setdefault(namespace, cleaned)

    @classmethod
    def of_graphs(cls, graphs: Iterable[Graph]) -> TermNames:
        """Names that take their prefixes from the bindings of ``graphs`` (first wins)."""
        return cls((prefix, str(ns)) for g in graphs for prefix, ns in g.namespaces() if prefix)

    def name(self, iri: str) -> str:
        """The name of ``iri`` (a label, relationship type or property key)."""
        namespace, local = split_iri(iri)
        if namespace == SG_IRI:  # sg:id is the entity key `id` (the mapping's own, too)
            return local
        self._registry.allocate(namespace, self._hints.get(namespace))
        return self._registry.to_name(iri)

    @property
    def prefixes(self) -> Mapping[str, str]:
        """prefix → namespace of every namespace named so far that is not well known."""
        return dict(self._registry.added)


def local_part(iri: str) -> str:
    """The IRI's local name (its identifier-safe tail)."""
    return split_iri(iri)[1]


def graphql_names(names_to_iris: Mapping[str, str]) -> dict[str, str]:
    """A GraphQL type name per class name: the local name where it is unique, else the
    namespaced class name (``sg:`` classes always keep theirs)."""
    locals_: dict[str, list[str]] = {}
    for name, iri in names_to_iris.items():
        locals_.setdefault(local_part(iri) if not iri.startswith(SG_IRI) else name, []).append(name)
    out: dict[str, str] = {}
    for name, iri in names_to_iris.items():
        if iri.startswith(SG_IRI):
            out[name] = name
            continue
        local = local_part(iri)
        unique = len(locals_.get(local, [])) == 1 and local not in names_to_iris
        out[name] = local if unique and _GRAPHQL_NAME.fullmatch(local) else name
    return out


__all__ = [
    "BUILTIN_NAMESPACES",
    "TermNames",
    "clean_prefix",
    "graphql_names",
    "is_builtin",
    "local_part",
]
