"""Runs the read side: one Cypher statement per request, shared by its root fields.

The first root entity field that resolves compiles EVERY root entity field of the
operation (``CypherCompiler``) into one ``RETURN … AS c0, … AS c1`` statement and runs
it once; the other root fields await the same result. A field whose compilation fails
(a bad filter value) is left out and gets its own error; the others still answer.
Neo4j errors become typed errors: ``Neo4jUnavailableError`` (503 + retry advice) and
``QueryTimeoutError``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.types import Info

from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.errors import AuthenticationError
from semgraph.api.graphql.selection import Field, fields_of
from semgraph.exceptions import SemgraphError
from semgraph.reads.compiler import CypherCompiler, PageLimits
from semgraph.reads.reader import GraphReader

__all__ = ["GraphReader", "ReadBatch"]


class ReadBatch:
    """The one read statement of a request, compiled and started on first use.

    Started either by the first root resolver (``column``) or, before execution, by
    ``direct_reads`` (``start``); either way the statement runs once and every root
    field reads its column from the same task.
    """

    def __init__(self) -> None:
        self._task: asyncio.Future[dict[str, Any]] | None = None
        self.last_query: str = ""

    def start(self, ctx: RequestContext, roots: list[Field]) -> asyncio.Future[dict[str, Any]]:
        """Compile the root entity fields among ``roots`` and run them (once)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._run(ctx, roots))
        return self._task

    async def column(self, info: Info) -> Any:
        """This root field's part of the shared result."""
        if self._task is None:
            raw = info._raw_info
            self.start(info.context, fields_of(raw, raw.operation.selection_set.selections))
        assert self._task is not None
        results = await self._task
        value = results[str(info.path.key)]
        if isinstance(value, SemgraphError):
            raise value  # this field's own bad input; the other root fields still answer
        return value

    async def _run(self, ctx: RequestContext, roots: list[Field]) -> dict[str, Any]:
        services, caller = ctx.services, ctx.caller
        if caller is None:
            raise AuthenticationError("credentials required")
        compiler = CypherCompiler(
            services.model,
            lambda entity: services.masked(entity, caller),
            PageLimits(services.settings.default_page_size, services.settings.max_page_size),
        )
        columns: list[str] = []
        keys: dict[str, str] = {}
        refused: dict[str, Any] = {}  # response key → the error its compilation raised
        for field in roots:
            key = field.key
            kind_entity = services.roots.get(field.name)
            if kind_entity is None:
                continue
            kind, entity = kind_entity
            try:
                if kind == "by_id":
                    expr = compiler.by_id(entity, field)
                elif kind == "connection":
                    expr = compiler.connection(entity, field)
                else:
                    expr = compiler.aggregate(entity, field)
            except SemgraphError as exc:  # a bad filter, page size, masked sort key
                refused[key] = exc
                continue
            column = f"c{len(columns)}"
            columns.append(f"{expr} AS {column}")
            keys[column] = key
        if not columns:
            return refused
        self.last_query = "RETURN " + ",\n       ".join(columns)
        row = await services.reader.single_row(self.last_query, compiler.params.values)
        return {**refused, **{keys[c]: v for c, v in row.items()}}
