"""Reading helpers shared by the ontology parser: the source files and small accessors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.term import Node

from semgraph.exceptions import OntologyError
from semgraph.ontology.files import local_import, rdf_format
from semgraph.ontology.naming import local_part
from semgraph.ontology.terms import OntClass
from semgraph.vocabulary import SG, SGM


class SourceFiles:
    """The files parsed, kept apart so an error can name the file a term comes from."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.graph = Graph()
        self.files: list[tuple[Path, Graph]] = []
        self.skipped_imports: list[str] = []
        todo, seen = [Path(p) for p in paths], set()
        while todo:
            path = todo.pop(0)
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            part = Graph()
            try:
                part.parse(path, format=rdf_format(path))
            except Exception as exc:  # rdflib raises several unrelated types
                raise OntologyError(f"{path}: cannot parse {rdf_format(path)}: {exc}") from exc
            self.files.append((path, part))
            self.graph += part
            for imported in part.objects(None, OWL.imports):
                found = local_import(str(imported), path.parent)
                if found is not None:
                    todo.append(found)
                else:
                    self.skipped_imports.append(str(imported))
        for _, part in self.files:
            for prefix, namespace in part.namespaces():
                self.graph.bind(prefix, namespace, override=False)
        self.graph.bind("sg", SG)
        self.graph.bind("sgm", SGM)

    def error(self, term: Node, message: str, *, about: Node | None = None) -> OntologyError:
        """An error naming the file that declares ``term`` (or holds the node ``about``)."""
        needle = about if about is not None else term
        where = next((str(p) for p, g in self.files if (needle, None, None) in g), "ontology")
        return OntologyError(f"{where}: `{local_part(str(term)) or term}`: {message}")


def local(term: Node) -> str:
    """Local name of an IRI (after ``#`` or the last ``/``)."""
    text = str(term)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def text(g: Graph, s: Node, p: URIRef, lang: str | None = None) -> str:
    for o in g.objects(s, p):
        if isinstance(o, Literal) and (lang is None or o.language == lang):
            return str(o)
    return ""


def texts(g: Graph, s: Node, p: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in g.objects(s, p)))


def opt(g: Graph, s: Node, p: URIRef) -> str | None:
    o = g.value(s, p)
    return None if o is None else (local(o) if isinstance(o, URIRef) else str(o))


def rdf_list(g: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(g, head))


def applies_to(classes: dict[str, OntClass], domains: Iterable[str], cls: str) -> bool:
    """True when a property declared on ``domains`` applies to ``cls`` (or its ancestors)."""
    chain = (cls, *classes[cls].superclasses) if cls in classes else (cls,)
    return any(d in chain for d in domains)
