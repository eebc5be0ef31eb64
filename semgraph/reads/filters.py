"""``where`` and ``sort`` arguments → Cypher predicates and ORDER BY items.

Names come from the schema model (so from the ontology) and pass through ``ident``;
every value becomes a parameter. Filtering or sorting on a field the caller sees
masked is refused (it would leak the value), as are malformed dates and unknown codes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from semgraph.exceptions import ForbiddenError, InvalidFilterError, did_you_mean
from semgraph.graph.identifiers import ident
from semgraph.reads.model import EntityType, RelationField, ScalarField

_COMPARE = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TEXT = {"contains": "CONTAINS", "startsWith": "STARTS WITH", "endsWith": "ENDS WITH"}


class Params:
    """Collects query parameters under generated names (``$p0``, ``$p1`` …)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._vars = 0

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "$" + name

    def var(self) -> str:
        self._vars += 1
        return f"v{self._vars}"


def relation_pattern(var: str, rel: RelationField, target_var: str) -> str:
    """``(v)-[:`customer`]->(w:`Customer`)`` for an outgoing relation, reversed otherwise."""
    arrow_l, arrow_r = ("-", "->") if rel.outgoing else ("<-", "-")
    return f"({var}){arrow_l}[:{ident(rel.rel_type)}]{arrow_r}({target_var}:{ident(rel.target)})"


class FilterCompiler:
    """Compiles ``where`` maps for one request (one role, one parameter set)."""

    def __init__(
        self,
        model: dict[str, EntityType],
        params: Params,
        masked: Callable[[EntityType], frozenset[str]],
    ) -> None:
        self.model, self.params, self.masked = model, params, masked

    def where(self, entity: EntityType, var: str, where: dict[str, Any] | None) -> str:
        """A Cypher predicate (``"true"`` for an empty filter)."""
        if not where:
            return "true"
        parts: list[str] = []
        for key, value in where.items():
            if value is None:
                continue
            if key == "AND":
                parts.extend(f"({self.where(entity, var, w)})" for w in value)
            elif key == "OR":
                ors = [f"({self.where(entity, var, w)})" for w in value]
                parts.append("(" + (" OR ".join(ors) or "false") + ")")
            elif key == "NOT":
                parts.append(f"NOT ({self.where(entity, var, value)})")
            elif key == "iri":
                parts.extend(self._scalar(var, "iri", _IRI, value))
            elif key in entity.scalars:
                field = entity.scalars[key]
                if key in self.masked(entity):
                    raise ForbiddenError(
                        f"cannot filter on `{entity.name}.{key}`: it is masked for your role"
                    )
                parts.extend(self._scalar(var, field.key, field, value))
            elif key in entity.relations:
                parts.append(self._relation(var, entity.relations[key], value))
            else:
                names = [*entity.scalars, *entity.relations]
                raise InvalidFilterError(
                    f"unknown filter field `{key}` on {entity.name}",
                    hint=did_you_mean(key, names),
                )
        return " AND ".join(parts) or "true"

    def order_by(self, entity: EntityType, var: str, sort: list[dict[str, str]] | None) -> str:
        """ORDER BY items, always ending with ``id`` so pages are stable."""
        items: list[str] = []
        for entry in sort or []:
            for key, direction in entry.items():
                if direction is None:
                    continue
                if key not in entity.scalars:
                    raise InvalidFilterError(f"unknown sort field `{key}` on {entity.name}")
                if key in self.masked(entity):
                    raise ForbiddenError(f"cannot sort on `{entity.name}.{key}`: masked for you")
                column = f"{var}.{ident(entity.scalars[key].key)}"
                items.append(f"{column} {'DESC' if direction == 'DESC' else 'ASC'}")
        if not any(i.startswith(f"{var}.`id` ") for i in items):
            items.append(f"{var}.`id` ASC")
        return ", ".join(items)

    def _scalar(self, var: str, key: str, field: ScalarField, ops: dict[str, Any]) -> list[str]:
        prop = f"{var}.{ident(key)}"
        out: list[str] = []
        for op, raw in ops.items():
            if raw is None:
                continue
            if op == "isNull":
                out.append(f"{prop} IS NULL" if raw else f"{prop} IS NOT NULL")
            elif op in ("in", "notIn"):
                values = [self._value(field, key, v) for v in raw]
                expr = f"{prop} IN {self.params.add(values)}"
                out.append(expr if op == "in" else f"NOT {expr}")
            elif op in _COMPARE:
                out.append(f"{prop} {_COMPARE[op]} {self.params.add(self._value(field, key, raw))}")
            elif op in _TEXT:
                out.append(f"{prop} {_TEXT[op]} {self.params.add(str(raw))}")
            else:
                raise InvalidFilterError(f"unknown operator `{op}` on `{key}`")
        return out

    def _value(self, field: ScalarField, key: str, raw: Any) -> Any:
        if field.gql == "Date":
            try:
                return date.fromisoformat(str(raw))
            except ValueError:
                raise InvalidFilterError(
                    f"`{raw}` is not a date for `{key}`", hint="use YYYY-MM-DD"
                ) from None
        if field.gql == "DateTime":
            try:
                parsed = datetime.fromisoformat(str(raw))
            except ValueError:
                raise InvalidFilterError(
                    f"`{raw}` is not a date-time for `{key}`",
                    hint="use ISO 8601, e.g. 2025-01-31T12:00:00Z",
                ) from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if field.allowed_values and str(raw) not in field.allowed_values:
            raise InvalidFilterError(
                f"`{raw}` is not a valid code for `{key}`",
                hint=did_you_mean(str(raw), field.allowed_values)
                or "valid codes: " + ", ".join(field.allowed_values),
            )
        return raw

    def _relation(self, var: str, rel: RelationField, value: dict[str, Any]) -> str:
        target = self.model[rel.target]
        inner = self.params.var()
        pattern = relation_pattern(var, rel, inner)
        if not rel.many:
            return f"EXISTS {{ MATCH {pattern} WHERE {self.where(target, inner, value)} }}"
        parts: list[str] = []
        for quantifier, sub in value.items():
            if sub is None:
                continue
            cond = self.where(target, inner, sub)
            if quantifier == "some":
                parts.append(f"EXISTS {{ MATCH {pattern} WHERE {cond} }}")
            elif quantifier == "none":
                parts.append(f"NOT EXISTS {{ MATCH {pattern} WHERE {cond} }}")
            elif quantifier == "all":
                parts.append(f"NOT EXISTS {{ MATCH {pattern} WHERE NOT ({cond}) }}")
        return " AND ".join(parts) or "true"


_IRI = ScalarField("iri", "String", "IRI", False, (), None)
