"""Strawberry types generated from the ontology at start (no hand-written copy).

For every concrete class ``C`` (see ``semgraph.reads.model`` for field naming): object type
``C``, inputs ``CWhere``/``CSort``/``CListWhere``, ``CEdge``, ``CConnection`` (Relay,
with ``totalCount``) and ``CAggregate``; root fields ``c(id)``, ``cs(where, sort,
first, after)`` and ``csAggregate(where)``. Child fields only read the nested map the
one Cypher statement returned (``reads``); nothing here touches Neo4j.
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.types import Info

from semgraph.api.graphql.page_types import (
    Date,
    DateTime,
    NumberStats,
    PageInfo,
    SortDirection,
    TemporalStats,
    edges,
    page_info,
    total_count,
)
from semgraph.exceptions import NotFoundError
from semgraph.reads.model import EntityType, GqlScalar

_PY: dict[GqlScalar, str] = {
    "ID": "strawberry.ID",
    "String": "str",
    "Float": "float",
    "Int": "int",
    "Boolean": "bool",
    "Date": "Date",
    "DateTime": "DateTime",
}
_FILTER: dict[GqlScalar, str] = {
    "ID": "StringFilter",
    "String": "StringFilter",
    "Float": "FloatFilter",
    "Int": "IntFilter",
    "Boolean": "BooleanFilter",
    "Date": "DateFilter",
    "DateTime": "DateTimeFilter",
}
_OPS = {
    "StringFilter": ("str", ["eq", "ne", "in", "notIn", "contains", "startsWith", "endsWith"]),
    "FloatFilter": ("float", ["eq", "ne", "in", "notIn", "gt", "gte", "lt", "lte"]),
    "IntFilter": ("int", ["eq", "ne", "in", "notIn", "gt", "gte", "lt", "lte"]),
    "BooleanFilter": ("bool", ["eq", "ne"]),
    "DateFilter": ("Date", ["eq", "ne", "in", "notIn", "gt", "gte", "lt", "lte"]),
    "DateTimeFilter": ("DateTime", ["eq", "ne", "in", "notIn", "gt", "gte", "lt", "lte"]),
}

RootResolver = Callable[[Info, str, EntityType], Any]


class SchemaBuilder:
    """Builds the generated types into a private module namespace (for forward refs)."""

    def __init__(self, model: dict[str, EntityType]) -> None:
        self.model = model
        # (object type, field) → the resolver behind it, for ``direct_reads``; fields
        # not listed read ``source[name]`` (the default resolver)
        self.field_resolvers: dict[tuple[str, str], Callable[..., Any]] = {}
        self.module = types.ModuleType(f"semgraph_graphql_generated_{id(self)}")
        sys.modules[self.module.__name__] = self.module
        self.ns: dict[str, Any] = self.module.__dict__
        self.ns.update(
            strawberry=strawberry,
            typing=typing,
            Optional=typing.Optional,
            List=list,
            Date=Date,
            DateTime=DateTime,
            SortDirection=SortDirection,
            PageInfo=PageInfo,
            NumberStats=NumberStats,
            TemporalStats=TemporalStats,
        )

    # --- helpers ------------------------------------------------------------------------

    def _make(
        self,
        name: str,
        attrs: dict[str, tuple[str | None, Any]],
        *,
        description: str,
        kind: str = "type",
    ) -> Any:
        annotations = {k: a for k, (a, _) in attrs.items() if a is not None}
        body: dict[str, Any] = {k: v for k, (_, v) in attrs.items() if v is not None}
        cls = type(
            name, (), {"__annotations__": annotations, "__module__": self.module.__name__, **body}
        )
        deco = strawberry.input if kind == "input" else strawberry.type
        built = deco(cls, name=name, description=description)
        self.ns[name] = built
        return built

    def _resolver(
        self,
        fn: Callable[..., Any],
        ret: str,
        args: dict[str, str],
        *,
        required: tuple[str, ...] = (),
    ) -> Callable[..., Any]:
        resolve: Callable[..., Any]
        if inspect.iscoroutinefunction(fn):

            async def resolve_async(*a: Any, **kw: Any) -> Any:
                return await fn(kw.pop("root", a[0] if a else None), kw.pop("info"), kw)

            resolve = resolve_async
        else:

            def resolve_sync(*a: Any, **kw: Any) -> Any:
                return fn(kw.pop("root", a[0] if a else None), kw.pop("info"), kw)

            resolve = resolve_sync

        params = [
            inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=Info),
        ]
        for arg, annotation in args.items():
            default = inspect.Parameter.empty if arg in required else None
            params.append(
                inspect.Parameter(
                    arg, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
                )
            )
        resolve.__signature__ = inspect.Signature(params, return_annotation=ret)  # type: ignore[union-attr]
        resolve.__annotations__ = {**args, "info": Info, "return": ret}
        resolve.__module__ = self.module.__name__
        return resolve

    # --- shared inputs ------------------------------------------------------------------

    def _filters(self) -> None:
        for name, (py, ops) in _OPS.items():
            attrs: dict[str, tuple[str | None, Any]] = {}
            for op in ops:
                ann = f"Optional[List[{py}]]" if op in ("in", "notIn") else f"Optional[{py}]"
                attrs[f"op_{op}"] = (ann, strawberry.field(name=op, default=None))
            attrs["op_isNull"] = ("Optional[bool]", strawberry.field(name="isNull", default=None))
            self._make(
                name, attrs, description=f"Conditions on one field ({name[:-6]}).", kind="input"
            )

    # --- per entity -----------------------------------------------------------------------

    def build(self, root_resolver: RootResolver) -> tuple[type, dict[str, tuple[str, EntityType]]]:
        """The generated Query mixin class and the root field table for the reader."""
        self._filters()
        for entity in self.model.values():
            self._inputs(entity)
        for entity in self.model.values():
            self._object(entity)
        roots: dict[str, tuple[str, EntityType]] = {}
        attrs: dict[str, tuple[str | None, Any]] = {}
        for e in self.model.values():
            page_args = {
                "where": f"Optional[{e.name}Where]",
                "sort": f"Optional[List[{e.name}Sort]]",
                "first": "Optional[int]",
                "after": "Optional[str]",
            }
            for field_name, kind, ret, args, desc in (
                (
                    e.single_name,
                    "by_id",
                    f"Optional[{e.name}]",
                    {"id": "strawberry.ID"},
                    f"One {e.name} by id (error NOT_FOUND when there is none).",
                ),
                (
                    e.plural_name,
                    "connection",
                    f"Optional[{e.name}Connection]",  # an error nulls this field only
                    page_args,
                    f"A page of {e.name} entities.",
                ),
                (
                    e.plural_name + "Aggregate",
                    "aggregate",
                    f"Optional[{e.name}Aggregate]",
                    {"where": f"Optional[{e.name}Where]"},
                    f"Count and statistics of {e.name} entities.",
                ),
            ):
                roots[field_name] = (kind, e)
                fn = _root(root_resolver, kind, e)
                attrs["root_" + field_name] = (
                    None,
                    strawberry.field(
                        resolver=self._resolver(fn, ret, args, required=("id",)),
                        name=field_name,
                        description=desc,
                    ),
                )
        query = self._make("GeneratedQuery", attrs, description="Entity reads.")
        return query, roots

    def _inputs(self, e: EntityType) -> None:
        where: dict[str, tuple[str | None, Any]] = {
            "AND": (f"Optional[List[{e.name}Where]]", strawberry.field(name="AND", default=None)),
            "OR": (f"Optional[List[{e.name}Where]]", strawberry.field(name="OR", default=None)),
            "NOT": (f"Optional[{e.name}Where]", strawberry.field(name="NOT", default=None)),
            "iri": ("Optional[StringFilter]", strawberry.field(name="iri", default=None)),
        }
        sort: dict[str, tuple[str | None, Any]] = {}
        for s in e.scalars.values():
            where["f_" + s.name] = (
                f"Optional[{_FILTER[s.gql]}]",
                strawberry.field(name=s.name, default=None),
            )
            sort["f_" + s.name] = (
                "Optional[SortDirection]",
                strawberry.field(name=s.name, default=None),
            )
        for r in e.relations.values():
            target = self.model[r.target].name
            ann = f"Optional[{target}ListWhere]" if r.many else f"Optional[{target}Where]"
            where["r_" + r.name] = (ann, strawberry.field(name=r.name, default=None))
        self._make(
            f"{e.name}Where",
            where,
            description=f"Filter on {e.name}; fields are ANDed.",
            kind="input",
        )
        self._make(
            f"{e.name}Sort",
            sort,
            description=f"Sort {e.name} by one field per entry.",
            kind="input",
        )
        self._make(
            f"{e.name}ListWhere",
            {
                q: (f"Optional[{e.name}Where]", strawberry.field(name=q, default=None))
                for q in ("some", "none", "all")
            },
            description=f"Conditions on a list of related {e.name} entities.",
            kind="input",
        )

    def _object(self, e: EntityType) -> None:
        attrs: dict[str, tuple[str | None, Any]] = {
            "iri": ("str", strawberry.field(description="The entity's IRI.")),
            "version": (
                "int",
                strawberry.field(
                    description="Changes committed to this entity so far; send it as a "
                    "change's `expectedVersion` to refuse the change if someone else came first."
                ),
            ),
            "maskedFields": (
                "List[str]",
                strawberry.field(
                    description="Names of the fields masked (null) for the caller's role."
                ),
            ),
        }
        for s in e.scalars.values():
            ann = "strawberry.ID" if s.name == "id" else f"Optional[{_PY[s.gql]}]"
            desc = s.description + (
                " (sensitive: null unless your role may see it)" if s.sensitive else ""
            )
            attrs[s.name] = (ann, strawberry.field(name=s.name, description=desc))
        for r in e.relations.values():
            target = self.model[r.target].name
            page_args = {
                "where": f"Optional[{target}Where]",
                "sort": f"Optional[List[{target}Sort]]",
                "first": "Optional[int]",
            }
            self.field_resolvers[e.name, r.name] = _by_key
            if not r.many:
                attrs[r.name] = (
                    None,
                    strawberry.field(
                        resolver=self._resolver(_by_key, f"Optional[{target}]", {}),
                        name=r.name,
                        description=r.description,
                    ),
                )
                continue
            attrs[r.name] = (
                None,
                strawberry.field(
                    resolver=self._resolver(_by_key, f"List[{target}]", page_args),
                    name=r.name,
                    description=r.description,
                ),
            )
            self.field_resolvers[e.name, r.name + "Connection"] = _by_key
            self.field_resolvers[e.name, r.name + "Aggregate"] = _by_key
            attrs[r.name + "Connection"] = (
                None,
                strawberry.field(
                    resolver=self._resolver(
                        _by_key, f"{target}Connection", {**page_args, "after": "Optional[str]"}
                    ),
                    name=r.name + "Connection",
                    description=f"{r.description} (paged)",
                ),
            )
            attrs[r.name + "Aggregate"] = (
                None,
                strawberry.field(
                    resolver=self._resolver(
                        _by_key, f"{target}Aggregate", {"where": f"Optional[{target}Where]"}
                    ),
                    name=r.name + "Aggregate",
                    description=f"{r.description} (statistics)",
                ),
            )
        self._make(e.name, attrs, description=e.description)
        self._make(
            f"{e.name}Edge",
            {"cursor": ("str", None), "node": (e.name, None)},
            description=f"A {e.name} in a page.",
        )
        for name, fn in (("edges", edges), ("pageInfo", page_info), ("totalCount", total_count)):
            self.field_resolvers[f"{e.name}Connection", name] = fn
        self._make(
            f"{e.name}Connection",
            {
                "edges": (
                    None,
                    strawberry.field(
                        resolver=self._resolver(edges, f"List[{e.name}Edge]", {}), name="edges"
                    ),
                ),
                "pageInfo": (
                    None,
                    strawberry.field(
                        resolver=self._resolver(page_info, "PageInfo", {}), name="pageInfo"
                    ),
                ),
                "totalCount": (
                    None,
                    strawberry.field(
                        resolver=self._resolver(total_count, "int", {}), name="totalCount"
                    ),
                ),
            },
            description=f"A page of {e.name} entities (Relay connection).",
        )
        agg: dict[str, tuple[str | None, Any]] = {"count": ("int", None)}
        for s in e.scalars.values():
            if s.numeric:
                agg[s.name] = ("Optional[NumberStats]", None)
            elif s.temporal:
                agg[s.name] = ("Optional[TemporalStats]", None)
        self._make(
            f"{e.name}Aggregate",
            {k: (a, strawberry.field(name=k, default=None)) for k, (a, _) in agg.items()},
            description=f"Statistics over {e.name} entities.",
        )


def _root(resolve: RootResolver, kind: str, entity: EntityType) -> Callable[..., Any]:
    async def root_field(_root: Any, info: Info, _args: dict[str, Any]) -> Any:
        value = await resolve(info, kind, entity)
        if kind == "by_id" and value is None:
            raise NotFoundError(
                f"no {entity.name} with id `{_args.get('id')}`",
                hint=f"list ids with `{entity.plural_name}(first: 10) {{ edges {{ node {{ id }} }} }}`",  # noqa: E501
            )
        return value

    return root_field


def _by_key(root: dict[str, Any], info: Info, _args: dict[str, Any]) -> Any:
    return root[str(info.path.key)]


def by_response_key(fn: Callable[..., Any]) -> bool:
    """Whether a resolver from ``field_resolvers`` reads its value under the response key."""
    return fn is _by_key
