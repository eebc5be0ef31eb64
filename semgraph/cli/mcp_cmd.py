"""``semgraph mcp``: the MCP server over stdio, for a local AI agent that starts it."""

from __future__ import annotations

import os

import typer

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.cli.up_cmd import api_settings_for
from semgraph.config import get_settings
from semgraph.exceptions import ConfigurationError
from semgraph.mcp.transports import stdio_server


def mcp(
    api_key_env: str = typer.Option(
        "SEMGRAPH_MCP_API_KEY", help="Environment variable holding the API key to act as."
    ),
) -> None:
    """Serve the MCP tools over stdio, as the holder of one API key.

    The key comes from $SEMGRAPH_MCP_API_KEY; without it, the local admin key that
    `semgraph up` generated (when no keys are configured). Nothing but MCP goes to stdout.
    """
    settings = get_settings()
    container = Container(settings)
    api, local_key = api_settings_for(container)
    key = os.environ.get(api_key_env) or local_key
    if not key:
        raise ConfigurationError(
            f"no API key: ${api_key_env} is unset",
            hint=f"set {api_key_env} to a key of SEMGRAPH_API_KEYS",
        )
    app = create_app(settings, container, api)
    try:
        stdio_server(app.state.graphql_schema, app.state.graphql, key).run("stdio")
    finally:
        container.close()
