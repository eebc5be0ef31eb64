"""The ontology's terms as small frozen dataclasses (no rdflib objects leak out of here).

Names are the terms' names in the property graph (``semgraph.ontology.naming``): the bare
local name for ``sg:`` terms (``Customer``, ``creditLimit``), ``{prefix}__{local}`` for
any other namespace (``fiboctr__Contract``); ``iri`` holds the full IRI. Class names of
domains and ranges are such names too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

ImpactDirection = Literal["forward", "inverse"]


@dataclass(frozen=True)
class Cardinality:
    """How many values an entity of a class must (``min``) and may (``max``) have.

    ``max`` is None when unbounded.
    """

    min: int
    max: int | None

    @property
    def required(self) -> bool:
        return self.min >= 1

    @property
    def single(self) -> bool:
        return self.max == 1


@dataclass(frozen=True)
class OntClass:
    """An ``owl:Class`` of the business ontology.

    ``superclasses`` lists every named ancestor, nearest first (``BusinessEntity`` last).
    ``system_of_record`` is a source system key (``"CRM"``) or None (SystemRecord,
    BusinessEntity). ``abstract`` classes have no instances of their own.
    """

    iri: str
    name: str
    label_en: str
    label_zh: str
    definition_en: str
    definition_zh: str
    business_area: str | None
    system_of_record: str | None
    id_prefix: str | None
    superclasses: tuple[str, ...]
    abstract: bool
    graphql_name: str = ""
    """The GraphQL type name: the local name, namespaced only where two classes share it."""
    declared: bool = True
    entity_card: bool = False
    """``sgm:entityCard true``: the RAG index keeps a card of each entity of the class."""
    """False for a class the ontology only refers to (a range, a superclass or a
    restriction's class from a module that was not loaded)."""


@dataclass(frozen=True)
class DatatypeProperty:
    """A literal-valued property.

    ``datatype`` is the XSD local name (``string``, ``decimal``, ``integer``,
    ``boolean``, ``date``, ``dateTime``). ``allowed_values`` is None for free values;
    when returned by ``Ontology.datatype_properties(cls)`` it holds the codes allowed on
    that class (class restrictions override the property-wide list). ``domains`` are
    all classes the property is declared on (a union domain has several).
    """

    iri: str
    name: str
    label_en: str
    label_zh: str
    definition: str
    datatype: str
    sensitivity: str | None
    privacy_regimes: tuple[str, ...]
    visible_to: tuple[str, ...]
    allowed_values: tuple[str, ...] | None
    domains: tuple[str, ...] = ()

    @property
    def sensitive(self) -> bool:
        return self.sensitivity is not None

    def visible_for(self, roles: Iterable[str]) -> bool:
        """True when a caller holding ``roles`` may see the clear value."""
        return self.sensitivity is None or any(r in self.visible_to for r in roles)


@dataclass(frozen=True)
class ObjectProperty:
    """A relationship between two entities.

    ``domain``/``range`` are single class names. For a union domain or range they hold
    the nearest common superclass, except where ``Ontology`` resolves them against a
    concrete class (``object_properties``, ``incoming``, ``impact_edges``); the union
    members are always in ``domains``/``ranges``. ``impact`` says how a change
    propagates: ``"forward"`` (domain change impacts range), ``"inverse"`` (range
    change impacts domain) or None.
    """

    iri: str
    name: str
    domain: str
    range: str
    label_en: str
    label_zh: str
    definition: str
    impact: ImpactDirection | None
    domains: tuple[str, ...] = ()
    ranges: tuple[str, ...] = ()

    @property
    def rel_type(self) -> str:
        """Neo4j relationship type: the property's local name (``sg:hasSla`` → ``hasSla``).

        The same name as the RDF predicate's local name, so the RDF mapping stays one fact.
        """
        return self.name


RestrictionKind = Literal["some", "all", "min", "max", "exact", "value"]


@dataclass(frozen=True)
class ClassRestriction:
    """An ``rdfs:subClassOf [ a owl:Restriction ]`` axiom of ``cls``, as declared.

    ``kind`` is ``some`` (``owl:someValuesFrom``), ``all`` (``owl:allValuesFrom``),
    ``min``/``max``/``exact`` (plain or qualified cardinalities) or ``value``
    (``owl:hasValue``). ``value`` is a class name, a datatype's XSD local name, a number
    or a literal; ``on_class`` names the class of a qualified cardinality.
    """

    cls: str
    prop: str
    kind: RestrictionKind
    value: str
    on_class: str | None = None


@dataclass(frozen=True)
class SourceSystem:
    """An operational system semgraph reads from; ``key`` is ``"CRM"``, ``"ERP"``, …"""

    iri: str
    key: str
    label_en: str
    label_zh: str
    description: str


@dataclass(frozen=True)
class FieldMapping:
    """One source field mapped onto a canonical property.

    Apply ``transform`` (see ``TRANSFORMS``), then ``map_code``. When
    ``on_system_record`` is true the value belongs on the entity's SystemRecord for
    ``system``, not on the golden record of ``target_class``.
    """

    iri: str
    system: str
    source_table: str
    source_field: str
    target_class: str
    target_property: str
    transform: str | None
    value_map: tuple[tuple[str, str], ...]
    is_key: bool
    on_system_record: bool

    def map_code(self, value: str) -> str:
        """Translate a source code via ``value_map``; unlisted codes pass through."""
        return dict(self.value_map).get(value, value)


@dataclass(frozen=True)
class AccessRole:
    """A role key callers present (``viewer``, ``finance_lead``, …)."""

    iri: str
    key: str
    label_en: str
    label_zh: str
    description: str


@dataclass(frozen=True)
class RoleModel:
    """How the graph says who holds a role: ``(:person)-[:has_role]->(:role {key})``.

    Read from the relationship that carries ``sgm:roleKeyProperty`` (semgraph's own:
    ``sg:hasRole sgm:roleKeyProperty sg:key``, Employee to Role).
    """

    person: str
    has_role: str
    role: str
    key: str


@dataclass(frozen=True)
class RoutingRule:
    """How to find the employee who receives an alert for ``for_role``.

    From the focus entity's ``start_class`` entity follow the object properties in
    ``path`` (names); if nobody is reached, notify all holders of ``fallback_role``.
    """

    iri: str
    for_role: str
    start_class: str
    path: tuple[str, ...]
    fallback_role: str
    description: str


# Named value transforms a FieldMapping may use; connectors implement exactly these.
TRANSFORMS: frozenset[str] = frozenset(
    {
        "trim",
        "upper",
        "lower",
        "decimal",
        "integer",
        "cents_to_decimal",
        "date_iso",
        "datetime_iso",
        "datetime_utc",
        "yes_no_boolean",
    }
)
