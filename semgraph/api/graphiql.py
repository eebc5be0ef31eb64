"""GraphiQL served from the app itself: no CDN, so it works offline.

The assets (GraphiQL 3.8.3, React 18.2.0 UMD builds from npm, with their MIT licences)
live in ``semgraph/api/static/graphiql`` and are served at ``/static/graphiql``. The page
opens with a ready-to-run example query, and in dev mode with the Headers tab holding
``ide_api_key`` (``semgraph up`` sets the generated local admin's key) for requests from
this machine only: another host gets an empty Headers tab.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from semgraph.api.graphql.subscriptions import AuthenticatingRouter

ASSETS = Path(__file__).parent / "static" / "graphiql"
ASSETS_URL = "/static/graphiql"

EXAMPLE_QUERY = """\
# Ctrl+Enter (or ▶) runs this query.
# Your API key is in the Headers tab below:
#   {"X-API-Key": "<key>"}
# More examples: docs/graphql.md
query Customers {
  customers(first: 5) {
    totalCount
    edges {
      node {
        id
        name
        segment
        contracts(first: 3) { id status totalValue }
      }
    }
  }
}
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>semgraph · GraphiQL</title>
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
  <script id="semgraph-ide" type="application/json">{config}</script>
  <script>
    const config = JSON.parse(document.getElementById("semgraph-ide").textContent);
    const url = new URL(location.pathname, location.href).href;
    const fetcher = GraphiQL.createFetcher({{
      url: url,
      subscriptionUrl: url.replace(/^http/, "ws"),
    }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher: fetcher,
        defaultQuery: config.query,
        defaultHeaders: config.headers,
        defaultEditorToolsVisibility: "headers",
        shouldPersistHeaders: false,
      }})
    );
  </script>
</body>
</html>
"""

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def graphiql_page(api_key: str | None) -> str:
    """The GraphiQL page; ``api_key`` pre-fills the Headers tab."""
    headers = json.dumps({"X-API-Key": api_key}, indent=2) if api_key else ""
    config = json.dumps({"query": EXAMPLE_QUERY, "headers": headers})
    # JSON inside <script>: only "</" could end the element early.
    return _PAGE.format(assets=html.escape(ASSETS_URL), config=config.replace("</", "<\\/"))


def mount_graphiql_assets(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="graphiql-assets")


class GraphiQLRouter(AuthenticatingRouter):
    """The GraphQL router whose IDE is the bundled GraphiQL page."""

    ide_api_key: str | None = None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        local = request.client is not None and request.client.host in _LOOPBACK
        return HTMLResponse(graphiql_page(self.ide_api_key if local else None))
