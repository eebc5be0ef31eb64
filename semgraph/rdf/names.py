"""IRI ↔ Neo4j name codec: how classes and predicates become labels, types and keys.

* An IRI in the ``sg:`` namespace whose local name is a plain identifier becomes that
  bare name (``sg:creditLimit`` → ``creditLimit``), unless the name is reserved
  (``Resource``, ``iri``, ``id``) or contains ``__``.
* Every other IRI is split into a namespace and the longest identifier-safe tail (at most
  ``MAX_LOCAL`` characters) and becomes ``{prefix}__{local}``; the prefix comes from a
  ``PrefixRegistry`` that is stored in the graph as ``(:_NsPrefix {prefix, namespace})``.

Prefixes never contain ``_`` and bare names never contain ``__``, so a name decodes by
splitting at its first ``__``; the mapping is exact in both directions. Every name this
module produces matches ``NAME_PATTERN`` and is still back-quoted by ``ident`` before it
reaches Cypher.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

import neo4j
from neo4j.exceptions import ConstraintError

from semgraph.exceptions import InvalidInputError, OntologyError, UnknownTermError
from semgraph.rdf import queries as q
from semgraph.vocabulary import SG_IRI, SGM_IRI

SG = SG_IRI
SGM = SGM_IRI
MAX_LOCAL = 100

# Names a bare sg: term may not take: the universal label and the two node keys.
RESERVED_BARE = frozenset({"Resource", "iri", "id"})

WELL_KNOWN_PREFIXES: Mapping[str, str] = {
    "sg": SG,
    "sgm": SGM,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sh": "http://www.w3.org/ns/shacl#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "org": "http://www.w3.org/ns/org#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
PREFIX_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
_BARE = re.compile(rf"^[A-Za-z][A-Za-z0-9_]{{0,{MAX_LOCAL - 1}}}$")
_SAFE_TAIL = re.compile(rf"[A-Za-z0-9_]{{0,{MAX_LOCAL}}}\Z")


def split_iri(iri: str) -> tuple[str, str]:
    """``(namespace, local)`` with ``local`` the longest identifier-safe tail of ``iri``.

    ``local`` may be empty (an IRI ending in ``/`` or ``#``); ``namespace + local == iri``.
    """
    match = _SAFE_TAIL.search(iri)
    local = match.group(0) if match else ""
    return iri[: len(iri) - len(local)], local


def is_bare_sg(local: str) -> bool:
    """True when ``sg:{local}`` is written as the bare name ``local``."""
    return bool(_BARE.fullmatch(local)) and "__" not in local and local not in RESERVED_BARE


class PrefixRegistry:
    """A two-way prefix ↔ namespace table; well-known prefixes are always present.

    ``allocate`` adds a namespace (reusing a suggested prefix when it is valid and free,
    else ``ns0``, ``ns1``, …); ``added`` lists what was allocated since construction, so
    the caller can persist exactly that.
    """

    def __init__(self, bindings: Mapping[str, str] | None = None) -> None:
        self._by_prefix: dict[str, str] = {}
        self._by_namespace: dict[str, str] = {}
        self.added: dict[str, str] = {}
        for prefix, namespace in WELL_KNOWN_PREFIXES.items():
            self._bind(prefix, namespace)
        for prefix, namespace in (bindings or {}).items():
            self._bind(prefix, namespace)

    def _bind(self, prefix: str, namespace: str) -> None:
        if not PREFIX_PATTERN.fullmatch(prefix):
            raise InvalidInputError(f"stored namespace prefix `{prefix}` is not valid")
        known = self._by_prefix.get(prefix)
        if known is not None and known != namespace:
            raise InvalidInputError(
                f"prefix `{prefix}` is bound to both <{known}> and <{namespace}>"
            )
        if namespace in self._by_namespace and self._by_namespace[namespace] != prefix:
            return  # the first binding of a namespace wins (well-known ones come first)
        self._by_prefix[prefix] = namespace
        self._by_namespace[namespace] = prefix

    def bindings(self) -> dict[str, str]:
        """Every prefix → namespace pair, well-known ones included."""
        return dict(self._by_prefix)

    def prefix_of(self, namespace: str) -> str | None:
        return self._by_namespace.get(namespace)

    def namespace_of(self, prefix: str) -> str | None:
        return self._by_prefix.get(prefix)

    def allocate(self, namespace: str, suggested: str | None = None) -> str:
        """The prefix of ``namespace``, allocating one if it has none yet."""
        known = self._by_namespace.get(namespace)
        if known is not None:
            return known
        prefix = suggested
        if prefix is None or not PREFIX_PATTERN.fullmatch(prefix) or prefix in self._by_prefix:
            n = 0
            while f"ns{n}" in self._by_prefix:
                n += 1
            prefix = f"ns{n}"
        self._bind(prefix, namespace)
        self.added[prefix] = namespace
        return prefix

    def needs(self, iris: Iterable[str], suggestions: Mapping[str, str] | None = None) -> None:
        """Allocate prefixes for every namespace that encoding ``iris`` will use."""
        hints = {ns: p for p, ns in (suggestions or {}).items()}
        for iri in iris:
            namespace, local = split_iri(iri)
            if namespace == SG and is_bare_sg(local):
                continue
            self.allocate(namespace, hints.get(namespace))

    def to_name(self, iri: str) -> str:
        """The Neo4j name of ``iri``.

        Raises:
            InvalidInputError: the namespace of ``iri`` has no prefix yet (call ``needs``).
        """
        namespace, local = split_iri(iri)
        if namespace == SG and is_bare_sg(local):
            return local
        prefix = self._by_namespace.get(namespace)
        if prefix is None:
            raise InvalidInputError(
                f"no prefix registered for namespace <{namespace}> of <{iri}>",
                hint="register the IRIs' namespaces with PrefixRegistry.needs first",
            )
        return f"{prefix}__{local}"

    def to_iri(self, name: str) -> str:
        """The IRI a Neo4j name stands for (inverse of ``to_name``).

        Raises:
            InvalidInputError: ``name`` is not something ``to_name`` produces.
            UnknownTermError: its prefix is not registered.
        """
        prefix, sep, local = name.partition("__")
        if not sep:
            if not is_bare_sg(name):
                raise InvalidInputError(f"`{name}` is not an encoded IRI name")
            return SG + name
        namespace = self._by_prefix.get(prefix)
        if namespace is None:
            raise UnknownTermError("namespace prefix", prefix, self._by_prefix)
        canonical = split_iri(namespace + local) == (namespace, local)
        if not canonical or (namespace == SG and is_bare_sg(local)):
            raise InvalidInputError(f"`{name}` is not an encoded IRI name")
        return namespace + local


def read_registry(driver: neo4j.Driver, database: str) -> PrefixRegistry:
    """The registry stored in the graph (well-known prefixes included)."""
    records = driver.execute_query(q.READ_PREFIXES, database_=database).records
    return PrefixRegistry({r["prefix"]: r["namespace"] for r in records})


def register_namespaces(
    driver: neo4j.Driver,
    iris: Collection[str],
    database: str,
    suggestions: Mapping[str, str] | None = None,
) -> PrefixRegistry:
    """A registry that can name every IRI in ``iris``, with new prefixes stored first.

    Safe against a concurrent import: a namespace that someone else registered keeps
    their prefix, and a prefix they took is re-allocated (a few attempts).

    Raises:
        InvalidInputError: the prefixes could not be agreed after several attempts.
    """
    for _attempt in range(5):
        registry = read_registry(driver, database)
        registry.needs(iris, suggestions)
        if not registry.added:
            return registry
        rows = [{"prefix": p, "namespace": ns} for p, ns in registry.added.items()]
        try:
            records = driver.execute_query(q.MERGE_PREFIXES, rows=rows, database_=database).records
        except ConstraintError:
            continue
        if all(registry.prefix_of(r["namespace"]) == r["prefix"] for r in records):
            return registry
    raise InvalidInputError("could not register namespace prefixes (concurrent imports?)")


def bind_prefixes(driver: neo4j.Driver, database: str, wanted: Mapping[str, str]) -> None:
    """Store ``wanted`` (prefix → namespace, an ontology's) in the graph's registry, so that
    imported data is named as the ontology names it.

    Raises:
        OntologyError: the graph already names one of the namespaces with another prefix,
            or gives one of the prefixes to another namespace (data imported before the
            ontology was chosen); nothing is stored then.
    """
    registry = read_registry(driver, database)
    clashes, rows = [], []
    for prefix, namespace in sorted(wanted.items()):
        have, taken = registry.prefix_of(namespace), registry.namespace_of(prefix)
        if have not in (None, prefix):
            clashes.append(f"<{namespace}> is `{have}` in the graph, `{prefix}` in the ontology")
        elif taken not in (None, namespace):
            clashes.append(f"prefix `{prefix}` is <{taken}> in the graph, <{namespace}> here")
        elif have is None:
            rows.append({"prefix": prefix, "namespace": namespace})
    if clashes:
        raise OntologyError(
            "the graph's namespace prefixes disagree with the ontology's: " + "; ".join(clashes),
            hint="bind the namespace to the graph's prefix in the ontology file, or load the "
            "ontology into an empty database",
        )
    if rows:
        driver.execute_query(q.MERGE_PREFIXES, rows=rows, database_=database)
