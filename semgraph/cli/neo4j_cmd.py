"""``semgraph neo4j start|stop|status|logs``: the managed local Neo4j server."""

from __future__ import annotations

import typer
from rich.console import Console

from semgraph.browser_style import grass
from semgraph.config import get_settings
from semgraph.exceptions import ConfigurationError
from semgraph.neo4j_server import ManagedServer, ServerStatus
from semgraph.neo4j_server.distribution import FIRST_START
from semgraph.neo4j_server.server import STYLE_FILE
from semgraph.ontology.model import Ontology

app = typer.Typer(help="Manage the local Neo4j server of this instance.", no_args_is_help=True)
_out = Console()


def _server(with_style: bool = False) -> ManagedServer:
    settings = get_settings()
    if not settings.managed:
        raise ConfigurationError(
            f"SEMGRAPH_NEO4J_URI is set ({settings.neo4j_uri}): semgraph manages no server here",
            hint="unset SEMGRAPH_NEO4J_URI to use the managed local server",
        )
    if not with_style:
        return ManagedServer(settings)
    ontology = Ontology.load(settings.ontology_paths())
    return ManagedServer(settings, browser_files={STYLE_FILE: grass(ontology)})


def _show(status: ServerStatus) -> None:
    state = "[green]running[/]" if status.running else "[red]stopped[/]"
    _out.print(
        f"Neo4j {status.version or ''} {state}" + (f" (pid {status.pid})" if status.pid else "")
    )
    _out.print(f"  bolt     {status.bolt_uri}  {'ready' if status.bolt_ready else '-'}")
    _out.print(f"  browser  {status.browser_url}  {'ready' if status.http_ready else '-'}")
    _out.print(f"  home     {status.home}")


@app.command()
def start() -> None:
    """Start the server (downloading it on first use) and wait until it answers."""
    server = _server(with_style=True)
    with _out.status(FIRST_START):
        status = server.start()
    _show(status)
    _out.print(f"  login    neo4j / {server.password()}  (stored in {server.password_file})")


@app.command()
def stop() -> None:
    """Stop the server of this instance."""
    stopped = _server().stop()
    _out.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@app.command()
def status() -> None:
    """Show whether the server runs, its URLs and where its files are."""
    result = _server().status()
    _show(result)
    raise typer.Exit(0 if result.running else 3)


@app.command()
def logs(lines: int = typer.Option(50, "--lines", "-n", help="How many lines to show.")) -> None:
    """Show the end of the server log."""
    _out.print(_server().logs(lines), highlight=False, markup=False)
