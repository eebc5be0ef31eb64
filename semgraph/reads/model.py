"""What the GraphQL schema looks like, derived from the ontology (pure, no strawberry).

One ``EntityType`` per concrete ontology class: its scalar fields (datatype
properties) and its relation fields, both directions. The strawberry schema
(``schema_builder``), the Cypher compiler and the benchmark's @neo4j/graphql type
definitions all read this one model, so naming rules live only here:

- outgoing object property ``p`` → field ``p`` (``p<Target>`` when the range is a union,
  one field per member); single-valued (``owl:FunctionalProperty``) → one object, else a
  list;
- incoming ``p`` from class ``D`` → list field ``<plural of d>`` (``contracts``), or
  ``<plural>As<P>`` (``customersAsAccountManager``) when that name would be ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from semgraph.access.rights import WriteRights
from semgraph.ontology.model import Ontology
from semgraph.ontology.naming import local_part

# Fields every object type has besides the ontology's (see schema_builder).
_FIXED_FIELDS = ("iri", "version", "maskedFields")
_GRAPHQL_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")

GqlScalar = Literal["ID", "String", "Float", "Int", "Boolean", "Date", "DateTime"]

_SCALARS: dict[str, GqlScalar] = {
    "string": "String",
    "decimal": "Float",
    "double": "Float",
    "float": "Float",
    "integer": "Int",
    "int": "Int",
    "long": "Int",
    "boolean": "Boolean",
    "date": "Date",
    "dateTime": "DateTime",
}


@dataclass(frozen=True)
class ScalarField:
    """A datatype property as a GraphQL field (``sensitive`` ones may be masked).

    ``name`` is the GraphQL field (the property's local name, namespaced where the type
    has two of it); ``key`` the Neo4j property key, the ontology's name (``lib__title``).
    """

    name: str
    gql: GqlScalar
    description: str
    sensitive: bool
    visible_to: tuple[str, ...]
    allowed_values: tuple[str, ...] | None
    key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.key or self.name)

    @property
    def numeric(self) -> bool:
        return self.gql in ("Float", "Int")

    @property
    def temporal(self) -> bool:
        return self.gql in ("Date", "DateTime")


@dataclass(frozen=True)
class RelationField:
    """A relationship as a GraphQL field; ``outgoing`` follows ``(self)-[:rel_type]->``."""

    name: str
    rel_type: str
    outgoing: bool
    target: str
    many: bool
    description: str


@dataclass(eq=False)
class EntityType:
    """One concrete ontology class as a GraphQL object type.

    ``name`` is the GraphQL type (the class's local name, namespaced where two classes
    share it); ``label`` is the class's name, its Neo4j label (``lib__Book``).
    """

    name: str
    description: str
    scalars: dict[str, ScalarField] = field(default_factory=dict)
    relations: dict[str, RelationField] = field(default_factory=dict)
    label: str = ""
    labels: tuple[str, ...] = ()
    """The labels a read of this type matches: its own and its concrete subclasses'
    (OWL semantics, as ``sh:targetClass``: a ``WrittenContract`` is a ``Contract``)."""

    def __post_init__(self) -> None:
        self.label = self.label or self.name
        self.labels = self.labels or (self.label,)

    @property
    def single_name(self) -> str:
        """Root lookup field: ``customer(id:)``."""
        return self.name[0].lower() + self.name[1:]

    @property
    def plural_name(self) -> str:
        """Root list field: ``customers``."""
        return plural(self.single_name)

    def masked_for(self, roles: tuple[str, ...]) -> frozenset[str]:
        """Names of the scalar fields a caller holding ``roles`` sees masked."""
        return frozenset(
            f.name
            for f in self.scalars.values()
            if f.sensitive and not set(roles) & set(f.visible_to)
        )


def plural(word: str) -> str:
    """Naive English plural, enough for class names (``opportunity`` → ``opportunities``)."""
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def _concrete_members(ontology: Ontology, names: tuple[str, ...]) -> list[str]:
    """Concrete classes that are, or descend from, one of ``names``."""
    return [
        c.name
        for c in ontology.concrete_classes()
        if c.name in names or any(s in names for s in c.superclasses)
    ]


def field_names(ontology: Ontology, cls: str) -> dict[str, str]:
    """GraphQL field name per property name of ``cls``: ``sg:`` names as they are, other
    properties by local name where no other field of the type has it."""
    names = [*ontology.datatype_properties(cls), *ontology.object_properties(cls)]
    wanted = {n: local_part(ontology.iri(n)) if "__" in n else n for n in names}
    taken = [*_FIXED_FIELDS, *wanted.values()]
    return {
        n: w if taken.count(w) == 1 and _GRAPHQL_FIELD.fullmatch(w) else n
        for n, w in wanted.items()
    }


def _writers(rights: WriteRights, cls: str) -> str:
    """`` Created by: …; updated by: …; deleted by: ….`` for a type's description."""
    who = {action: ", ".join(roles) or "nobody" for action, roles in rights.writers(cls).items()}
    return (
        f" Created by: {who['create']}; updated by: {who['update']}; deleted by: {who['delete']}."
    )


_SUFFIXES = ("", "Where", "Sort", "ListWhere", "Edge", "Connection", "Aggregate")


def _type_name(ontology: Ontology, cls: str, reserved: frozenset[str]) -> str:
    """The class's GraphQL name, namespaced when it or a type or root field derived from
    it would take a name of the hand-written schema (``reserved``)."""
    name = ontology.graphql_name(cls)
    single = name[0].lower() + name[1:]
    taken = {name + s for s in _SUFFIXES} | {single, plural(single), plural(single) + "Aggregate"}
    return cls if taken & reserved else name


@lru_cache(maxsize=4)
def build_model(
    ontology: Ontology, reserved: frozenset[str] = frozenset()
) -> dict[str, EntityType]:
    """The GraphQL view of every concrete class, keyed by class name (its label).

    ``reserved``: names of the hand-written schema (types, root fields) that generated
    types must leave alone; a class whose names would clash keeps its namespaced name."""
    model: dict[str, EntityType] = {}
    rights = WriteRights.of(ontology)
    for cls in ontology.concrete_classes():
        fields = field_names(ontology, cls.name)
        entity = EntityType(
            _type_name(ontology, cls.name, reserved),
            (cls.definition_en or cls.label_en) + _writers(rights, cls.name),
            label=cls.name,
            labels=(
                cls.name,
                *(m for m in _concrete_members(ontology, (cls.name,)) if m != cls.name),
            ),
        )
        for prop in ontology.datatype_properties(cls.name).values():
            writable = ", ".join(rights.property_writers(cls.name, prop.name)) or "nobody"
            entity.scalars[fields[prop.name]] = ScalarField(
                name=fields[prop.name],
                gql="ID" if prop.name == "id" else _SCALARS.get(prop.datatype, "String"),
                description=(prop.definition or prop.label_en)
                + ("" if prop.name == "id" else f" (written by: {writable})"),
                sensitive=prop.sensitive,
                visible_to=prop.visible_to,
                allowed_values=prop.allowed_values,
                key=prop.name,
            )
        for rel in ontology.object_properties(cls.name).values():
            targets = _concrete_members(ontology, rel.ranges or (rel.range,))
            many = not ontology.cardinality(cls.name, rel.name).single
            for target in targets:
                field = fields[rel.name]
                name = (
                    field if len(targets) == 1 else field + _type_name(ontology, target, reserved)
                )
                entity.relations[name] = RelationField(
                    name, rel.rel_type, True, target, many, rel.definition or rel.label_en
                )
        model[cls.name] = entity
    for cls in ontology.concrete_classes():
        entity = model[cls.name]
        incoming = [
            (inc, source)
            for inc in ontology.incoming(cls.name).values()
            for source in _concrete_members(ontology, inc.domains or (inc.domain,))
        ]
        per_source: dict[str, int] = {}
        for _, source in incoming:
            per_source[source] = per_source.get(source, 0) + 1
        for inc, source in incoming:
            base = plural(_lower_first(_type_name(ontology, source, reserved)))
            name = base
            as_name = field_names(ontology, source)[inc.name]
            as_name = base + "As" + as_name[0].upper() + as_name[1:]
            if per_source[source] > 1 or source == cls.name or name in entity.scalars:
                name = as_name
            if name in entity.relations:
                name = as_name
            entity.relations[name] = RelationField(
                name,
                inc.rel_type,
                False,
                source,
                True,
                f"{model[source].name} entities whose `{inc.name}` is this {entity.name}.",
            )
    return model
