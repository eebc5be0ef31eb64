"""Change sets: what a caller asks to change, and who asks, from where.

A ``ChangeSet`` is validated against the ontology at the boundary (``resolve``): class,
property and relationship names must exist, values are coerced to the property's XSD
type, ids must look like ids. Anything wrong raises a typed error naming the operation,
the term and the valid alternatives, before Neo4j is touched.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from semgraph.changes.resources import resolve_resource
from semgraph.exceptions import InvalidInputError, UnknownTermError
from semgraph.ontology.model import Ontology

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
Value = str | int | float | bool | None
MAX_OPERATIONS = 10_000
"""The most operations one change set may hold."""


class ChangeContext(BaseModel):
    """Who makes a change, from where: recorded on every change event (the audit trail)."""

    model_config = ConfigDict(frozen=True)

    actor: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=64)
    source_system: str = Field(default="api", min_length=1, max_length=64)
    session_id: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=200)
    device_fingerprint: str = Field(default="unknown", max_length=500)
    reason: str = Field(default="", max_length=2000)
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    customer_approved: bool = False


class CreateEntity(BaseModel):
    op: Literal["create"] = "create"
    cls: str = Field(alias="class")
    id: str
    properties: dict[str, Value] = Field(default_factory=dict)
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class UpdateEntity(BaseModel):
    """Set properties (a value of None removes the property)."""

    op: Literal["update"] = "update"
    cls: str = Field(alias="class")
    id: str
    properties: dict[str, Value]
    expected_version: int | None = None
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class DeleteEntity(BaseModel):
    op: Literal["delete"] = "delete"
    cls: str = Field(alias="class")
    id: str
    expected_version: int | None = None
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class LinkEntities(BaseModel):
    """Create (``link``) or remove (``unlink``) a relationship ``from -[rel]-> to``."""

    op: Literal["link", "unlink"] = "link"
    rel: str
    from_cls: str
    from_id: str
    to_cls: str
    to_id: str
    model_config = ConfigDict(frozen=True)


class RdfLiteral(BaseModel):
    """An RDF literal: its lexical form exactly, with a datatype IRI or a language tag."""

    lexical: str
    datatype: str | None = None
    language: str | None = None
    model_config = ConfigDict(frozen=True)


class WriteResource(BaseModel):
    """Statements about an RDF resource that is not a business entity (a user's own RDF,
    in any namespace but semgraph's): its ``rdf:type``s, literal values and links, by
    predicate IRI. Stored with the plain RDF mapping, as ``semgraph import --unchecked``
    stores them: labels and links are added, a predicate's literals replace the stored
    ones. Business entities are written with the other operations."""

    op: Literal["resource"] = "resource"
    iri: str
    types: list[str] = Field(default_factory=list)
    literals: dict[str, list[RdfLiteral]] = Field(default_factory=dict)
    links: dict[str, list[str]] = Field(default_factory=dict)
    model_config = ConfigDict(frozen=True)


Operation = Annotated[
    CreateEntity | UpdateEntity | DeleteEntity | LinkEntities | WriteResource,
    Field(discriminator="op"),
]


class ChangeSet(BaseModel):
    """A list of operations applied atomically, with the context of who asks."""

    model_config = ConfigDict(frozen=True)

    context: ChangeContext
    operations: list[Operation] = Field(min_length=1, max_length=MAX_OPERATIONS)
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)


def _coerce(value: Value, datatype: str, where: str) -> Any:
    """Coerce a JSON value to the Python type Neo4j stores for an XSD datatype."""
    if value is None:
        return None
    try:
        if datatype == "string":
            return str(value)
        if datatype == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"true", "false"}:
                return str(value).lower() == "true"
            raise ValueError
        if datatype == "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if datatype in {"decimal", "double", "float"}:
            if isinstance(value, bool):
                raise ValueError
            return float(Decimal(str(value)))
        if datatype == "date":
            return dt.date.fromisoformat(str(value))
        if datatype == "dateTime":
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except (ValueError, InvalidOperation, TypeError):
        raise InvalidInputError(
            f"{where}: {value!r} is not a valid xsd:{datatype}",
            hint={
                "date": "use YYYY-MM-DD",
                "dateTime": "use ISO 8601, e.g. 2026-11-25T09:30:00Z",
                "boolean": "use true or false",
            }.get(datatype, f"give a {datatype} value"),
        ) from None
    return value


def _check_id(entity_id: str, where: str) -> None:
    if not _ID.match(entity_id):
        raise InvalidInputError(
            f"{where}: `{entity_id}` is not a valid entity id",
            hint="ids are 1-128 letters, digits, `_`, `.`, `:` or `-`",
        )


def _entity_class(ontology: Ontology, name: str, where: str) -> str:
    cls = ontology.cls(name)
    if cls.abstract:
        concrete = [c.name for c in ontology.concrete_classes()]
        raise UnknownTermError("concrete class", name, concrete, where=where)
    return cls.name


def resolve_properties(
    ontology: Ontology, cls: str, props: dict[str, Value], where: str
) -> dict[str, Any]:
    """Check property names against the ontology and coerce values (None = remove)."""
    known = ontology.datatype_properties(cls)
    resolved: dict[str, Any] = {}
    for name, value in props.items():
        if name in {"id", "iri"}:
            raise InvalidInputError(
                f"{where}: `{name}` cannot be changed", hint="create a new entity"
            )
        if name not in known:
            raise UnknownTermError("property", name, [p for p in known if p != "id"], where=cls)
        prop = known[name]
        coerced = _coerce(value, prop.datatype, f"{where} {cls}.{name}")
        if prop.allowed_values and coerced is not None and str(coerced) not in prop.allowed_values:
            raise InvalidInputError(
                f"{where}: {cls}.{name} does not allow {coerced!r}",
                hint="allowed values: " + ", ".join(prop.allowed_values),
            )
        resolved[name] = coerced
    return resolved


def resolve(change_set: ChangeSet, ontology: Ontology) -> list[dict[str, Any]]:
    """The operations as plain dicts with checked names and coerced values.

    Raises:
        UnknownTermError: a class, property or relationship the ontology does not define.
        InvalidInputError: a bad id or a value of the wrong type.
    """
    if change_set.context.role not in ontology.role_keys():
        raise UnknownTermError("role", change_set.context.role, ontology.role_keys())
    resolved: list[dict[str, Any]] = []
    for index, op in enumerate(change_set.operations):
        where = f"operation {index + 1} ({op.op})"
        if isinstance(op, WriteResource):
            resolved.append(resolve_resource(op, ontology, where))
            continue
        if isinstance(op, LinkEntities):
            from_cls = _entity_class(ontology, op.from_cls, where)
            to_cls = _entity_class(ontology, op.to_cls, where)
            rels = ontology.object_properties(from_cls)
            if op.rel not in rels:
                raise UnknownTermError("relationship", op.rel, rels, where=from_cls)
            prop = rels[op.rel]
            ranges = prop.ranges or (prop.range,)
            if to_cls not in ranges and not set(ontology.cls(to_cls).superclasses) & set(ranges):
                raise InvalidInputError(
                    f"{where}: {from_cls}.{op.rel} points to {', '.join(ranges)}, not {to_cls}"
                )
            _check_id(op.from_id, where)
            _check_id(op.to_id, where)
            resolved.append(
                {
                    "op": op.op,
                    "rel": prop.rel_type,
                    "from_iri": ontology.entity_iri(from_cls, op.from_id),
                    "to_iri": ontology.entity_iri(to_cls, op.to_id),
                    "from_cls": from_cls,
                    "to_cls": to_cls,
                }
            )
            continue
        cls = _entity_class(ontology, op.cls, where)
        _check_id(op.id, where)
        entry: dict[str, Any] = {
            "op": op.op,
            "cls": cls,
            "id": op.id,
            "iri": ontology.entity_iri(cls, op.id),
        }
        if isinstance(op, CreateEntity | UpdateEntity):
            entry["props"] = resolve_properties(ontology, cls, op.properties, where)
        if isinstance(op, UpdateEntity | DeleteEntity):
            entry["expected_version"] = op.expected_version
        resolved.append(entry)
    return resolved
