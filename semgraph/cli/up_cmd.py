"""``semgraph up``: the main job — Neo4j, ontology, shapes, demo data, and the API."""

from __future__ import annotations

import typer
import uvicorn

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.browser_style import grass
from semgraph.cli.common import out
from semgraph.config import get_settings
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.server import STYLE_FILE
from semgraph.ontology.graph_loader import default_files, load_ontology
from semgraph.ontology.schema import ensure_schema


def prepare(c: Container) -> ManagedServer | None:
    """Start (or reuse) the managed server and load the ontology and its schema."""
    server = None
    if c.settings.managed:
        server = ManagedServer(c.settings, browser_files={STYLE_FILE: grass(c.ontology)})
        with out.status("Starting Neo4j (the first start downloads it from Maven Central)…"):
            server.start()
    paths = default_files(c.settings.ontology_dir)
    report = load_ontology(c.driver, paths, c.settings.neo4j_database)
    ensure_schema(c.driver, c.ontology, c.settings.neo4j_database)
    out.print(f"ontology: {report.classes} classes, {report.mappings} field mappings")
    return server


def up(
    entities: int = typer.Option(
        5000, help="Demo entities to generate when the database holds no business data."
    ),
    seed: int = typer.Option(42, help="Seed of the demo data."),
    serve: bool = typer.Option(True, help="Serve the API after set-up."),
) -> None:
    """Start Neo4j, load ontology, shapes and demo data, and serve the API on :8000."""
    settings = get_settings()
    c = Container(settings)
    server = prepare(c)
    out.print()
    out.print(f"[bold]Neo4j Browser[/]  {settings.browser_url}")
    out.print(f"  connect to    {settings.bolt_uri}")
    if server is not None:
        out.print(f"  login         neo4j / {server.password()}")
    out.print(f"[bold]GraphQL[/]        http://localhost:{settings.api_port}/graphql")
    out.print(f"[bold]Health[/]         http://localhost:{settings.api_port}/readyz")
    if serve:
        app = create_app(settings, c)
        uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="info")
