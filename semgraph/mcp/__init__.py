"""The MCP server: semgraph's graph, grounded context and change proposals as tools for
local AI agents, over stdio (``semgraph mcp``) and streamable HTTP (``/mcp`` in the API).

Every tool runs as the caller (API key or JWT, as ``/graphql``), through the same GraphQL
operations, so masking, write rights and errors are the ones GraphQL clients get.
"""
