"""``semgraph load ontology [FILES]``: write an ontology into Neo4j and derive the schema."""

from __future__ import annotations

from pathlib import Path

import typer

from semgraph.cli.common import container, out
from semgraph.ontology.graph_loader import load_ontology

app = typer.Typer(help="Load ontologies (and, later, shapes) into Neo4j.", no_args_is_help=True)


@app.command("ontology")
def ontology(
    files: list[Path] = typer.Argument(
        None, help="Turtle, RDF/XML or JSON-LD files; default: semgraph's own ontology/."
    ),
) -> None:
    """Load ontology files as browsable nodes; for semgraph's own, also create constraints."""
    c = container()
    own = not files
    paths = files or c.settings.ontology_paths()
    report = load_ontology(c.driver, paths, c.settings.neo4j_database)
    state = "loaded" if report.changed else "unchanged"
    out.print(
        f"[bold]{report.ontology_iri}[/] {state}: {report.classes} classes, "
        f"{report.properties} properties, {report.mappings} field mappings"
    )
    for skipped in report.skipped_imports:
        out.print(f"  [yellow]skipped import[/] {skipped} (not a local file; no network used)")
    if own:
        created = c.ensure_schema()  # the ontology's, the change log's and the alerts'
        out.print(f"  schema: {created} constraints and indexes in place")
    c.close()
