"""``semgraph up``: the main job — Neo4j, ontology, shapes, demo data, and the API."""

from __future__ import annotations

import os
import secrets

import typer
import uvicorn
from pydantic import SecretStr

from semgraph.api.app import create_app
from semgraph.api.graphql.settings import ApiKeyHolder, ApiSettings
from semgraph.bootstrap import Container
from semgraph.browser_style import grass
from semgraph.cli.common import out
from semgraph.config import get_settings
from semgraph.demo import load_demo
from semgraph.demo.loader import count_business_entities
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.distribution import FIRST_START
from semgraph.neo4j_server.server import STYLE_FILE
from semgraph.ontology.graph_loader import load_ontology


def prepare(c: Container) -> ManagedServer | None:
    """Start (or reuse) the managed server; load the ontology, schema and shapes."""
    server = None
    if c.settings.managed:
        server = ManagedServer(c.settings, browser_files={STYLE_FILE: grass(c.ontology)})
        with out.status(FIRST_START):
            server.start()
    report = load_ontology(c.driver, c.settings.ontology_paths(), c.settings.neo4j_database)
    c.ensure_schema()
    rules = c.publish_rules()
    out.print(
        f"ontology: {report.classes} classes, {report.mappings} field mappings; "
        f"{rules} rules in force"
    )
    return server


def api_settings_for(c: Container) -> tuple[ApiSettings, str | None]:
    """API settings from SEMGRAPH_API_*; without any credentials configured, a local admin
    key is generated once (stored beside the Neo4j password) so the developer can log in."""
    api = c.settings.api
    if "SEMGRAPH_API_DEV_MODE" not in os.environ:
        api = api.model_copy(update={"dev_mode": True})
    if api.keys or api.jwt_secret or api.jwt_public_key:
        return api, None
    key_file = c.settings.data_dir / "api-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(16) + "\n")
        key_file.chmod(0o600)
    key = key_file.read_text().strip()
    holder = ApiKeyHolder(actor="local-admin", role="admin")
    update = {"keys": {key: holder}, "ide_api_key": SecretStr(key)}
    return api.model_copy(update=update), key


def up(
    entities: int = typer.Option(
        5000, help="Demo entities to generate when the database holds no business data."
    ),
    seed: int = typer.Option(42, help="Seed of the demo data."),
    serve: bool = typer.Option(True, help="Serve the API after set-up."),
    demo: bool | None = typer.Option(
        None,
        "--demo/--no-demo",
        help="Load demo data into an empty database (default: SEMGRAPH_DEMO_DATA, true).",
    ),
) -> None:
    """Start Neo4j, load ontology, shapes and demo data, and serve the API on :8000."""
    settings = get_settings()
    c = Container(settings)
    server = prepare(c)
    db = settings.neo4j_database
    wants_demo = settings.demo_data if demo is None else demo
    if wants_demo and count_business_entities(c.driver, c.ontology, db) == 0:
        summary = load_demo(c.driver, c.ontology, db, entities, seed)
        out.print(f"demo data: {summary.entities:,} entities (seed {seed})")
    api, key = api_settings_for(c)
    out.print()
    out.print(f"[bold]Neo4j Browser[/]  {settings.browser_url}")
    out.print(f"  connect to    {settings.bolt_uri}")
    if server is not None:
        out.print(f"  login         neo4j / {server.password()}")
    ide = "  (GraphiQL, the key below already in its Headers tab)" if api.dev_mode else ""
    out.print(f"[bold]GraphQL[/]        http://localhost:{settings.api_port}/graphql{ide}")
    out.print(f"[bold]MCP[/]            http://localhost:{settings.api_port}/mcp  (docs/mcp.md)")
    if key:
        # soft_wrap: a narrow terminal must not break the key or the header in two
        out.print(f"  API key       {key}", soft_wrap=True)
        out.print(f"  send it as    X-API-Key: {key}", soft_wrap=True)
        out.print(f"  saved in      {settings.data_dir / 'api-key'} (role admin)", soft_wrap=True)
    out.print(f"[bold]Health[/]         http://localhost:{settings.api_port}/readyz")
    if not c.delivers_alerts:
        out.print(
            "[yellow]alerts[/]         stored, not delivered: no webhook or SMTP configured "
            "(SEMGRAPH_ALERTS_*), or SEMGRAPH_ALERT_DISPATCH=on"
        )
    if serve:
        # the app's lifespan starts and stops alert delivery and the entity-card updater
        uvicorn.run(
            create_app(settings, c, api),
            host=settings.api_host,
            port=settings.api_port,
            log_level="info",
        )
