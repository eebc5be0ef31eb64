"""Mount ``/graphql`` (strawberry on FastAPI) into the app built by ``create_app``.

``mount_graphql(app, container)`` generates the schema from the ontology, opens the
async read driver (same pool size as the rest of semgraph), and wires authentication,
limits and error codes. GraphiQL (bundled, ``semgraph.api.graphiql``) is served only when
``SEMGRAPH_API_DEV_MODE`` is set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any, cast

import neo4j
import strawberry
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from graphql import GraphQLError
from starlette.requests import HTTPConnection
from strawberry.extensions import AddValidationRules, DisableIntrospection, MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from semgraph.api.graphql.auth import Authenticator
from semgraph.api.graphql.context import GraphQLServices, RequestContext
from semgraph.api.graphql.direct_reads import DirectReads
from semgraph.api.graphql.document_cache import DocumentCache, DocumentStore, limit_rules
from semgraph.api.graphql.errors import AuthenticationError, ErrorCodes, add_code, log_errors
from semgraph.api.graphql.page_types import SCALARS
from semgraph.api.graphql.reads import GraphReader, ReadBatch
from semgraph.api.graphql.request_body import BadRequestError, BadTextError, bad_request
from semgraph.api.graphql.request_metrics import RequestMetrics
from semgraph.api.graphql.schema_builder import SchemaBuilder
from semgraph.api.graphql.settings import ApiSettings
from semgraph.api.graphql.workers import Workers
from semgraph.bootstrap import Container
from semgraph.graph.connection import credentials
from semgraph.reads.model import EntityType, build_model


def _read_field(source: Any, name: str) -> Any:
    """Default resolver: generated types are plain dicts from the Cypher result."""
    if isinstance(source, dict):
        return source.get(name)
    return getattr(source, name)


async def _resolve_root(info: Info, kind: str, entity: EntityType) -> Any:
    ctx: RequestContext = info.context
    if ctx.batch is None:
        ctx.batch = ReadBatch()
    return await ctx.batch.column(info)


class _Schema(strawberry.Schema):
    """Logs client errors at INFO on one line, server errors at ERROR (``log_errors``)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Subscriptions (WebSocket) with the same error codes and masking as HTTP."""
        return _coded(await super().stream(*args, **kwargs))


async def _coded(results: AsyncIterator[Any]) -> AsyncIterator[Any]:
    try:
        async for result in results:
            for error in getattr(result, "errors", None) or []:
                add_code(error)
            yield result
    finally:
        await cast(Any, results).aclose()


@lru_cache(maxsize=1)
def static_names() -> frozenset[str]:
    """The type names and root fields of the hand-written operations, which a generated
    type must not take (the W3C ORG ontology has an ``org:ChangeEvent``)."""
    from semgraph.api.graphql.operations import Mutation, StaticQuery, Subscription

    static = strawberry.Schema(
        query=StaticQuery,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    graphql = static._schema
    fields = set(graphql.query_type.fields) if graphql.query_type is not None else set()
    return frozenset({*graphql.type_map, *fields, "Query", "Date", "DateTime"})


def build_schema(services: GraphQLServices) -> strawberry.Schema:
    """The full schema: generated entity reads plus the hand-written operations."""
    from semgraph.api.graphql.operations import Mutation, StaticQuery, Subscription

    builder = SchemaBuilder(services.model)
    generated, roots = builder.build(_resolve_root)
    services.roots.update(roots)
    services.field_resolvers.update(builder.field_resolvers)
    query = strawberry.type(type("Query", (StaticQuery, generated), {}), name="Query")
    s = services.settings
    store, limits = DocumentStore(maxsize=512), limit_rules(s.max_depth, s.max_aliases)
    extensions: list[Any] = [
        RequestMetrics,
        ErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=s.max_tokens),
        lambda: AddValidationRules(list(limits)),
        lambda: DocumentCache(store),
    ]
    if s.direct_reads:
        extensions.append(DirectReads)
    if not s.introspection:
        extensions.append(DisableIntrospection)
    return _Schema(
        query=query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(default_resolver=_read_field, scalar_map=SCALARS),
    )


def mount_graphql(app: FastAPI, container: Container, settings: ApiSettings | None = None) -> None:
    """Add ``/graphql`` (HTTP and ``graphql-transport-ws``) to ``app``."""
    api = settings or ApiSettings()
    core = container.settings

    def open_async_driver() -> neo4j.AsyncDriver:
        return neo4j.AsyncGraphDatabase.driver(
            core.bolt_uri,
            auth=credentials(core),
            max_connection_pool_size=core.neo4j_pool_size,
            connection_acquisition_timeout=api.timeout_s,
            connection_timeout=3.0,
            notifications_min_severity="OFF",
        )

    services = GraphQLServices(
        container=container,
        settings=api,
        model=build_model(container.ontology, static_names()),
        reader=GraphReader(open_async_driver, core.neo4j_database, api.timeout_s),
        authenticator=Authenticator(api, container.ontology.role_keys()),
        workers=Workers(core.bolt_uri, reads=api.read_workers, writes=api.write_workers),
    )
    schema = build_schema(services)

    async def context_getter(connection: HTTPConnection) -> RequestContext:
        headers = {k.lower(): v for k, v in connection.headers.items()}
        if connection.scope["type"] == "websocket":
            return RequestContext(services, None)  # authenticated on connection_init
        if (
            api.dev_mode
            and connection.scope.get("method") == "GET"
            and ("text/html" in headers.get("accept", ""))
        ):
            # Only the GraphiQL page itself (a GET that renders no data); its queries, and
            # every POST whatever its Accept header, authenticate.
            return RequestContext(services, None)
        return RequestContext(services, services.authenticator.caller(headers))

    from semgraph.api.graphiql import GraphiQLRouter, mount_graphiql_assets

    router = GraphiQLRouter(
        schema,
        context_getter=context_getter,
        graphql_ide="graphiql" if api.dev_mode else None,
        subscription_protocols=["graphql-transport-ws"],
    )
    router.max_query_bytes, router.max_variable_depth = api.max_query_bytes, api.max_variable_depth
    if api.dev_mode:
        router.ide_api_key = api.ide_api_key.get_secret_value() if api.ide_api_key else None
        mount_graphiql_assets(app)
    app.include_router(router, prefix="/graphql")
    app.state.graphql = services
    app.state.graphql_schema = schema  # the MCP tools execute it in-process
    app.add_exception_handler(BadRequestError, bad_request)
    app.add_exception_handler(BadTextError, bad_request)

    @app.exception_handler(AuthenticationError)
    async def unauthenticated(_request: Request, exc: AuthenticationError) -> JSONResponse:
        error: dict[str, Any] = {"message": exc.message, "extensions": {"code": exc.code}}
        if exc.hint:
            error["extensions"]["hint"] = exc.hint
        return JSONResponse(
            {"data": None, "errors": [error]},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
