"""Runs GraphQL operations in-process for one caller: the MCP tools' only way in.

The tools do not read Neo4j or the RAG index themselves; they execute the schema that
``/graphql`` serves with a ``RequestContext`` for the caller, so an agent sees exactly
what that caller would see over GraphQL (masking, write rights, error codes).
"""

from __future__ import annotations

from typing import Any

import strawberry
from mcp.server.mcpserver.exceptions import ToolError as McpToolError

from semgraph.api.graphql.auth import Caller
from semgraph.api.graphql.context import GraphQLServices, RequestContext


class ToolError(McpToolError):
    """An error the agent should read (the SDK sends its text as the tool's error result):
    message, code and hint in one line."""

    def __init__(self, message: str, code: str | None = None, hint: str | None = None) -> None:
        text = f"{code}: {message}" if code else message
        super().__init__(text + (f" ({hint})" if hint else ""))
        self.code, self.hint = code, hint


class GraphQLGateway:
    """``execute(document, variables, caller)`` → ``data``, or ``ToolError``."""

    def __init__(self, schema: strawberry.Schema, services: GraphQLServices) -> None:
        self.schema, self.services = schema, services

    async def execute(
        self, document: str, variables: dict[str, Any], caller: Caller
    ) -> dict[str, Any]:
        result = await self.schema.execute(
            document,
            variable_values=variables,
            context_value=RequestContext(self.services, caller),
        )
        if result.errors:
            first = result.errors[0]
            ext = first.extensions or {}
            raise ToolError(first.message, ext.get("code"), ext.get("hint"))
        return dict(result.data or {})
