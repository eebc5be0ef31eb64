"""``semgraph load ontology [FILES]``: write an ontology into Neo4j and derive the schema."""

from __future__ import annotations

from pathlib import Path

import typer

from semgraph.cli.common import container, out
from semgraph.ontology.graph_loader import load_ontology
from semgraph.ontology.model import Ontology

app = typer.Typer(help="Load ontologies (and, later, shapes) into Neo4j.", no_args_is_help=True)


@app.command("ontology")
def ontology(
    files: list[Path] = typer.Argument(
        None,
        help="Turtle, RDF/XML or JSON-LD files; default: the ontology in force "
        "(SEMGRAPH_ONTOLOGY_FILES, else semgraph's own ontology/).",
    ),
) -> None:
    """Load ontology files as browsable nodes; for the ontology in force, also create its
    constraints, indexes and namespace prefixes."""
    c = container()
    in_force = c.settings.ontology_paths()
    paths = files or in_force
    own = {p.resolve() for p in paths} == {p.resolve() for p in in_force}
    report = load_ontology(c.driver, paths, c.settings.neo4j_database)
    state = "loaded" if report.changed else "unchanged"
    out.print(
        f"[bold]{report.ontology_iri}[/] {state}: {report.classes} classes, "
        f"{report.properties} properties, {report.mappings} field mappings"
    )
    for skipped in report.skipped_imports:
        out.print(f"  [yellow]skipped import[/] {skipped} (not a local file; no network used)")
    model = Ontology.load(paths)
    concrete = len(model.concrete_classes())
    out.print(
        f"  model: {concrete} classes with GraphQL types, "
        f"{len(model.restrictions_all())} restrictions kept"
    )
    for term in model.skipped():
        out.print(f"  [yellow]not placed[/] {term}")
    if own:
        created = c.ensure_schema()  # the ontology's, the change log's and the alerts'
        out.print(f"  schema: {created} constraints and indexes in place")
    else:
        out.print(
            "  stored for browsing; to serve it (GraphQL, changes, validation), set "
            "SEMGRAPH_ONTOLOGY_FILES to these files and run this command without arguments"
        )
    c.close()
