"""The ``semgraph`` command line. Each topic lives in its own module; this file wires them."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from semgraph.cli import (
    alerts_cmd,
    ask_cmd,
    audit_cmd,
    demo_cmd,
    index_cmd,
    kafka_cmd,
    load_cmd,
    master_data_cmd,
    mcp_cmd,
    neo4j_cmd,
    rdf_cmd,
    rules_cmd,
    sync_cmd,
    sync_stream_cmd,
    up_cmd,
    validate_cmd,
)
from semgraph.exceptions import SemgraphError

app = typer.Typer(
    name="semgraph",
    help=(
        "semgraph — one business semantic layer over CRM, ERP, HR, WMS and finance.\n\n"
        "The instance is chosen by SEMGRAPH_DATA_DIR, SEMGRAPH_NEO4J_BOLT_PORT and "
        "SEMGRAPH_NEO4J_HTTP_PORT (or SEMGRAPH_NEO4J_URI for an existing server)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("up")(up_cmd.up)
app.add_typer(neo4j_cmd.app, name="neo4j")
app.add_typer(kafka_cmd.app, name="kafka")
app.add_typer(load_cmd.app, name="load")
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(index_cmd.app, name="index")
app.command("ask")(ask_cmd.ask)
app.command("validate")(validate_cmd.validate)
app.command("audit")(audit_cmd.audit)
app.command("demo")(demo_cmd.demo)
app.command("sync")(sync_cmd.sync)
app.command("sync-stream")(sync_stream_cmd.sync_stream)
app.command("import")(rdf_cmd.import_file)
app.command("export")(rdf_cmd.export)
app.add_typer(alerts_cmd.app, name="alerts")
app.add_typer(master_data_cmd.app, name="master-data")
app.command("mcp")(mcp_cmd.mcp)

_err = Console(stderr=True)


def run() -> None:
    """Console entry point: typed errors become a clear message and exit code 1."""
    try:
        app()
    except SemgraphError as exc:
        _err.print(f"[bold red]error[/] [dim]({exc.code})[/]: {exc.message}", highlight=False)
        if exc.hint:
            _err.print(f"[yellow]hint[/]: {exc.hint}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    run()
