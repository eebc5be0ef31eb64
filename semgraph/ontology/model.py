"""The ontology as Python sees it: classes, properties, cardinalities, mappings, roles.

Classes and properties of any namespace are in it, named as the property graph names
them (``semgraph.ontology.naming``): ``Customer`` for ``sg:Customer``,
``fiboctr__Contract`` for a FIBO class. ``Ontology.load()`` parses the files once per
process (cached by path and modification time) and answers per-class questions with
inheritance and union domains already resolved. Unknown names raise ``UnknownTermError``
with a did-you-mean hint, so callers can pass user input straight through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from rdflib import RDFS, Graph, URIRef

from semgraph.exceptions import OntologyError, UnknownTermError
from semgraph.ontology.parser import ParsedOntology, parse
from semgraph.ontology.terms import (
    TRANSFORMS,
    AccessRole,
    Cardinality,
    ClassRestriction,
    DatatypeProperty,
    FieldMapping,
    ImpactDirection,
    ObjectProperty,
    OntClass,
    RoleModel,
    RoutingRule,
    SourceSystem,
)
from semgraph.ontology.validation import validate
from semgraph.vocabulary import SG, SGM

__all__ = [
    "ID_BASE",
    "SG",
    "SGM",
    "TRANSFORMS",
    "AccessRole",
    "Cardinality",
    "ClassRestriction",
    "DatatypeProperty",
    "FieldMapping",
    "ImpactDirection",
    "ObjectProperty",
    "OntClass",
    "Ontology",
    "RoutingRule",
    "SourceSystem",
]

ID_BASE = "https://semgraph.io/id/"
ADMIN_ROLE = AccessRole(
    f"{SGM}AdminRole",
    "admin",
    "administrator",
    "管理员",
    "The one role of an ontology that declares none: it may write everything.",
)
_UNBOUNDED = Cardinality(0, None)


class Ontology:
    """Read-only view of the business ontology. Build it with ``Ontology.load``."""

    def __init__(self, parsed: ParsedOntology) -> None:
        self._p = parsed
        self.graph: Graph = parsed.graph
        self.classes: dict[str, OntClass] = dict(parsed.classes)
        self._dt_cache: dict[str, dict[str, DatatypeProperty]] = {}
        self._op_cache: dict[str, dict[str, ObjectProperty]] = {}
        self._in_cache: dict[str, dict[str, ObjectProperty]] = {}
        self._sub_cache: dict[str, tuple[str, ...]] = {}
        self._by_iri: dict[str, str] = {iri: name for name, iri in parsed.iris.items()}

    # --- construction -----------------------------------------------------------------

    @classmethod
    def load(cls, paths: Iterable[Path] | None = None) -> Ontology:
        """Parse the given files (default: ``Settings.ontology_files``, else every ``*.ttl``
        in ``Settings.ontology_dir``): Turtle, RDF/XML or JSON-LD by suffix, with their
        local ``owl:imports``.

        The result is cached per process for the same files and modification times.
        Raises ``OntologyError`` naming the file and term when the files are invalid.
        """
        if paths is None:
            from semgraph.config import get_settings

            paths = get_settings().ontology_paths()
        files = [Path(p) for p in paths]
        if not files:
            raise OntologyError("no ontology files given", hint="check SEMGRAPH_ONTOLOGY_DIR")
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise OntologyError(f"ontology file not found: {', '.join(missing)}")
        key = tuple((str(f.resolve()), f.stat().st_mtime_ns) for f in files)
        return _load_cached(key)

    # --- classes ----------------------------------------------------------------------

    def cls(self, name: str) -> OntClass:
        """The class called ``name`` (local name, e.g. ``Customer``); raises UnknownTermError."""
        found = self.classes.get(name)
        if found is None:
            raise UnknownTermError("class", name, self.classes)
        return found

    def concrete_classes(self) -> list[OntClass]:
        """Classes that have instances of their own (every class but BusinessEntity), by name."""
        return [c for _, c in sorted(self.classes.items()) if not c.abstract]

    def labels(self) -> set[str]:
        """Every Neo4j node label the data may use: the class names, BusinessEntity included."""
        return set(self.classes)

    def iri(self, name: str) -> str:
        """The IRI of the class or property called ``name``; raises UnknownTermError."""
        found = self._p.iris.get(name)
        if found is None:
            raise UnknownTermError("term", name, self._p.iris)
        return found

    def name_of(self, iri: str) -> str | None:
        """The name of the class or property ``iri`` (None when the ontology lacks it)."""
        return self._by_iri.get(iri)

    def prefixes(self) -> dict[str, str]:
        """prefix → namespace behind the ``{prefix}__{local}`` names (well-known ones left
        out); the graph's prefix registry must agree with it (``ensure_prefixes``)."""
        return dict(self._p.prefixes)

    def restrictions(self, cls: str) -> list[ClassRestriction]:
        """The ``owl:Restriction`` axioms declared on ``cls`` and its superclasses."""
        chain = self._chain(cls)
        return [a for a in self._p.axioms if a.cls in chain]

    def restrictions_all(self) -> list[ClassRestriction]:
        """Every ``owl:Restriction`` axiom the ontology declares."""
        return list(self._p.axioms)

    def skipped(self) -> list[str]:
        """Terms the model could not place, each with the reason (e.g. a property with no
        domain and no restriction naming it)."""
        return list(self._p.skipped)

    def skipped_imports(self) -> list[str]:
        """``owl:imports`` that are not local files (never fetched), sorted."""
        return sorted(set(self._p.sources.skipped_imports))

    def graphql_name(self, cls: str) -> str:
        """The GraphQL type of ``cls``: its local name, namespaced where two classes share it."""
        found = self.cls(cls)
        return found.graphql_name or found.name

    def entity_iri(self, cls: str, id: str) -> str:
        """``https://semgraph.io/id/{cls}/{id}`` with ``id`` percent-encoded."""
        self.cls(cls)
        return f"{ID_BASE}{cls}/{quote(id, safe='-_.~')}"

    # --- properties -------------------------------------------------------------------

    def datatype_properties(self, cls: str) -> dict[str, DatatypeProperty]:
        """Literal properties an entity of ``cls`` may have, inherited ones included.

        ``allowed_values`` is resolved for ``cls``: a class restriction (e.g. the status
        codes of SalesOrder) wins over the property-wide list.
        """
        cached = self._dt_cache.get(cls)
        if cached is None:
            chain = self._chain(cls)
            cached = {}
            for name, prop in sorted(self._p.datatype_properties.items()):
                if any(d in chain for d in prop.domains):
                    values = self._class_values(chain, name)
                    if values is not None:
                        prop = replace(prop, allowed_values=values)
                    cached[name] = prop
            self._dt_cache[cls] = cached
        return cached

    def object_properties(self, cls: str) -> dict[str, ObjectProperty]:
        """Outgoing relationships of ``cls`` or a superclass, with ``domain`` set to ``cls``."""
        cached = self._op_cache.get(cls)
        if cached is None:
            chain = self._chain(cls)
            cached = {
                name: replace(prop, domain=cls)
                for name, prop in sorted(self._p.object_properties.items())
                if any(d in chain for d in prop.domains)
            }
            self._op_cache[cls] = cached
        return cached

    def incoming(self, cls: str) -> dict[str, ObjectProperty]:
        """Relationships whose range is ``cls`` (or a superclass); ``range`` is ``cls``."""
        cached = self._in_cache.get(cls)
        if cached is None:
            chain = self._chain(cls)
            cached = {
                name: replace(prop, range=cls)
                for name, prop in sorted(self._p.object_properties.items())
                if any(r in chain for r in prop.ranges)
            }
            self._in_cache[cls] = cached
        return cached

    def object_property(self, name: str) -> ObjectProperty:
        """An object property by name; union members are in ``domains``/``ranges``."""
        found = self._p.object_properties.get(name)
        if found is None:
            raise UnknownTermError("relationship", name, self._p.object_properties)
        return found

    def datatype_property(self, name: str) -> DatatypeProperty:
        """A datatype property by name, as declared (``allowed_values`` property-wide)."""
        found = self._p.datatype_properties.get(name)
        if found is None:
            raise UnknownTermError("property", name, self._p.datatype_properties)
        return found

    def sub_properties(self, name: str) -> tuple[str, ...]:
        """The properties whose values are values of ``name`` too (``rdfs:subPropertyOf``,
        transitively, through properties the model could not place as well), sorted.

        Only properties of the same kind as ``name`` (relationships for a relationship,
        values for a value) are listed, ``name`` itself never; a cycle of
        ``subPropertyOf`` makes its members sub-properties of one another. Raises
        UnknownTermError when ``name`` is neither a datatype nor an object property.
        """
        cached = self._sub_cache.get(name)
        if cached is None:
            same_kind: dict[str, DatatypeProperty] | dict[str, ObjectProperty]
            if name in self._p.object_properties:
                same_kind = self._p.object_properties
            elif name in self._p.datatype_properties:
                same_kind = self._p.datatype_properties
            else:
                known = [*self._p.datatype_properties, *self._p.object_properties]
                raise UnknownTermError("property", name, known)
            # rdflib's walk keeps the nodes it has seen, so a cycle ends it
            below = self.graph.transitive_subjects(RDFS.subPropertyOf, URIRef(same_kind[name].iri))
            names = {self._by_iri.get(str(iri)) for iri in below}
            cached = tuple(
                sorted(n for n in names if n is not None and n != name and n in same_kind)
            )
            self._sub_cache[name] = cached
        return cached

    def property(self, cls: str, name: str) -> DatatypeProperty | ObjectProperty:
        """A datatype or outgoing object property of ``cls``.

        Raises UnknownTermError (kind ``property``, with a did-you-mean hint) when ``cls``
        has no such property.
        """
        datatype = self.datatype_properties(cls)
        objects = self.object_properties(cls)
        found = datatype.get(name) or objects.get(name)
        if found is None:
            raise UnknownTermError("property", name, [*datatype, *objects], where=cls)
        return found

    def cardinality(self, cls: str, prop: str) -> Cardinality:
        """How many values of ``prop`` an entity of ``cls`` must/may have.

        Combines restrictions on ``cls`` and its superclasses with
        ``owl:FunctionalProperty`` (max 1); (0, None) when nothing is declared.
        Raises UnknownTermError for an unknown class or property.
        """
        self.property(cls, prop)
        low, high = 0, None if prop not in self._p.functional else 1
        for c in self._chain(cls):
            card = self._p.restrictions.get((c, prop), _UNBOUNDED)
            low = max(low, card.min)
            if card.max is not None:
                high = card.max if high is None else min(high, card.max)
        return Cardinality(low, high)

    def required_properties(self, cls: str) -> dict[str, Cardinality]:
        """Properties (datatype and object) that ``cls`` must have, with their cardinality."""
        names = [*self.datatype_properties(cls), *self.object_properties(cls)]
        cards = {n: self.cardinality(cls, n) for n in names}
        return {n: c for n, c in cards.items() if c.min > 0}

    def sensitive_properties(self, cls: str) -> dict[str, DatatypeProperty]:
        """Datatype properties of ``cls`` that are masked unless the caller's role may see them."""
        return {n: p for n, p in self.datatype_properties(cls).items() if p.sensitive}

    def impact_edges(self) -> list[ObjectProperty]:
        """Every relationship that carries impact, one entry per concrete (domain, range) pair.

        For ``forward`` a change to ``domain`` impacts ``range``; for ``inverse`` the
        other way round. Sorted by name, domain, range.
        """
        edges = [
            replace(prop, domain=d, range=r)
            for prop in self._p.object_properties.values()
            if prop.impact is not None
            for d in prop.domains
            for r in prop.ranges
        ]
        return sorted(edges, key=lambda e: (e.name, e.domain, e.range))

    def relationship_types(self) -> set[str]:
        """Every Neo4j relationship type the data may use (``ObjectProperty.rel_type``)."""
        return {p.rel_type for p in self._p.object_properties.values()}

    # --- systems, roles, routing --------------------------------------------------------

    def systems(self) -> list[SourceSystem]:
        """The source systems, by key."""
        return [s for _, s in sorted(self._p.systems.items())]

    def mappings(self, system: str | None = None) -> list[FieldMapping]:
        """Field mappings, all or of one system key (``"ERP"``); raises UnknownTermError."""
        if system is None:
            return list(self._p.mappings)
        if system not in self._p.systems:
            raise UnknownTermError("source system", system, self._p.systems)
        return [m for m in self._p.mappings if m.system == system]

    def access_roles(self) -> list[AccessRole]:
        """The access roles, by key. An ontology that declares none has one, ``admin``,
        which may write everything (``WriteRights``)."""
        if not self._p.roles:
            return [ADMIN_ROLE]
        return [r for _, r in sorted(self._p.roles.items())]

    def declares_roles(self) -> bool:
        """False when the ontology has no ``sgm:AccessRole`` (only ``admin`` then)."""
        return bool(self._p.roles)

    def role_keys(self) -> set[str]:
        """Every valid role key (``viewer``, ``finance_lead``, …; ``admin`` alone when the
        ontology declares no roles)."""
        return {r.key for r in self.access_roles()}

    def role_model(self) -> RoleModel | None:
        """How people hold roles in the graph (``sgm:roleKeyProperty`` on the relationship
        from person to role entity), or None when the ontology has no such relationship:
        alerts then reach no one by role."""
        return self._p.role_model

    def routing_rules(self) -> list[RoutingRule]:
        """Alert routing rules; a role may have several (one per start class)."""
        return sorted(self._p.routing_rules, key=lambda r: (r.for_role, r.iri))

    def routing_rules_for(self, role: str) -> list[RoutingRule]:
        """Every routing rule for ``role``: an alert goes to everyone any of them reaches
        (none: alerts for the role go to all its holders)."""
        return [r for r in self.routing_rules() if r.for_role == role]

    # --- internals ----------------------------------------------------------------------

    def _chain(self, cls: str) -> tuple[str, ...]:
        found = self.cls(cls)
        return (found.name, *found.superclasses)

    def _class_values(self, chain: tuple[str, ...], prop: str) -> tuple[str, ...] | None:
        for c in chain:
            values = self._p.class_values.get((c, prop))
            if values is not None:
                return values
        return None


@lru_cache(maxsize=8)
def _load_cached(key: tuple[tuple[str, int], ...]) -> Ontology:
    return Ontology(validate(parse([Path(path) for path, _ in key])))
