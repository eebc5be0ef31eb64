"""A GraphQL selection set → ONE Cypher statement (nested map projections, no N+1).

Every root entity field of an operation becomes one column of a single
``RETURN expr AS f0, expr AS f1`` statement. Nested relations compile to pattern
comprehensions or ``COLLECT { … }`` subqueries (when filtered, sorted or paged),
counts to ``COUNT { … }``, root aggregates to one aggregating ``COLLECT`` row. The
result is a tree of maps shaped like the response: child fields only read from it.

Aggregates under a node (``customer { contractsAggregate { … } }``) use no aggregating
function: Neo4j refuses one anywhere inside a projection that also reads the enclosing
node ("implicit grouping expressions"), even inside a nested ``COLLECT``; a ``CALL``
subquery only helps one level down. Their count is a ``COUNT { … }`` and their
statistics fold the field's values with ``reduce`` (``_folded_stats``), at any depth.

Map keys: scalars under their field name (aliases of a scalar share one value);
relation, connection and aggregate fields under their response key (alias), since
two aliases may carry different arguments. Masked fields are never read: the
projection holds ``null`` and ``maskedFields`` lists them.

Connections come back raw as ``{rows, total, offset, first}`` (``rows`` holds one
extra row to tell whether a next page exists); ``edges``/``pageInfo`` are built by
their resolvers. Cursors are opaque offset cursors (see ``encode_cursor``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from semgraph.exceptions import ForbiddenError, InvalidInputError, PageTooLargeError
from semgraph.graph.identifiers import ident
from semgraph.reads.filters import FilterCompiler, Params, relation_pattern
from semgraph.reads.model import EntityType
from semgraph.reads.selection import Field

CONNECTION_SUFFIX = "Connection"
AGGREGATE_SUFFIX = "Aggregate"


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; raises InvalidInputError for a foreign cursor."""
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        # ASCII digits only, and an offset Neo4j's 64-bit SKIP can take
        if kind == "offset" and number.isascii() and number.isdigit() and len(number) <= 15:
            return int(number)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII text; UnicodeDecodeError too
        pass
    raise InvalidInputError(f"`{cursor}` is not a cursor this API issued", hint="pass an endCursor")


@dataclass(frozen=True)
class PageLimits:
    default: int
    maximum: int


class CypherCompiler:
    """Compiles the root entity fields of one request for one caller."""

    def __init__(
        self,
        model: dict[str, EntityType],
        masked: Callable[[EntityType], frozenset[str]],
        pages: PageLimits,
    ) -> None:
        self.model, self.masked, self.pages = model, masked, pages
        self.params = Params()
        self.filters = FilterCompiler(model, self.params, masked)

    # --- root fields --------------------------------------------------------------------

    def by_id(self, entity: EntityType, field: Field) -> str:
        v = self.params.var()
        id_param = self.params.add(str(field.arguments.get("id")))
        return (
            f"head(COLLECT {{ MATCH ({v}:{label_expression(entity)} {{id: {id_param}}}) "
            f"RETURN {self.project(entity, v, field.selections)} AS x }})"
        )

    def connection(self, entity: EntityType, field: Field, anchor: str = "") -> str:
        """``{rows, total, offset, first}`` of a page; ``anchor`` is a relation pattern prefix."""
        args = field.arguments
        first = self._page_size(args.get("first"))
        offset = decode_cursor(args["after"]) + 1 if args.get("after") else 0
        v, match = self._match(entity, anchor)
        where = self.filters.where(entity, v, args.get("where"))
        order = self.filters.order_by(entity, v, args.get("sort"))
        sub = field.children()
        node_sel: list[Field] = []
        for edge in (f for f in sub.values() if f.name == "edges"):
            for node in (f for f in edge.selections if f.name == "node"):
                node_sel.extend(node.selections)
        o, lim = self.params.add(offset), self.params.add(first + 1)
        rows = (
            f"COLLECT {{ MATCH {match} WHERE {where} WITH {v} ORDER BY {order} "
            f"SKIP {o} LIMIT {lim} RETURN {self.project(entity, v, node_sel)} AS x }}"
            if any(f.name in ("edges", "pageInfo") for f in sub.values())
            else "[]"
        )
        total = "null"
        if any(f.name == "totalCount" for f in sub.values()):
            v2, match2 = self._match(entity, anchor)
            where2 = self.filters.where(entity, v2, args.get("where"))
            total = f"COUNT {{ MATCH {match2} WHERE {where2} }}"
        return f"{{rows: {rows}, total: {total}, offset: {o}, first: {self.params.add(first)}}}"

    def aggregate(self, entity: EntityType, field: Field, anchor: str = "") -> str:
        """``count`` and min/max/sum/avg of each selected field, as one map.

        At the root (no ``anchor``) one aggregating row; under a node (``anchor`` set)
        the same map without aggregating functions (see the module docstring). Keyed
        by field name (not alias): every statistic of a field is computed once.
        Raises ForbiddenError for a field masked for the caller.
        """
        nested = bool(anchor)
        v, match = self._match(entity, anchor)
        where = self.filters.where(entity, v, field.arguments.get("where"))
        items: list[str] = []
        for name in sorted({f.name for f in field.selections}):
            if name == "count":
                count = f"COUNT {{ MATCH {match} WHERE {where} }}" if nested else f"count({v})"
                items.append(f"count: {count}")
            elif name in entity.scalars:
                if name in self.masked(entity):
                    raise ForbiddenError(
                        f"cannot aggregate `{entity.name}.{name}`: it is masked for your role"
                    )
                prop = f"{v}.{ident(entity.scalars[name].key)}"
                temporal = entity.scalars[name].temporal
                if nested:
                    values = (
                        f"COLLECT {{ MATCH {match} WHERE ({where}) AND {prop} IS NOT NULL "
                        f"RETURN {prop} AS x }}"
                    )
                    stats = _folded_stats(values, temporal)
                elif temporal:
                    stats = f"{{min: toString(min({prop})), max: toString(max({prop}))}}"
                else:
                    stats = (
                        f"{{min: min({prop}), max: max({prop}), sum: sum({prop}), "
                        f"avg: avg({prop})}}"
                    )
                items.append(f"{ident(name)}: {stats}")
        body = "{" + ", ".join(items) + "}"
        if nested:
            return body
        return f"head(COLLECT {{ MATCH {match} WHERE {where} RETURN {body} AS x }})"

    # --- projections ----------------------------------------------------------------------

    def project(self, entity: EntityType, v: str, selections: list[Field]) -> str:
        """``v {.id, name: …, customer: …}`` for the selected fields of ``entity``."""
        masked = self.masked(entity)
        items: list[str] = []
        seen: set[str] = set()
        for key, field in ((f.key, f) for f in selections):
            name = field.name
            if name == "__typename":
                continue
            if name in entity.scalars or name == "iri":
                if name in seen:
                    continue
                seen.add(name)
                scalar = entity.scalars.get(name)
                if scalar is not None and name in masked:
                    items.append(f"{ident(name)}: null")
                elif scalar is not None and scalar.temporal:
                    items.append(f"{ident(name)}: toString({v}.{ident(scalar.key)})")
                elif scalar is not None and scalar.key != name:
                    items.append(f"{ident(name)}: {v}.{ident(scalar.key)}")
                else:
                    items.append(f".{ident(name)}")
            elif name == "maskedFields":
                items.append(f"maskedFields: {self.params.add(sorted(masked))}")
            elif name == "version":  # bulk-loaded entities have none yet: the pipeline's 0
                items.append(f"version: coalesce({v}.version, 0)")
            elif name in entity.relations:
                items.append(f"{ident(key)}: {self._relation(entity, v, field)}")
            elif (
                name.endswith(CONNECTION_SUFFIX)
                and name[: -len(CONNECTION_SUFFIX)] in entity.relations
            ):
                rel = entity.relations[name[: -len(CONNECTION_SUFFIX)]]
                anchor = relation_pattern(v, rel, "{target}")
                items.append(
                    f"{ident(key)}: {self.connection(self.model[rel.target], field, anchor)}"
                )
            elif (
                name.endswith(AGGREGATE_SUFFIX)
                and name[: -len(AGGREGATE_SUFFIX)] in entity.relations
            ):
                rel = entity.relations[name[: -len(AGGREGATE_SUFFIX)]]
                anchor = relation_pattern(v, rel, "{target}")
                items.append(
                    f"{ident(key)}: {self.aggregate(self.model[rel.target], field, anchor)}"
                )
        return f"{v} {{" + ", ".join(items) + "}"

    def _relation(self, entity: EntityType, v: str, field: Field) -> str:
        rel = entity.relations[field.name]
        target = self.model[rel.target]
        w = self.params.var()
        pattern = relation_pattern(v, rel, w)
        proj = self.project(target, w, field.selections)
        if not rel.many:
            return f"head([{pattern} | {proj}])"
        args = field.arguments
        limit = self.params.add(self._page_size(args.get("first"), nested=True))
        if not args.get("where") and not args.get("sort"):
            return f"[{pattern} | {proj}][..{limit}]"
        where = self.filters.where(target, w, args.get("where"))
        order = self.filters.order_by(target, w, args.get("sort"))
        return (
            f"COLLECT {{ MATCH {pattern} WHERE {where} WITH {w} ORDER BY {order} "
            f"LIMIT {limit} RETURN {proj} AS x }}"
        )

    def _match(self, entity: EntityType, anchor: str) -> tuple[str, str]:
        v = self.params.var()
        if anchor:
            return v, anchor.replace("{target}", v)
        return v, f"({v}:{label_expression(entity)})"

    def _page_size(self, first: Any, *, nested: bool = False) -> int:
        if first is None:
            return self.pages.maximum if nested else self.pages.default
        if not isinstance(first, int) or first < 0:
            raise InvalidInputError(f"`first` must be a non-negative integer, got {first!r}")
        if first > self.pages.maximum:
            raise PageTooLargeError(
                f"`first: {first}` is above the maximum page size of {self.pages.maximum}",
                hint=f"ask for at most {self.pages.maximum} items and page with `after`",
            )
        return first


def label_expression(entity: EntityType) -> str:
    """``Contract`` or, for a class with subclasses, ``Contract|WrittenContract``: a read
    of a class lists its subclasses' instances. A union of label scans (or of the per-label
    id index seeks) keeps the reads as fast as one label's; nodes keep just their own class
    label, so export and validation see exactly the imported ``rdf:type``s."""
    return "|".join(ident(label) for label in entity.labels)


def _folded_stats(values: str, temporal: bool) -> str:
    """min/max (and sum/avg unless ``temporal``) of the non-null list ``values``, folded
    with ``reduce``; the same results as min()/max()/sum()/avg() over those values
    (``sum`` 0 and the others ``null`` for no values)."""
    least = "reduce(m = null, x IN l | CASE WHEN m IS NULL OR x < m THEN x ELSE m END)"
    most = "reduce(m = null, x IN l | CASE WHEN m IS NULL OR x > m THEN x ELSE m END)"
    if temporal:
        stats = f"{{min: toString({least}), max: toString({most})}}"
    else:
        total = "reduce(s = 0, x IN l | s + x)"
        average = f"CASE size(l) WHEN 0 THEN null ELSE toFloat({total}) / size(l) END"
        stats = f"{{min: {least}, max: {most}, sum: {total}, avg: {average}}}"
    return f"[l IN [{values}] | {stats}][0]"  # binds the list once as `l`
