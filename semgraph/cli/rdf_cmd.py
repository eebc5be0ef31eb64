"""``semgraph import FILE`` and ``semgraph export``: RDF in and out of the graph.

The mapping is documented in docs/rdf-mapping.md; the work is done by ``semgraph.rdf``.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.console import Console

from semgraph.cli.common import container
from semgraph.rdf import export_rdf, import_graph
from semgraph.rdf.exporter import export_format
from semgraph.rdf.importer import parse_file

# Reports go to stderr so that `semgraph export > file` writes only RDF.
_report = Console(stderr=True)


def import_file(
    file: Path = typer.Argument(..., help="Turtle, N-Triples, RDF/XML or JSON-LD file."),
    format: str | None = typer.Option(
        None, "--format", "-f", help="turtle, nt, xml or json-ld (default: from the suffix)."
    ),
    batch_size: int = typer.Option(5000, min=1, help="Rows per write transaction."),
) -> None:
    """Import an RDF file into Neo4j (idempotent; blank nodes get genid IRIs)."""
    graph = parse_file(file, format)  # before connecting: a bad file fails fast, writes nothing
    c = container()
    try:
        report = import_graph(c.driver, graph, c.settings.neo4j_database, batch_size=batch_size)
    finally:
        c.close()
    skolemised = f", {report.blank_nodes} blank nodes skolemised" if report.blank_nodes else ""
    _report.print(
        f"[bold]{file}[/]: {report.triples} triples → {report.resources} resources, "
        f"{report.relationships} relationships{skolemised}",
        highlight=False,
    )
    for prefix, namespace in sorted(report.prefixes_added.items()):
        _report.print(f"  new prefix [cyan]{prefix}[/] → {namespace}", highlight=False)


def export(
    format: str = typer.Option("turtle", "--format", "-f", help="turtle, nt, json-ld or xml."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: standard output)."
    ),
    deskolemize: bool = typer.Option(
        False, "--deskolemize", help="Write genid IRIs back as blank nodes."
    ),
) -> None:
    """Export every :Resource node and relationship between them as RDF."""
    export_format(format)  # an unknown format fails before a file is created
    c = container()
    try:
        with output.open("wb") if output else nullcontext(sys.stdout.buffer) as sink:
            report = export_rdf(
                c.driver, sink, c.settings.neo4j_database, format=format, deskolemized=deskolemize
            )
    finally:
        c.close()
    for item in report.skipped:
        _report.print(f"[yellow]skipped[/] {item}", highlight=False)
    _report.print(f"{report.triples} triples exported", highlight=False)
