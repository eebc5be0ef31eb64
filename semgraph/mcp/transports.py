"""The MCP server's two doors: streamable HTTP at ``/mcp`` in the API, and stdio.

Over HTTP every request must carry the credentials ``/graphql`` takes (``X-API-Key`` or
``Authorization: Bearer``); one without them is answered 401 before the MCP session
sees it, and each tool call authenticates its own request's headers again. Over stdio
the process runs as the holder of one API key (``SEMGRAPH_MCP_API_KEY``), checked once
at start.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from fastapi import FastAPI
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from semgraph.api.graphql.auth import Authenticator, Caller
from semgraph.api.graphql.context import GraphQLServices
from semgraph.api.graphql.errors import AuthenticationError
from semgraph.mcp.gateway import GraphQLGateway
from semgraph.mcp.server import build_mcp_server

MCP_PATH = "/mcp"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


class Authenticated:
    """ASGI wrapper: 401 (a JSON-RPC error body) for requests without valid credentials."""

    def __init__(self, app: StreamableHTTPASGIApp, authenticator: Authenticator) -> None:
        self.app, self.authenticator = app, authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self.authenticator.caller(_headers(scope))
        except AuthenticationError as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            body = json.dumps(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": message}}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b"Bearer"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def mount_mcp(app: FastAPI, schema: strawberry.Schema, services: GraphQLServices) -> MCPServer:
    """Serve the MCP server at ``/mcp`` (stateless streamable HTTP, JSON responses), so
    any replica behind a load balancer answers any request."""
    authenticator = services.authenticator

    def caller_of(ctx: Context) -> Caller:
        return authenticator.caller({k.lower(): v for k, v in (ctx.headers or {}).items()})

    mcp = build_mcp_server(GraphQLGateway(schema, services), caller_of)
    # Every request is authenticated, so a page a browser was lured to cannot use it;
    # the SDK's Host check would also refuse the API's real host name behind a proxy.
    mcp.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    endpoint = Authenticated(StreamableHTTPASGIApp(mcp.session_manager), authenticator)
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
    return mcp


@asynccontextmanager
async def running_sessions(mcp: MCPServer) -> AsyncIterator[None]:
    """The session manager's task group, for the app's lifespan."""
    async with mcp.session_manager.run():
        yield


def stdio_server(schema: strawberry.Schema, services: GraphQLServices, api_key: str) -> MCPServer:
    """The MCP server for ``semgraph mcp``: every call runs as the holder of ``api_key``
    (AuthenticationError at once when it is unknown)."""
    caller = services.authenticator.caller({"x-api-key": api_key, "x-source-system": "MCP"})
    return build_mcp_server(GraphQLGateway(schema, services), lambda _ctx: caller)
