"""``semgraph import FILE`` and ``semgraph export``: RDF in and out of the graph.

Import goes through ``ImportService`` (the change pipeline); the mapping is documented in
docs/rdf-mapping.md.
"""

from __future__ import annotations

import getpass
import socket
import sys
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.console import Console

from semgraph.changes.model import ChangeContext
from semgraph.cli.common import container
from semgraph.rdf import export_rdf
from semgraph.rdf.exporter import export_format
from semgraph.rdf.importer import parse_file

# Reports go to stderr so that `semgraph export > file` writes only RDF.
_report = Console(stderr=True)


def import_file(
    file: Path = typer.Argument(..., help="Turtle, N-Triples, RDF/XML or JSON-LD file."),
    format: str | None = typer.Option(
        None, "--format", "-f", help="turtle, nt, xml or json-ld (default: from the suffix)."
    ),
    batch_size: int = typer.Option(
        1000, min=1, help="Entities per change set (linked entities share one)."
    ),
    actor: str | None = typer.Option(
        None, help="Who imports, recorded on each change (default: your login name)."
    ),
    role: str = typer.Option("admin", help="The importer's role (an ontology role key)."),
    source_system: str = typer.Option(
        "rdf-import", "--source-system", help="The system the data comes from."
    ),
    reason: str = typer.Option("", help="Why (recorded on each change event)."),
    rejects: Path | None = typer.Option(
        None, help="Where refused records go (default: FILE.rejects.ttl beside the file)."
    ),
    all_or_nothing: bool = typer.Option(
        False, "--all-or-nothing", help="One change set: any refused record writes nothing."
    ),
    unchecked: bool = typer.Option(
        False,
        "--unchecked",
        help="Restores only: write any RDF without the rules (role admin), record one "
        "change event, then validate the whole graph.",
    ),
) -> None:
    """Import an RDF file: each business entity is validated, audited and alerted on as a
    change; refused records go to a rejects file and the exit code is 1."""
    graph = parse_file(file, format)  # before connecting: a bad file fails fast, writes nothing
    context = ChangeContext(
        actor=actor or getpass.getuser(),
        role=role,
        source_system=source_system,
        device_fingerprint=f"cli@{socket.gethostname()}",
        reason=reason or f"import of {file.name}",
    )
    c = container()
    try:
        if unchecked:
            outcome = c.imports.import_unchecked(graph, context, file.name)
        else:
            outcome = c.imports.import_graph(
                graph,
                context,
                rejects_file=rejects or file.with_name(file.name + ".rejects.ttl"),
                batch_size=batch_size,
                all_or_nothing=all_or_nothing,
            )
    finally:
        c.close()
    _report.print(
        f"[bold]{file}[/]: {outcome.records} records; {outcome.created} created, "
        f"{outcome.updated} updated in {len(outcome.change_ids)} change(s), "
        f"{outcome.warnings} warning(s), {len(outcome.rejected)} refused",
        highlight=False,
    )
    if outcome.blank_nodes:
        _report.print(
            f"{outcome.blank_nodes} blank node(s) stored as genid IRIs named by their content: "
            "importing this file again changes nothing, but a blank node whose triples "
            "changed is a new node (delete the old one)",
            highlight=False,
            soft_wrap=True,
        )
    if outcome.validation is not None:
        violations = len(outcome.validation.outcome.violations)
        _report.print(
            f"unchecked: full validation of {outcome.validation.focus_nodes} entities found "
            f"{violations} violation(s); see `semgraph validate`",
            highlight=False,
        )
        if violations:
            raise typer.Exit(1)
    if outcome.rejected:
        for item in outcome.rejected[:20]:
            shape = f" [dim](shape {item.shape})[/]" if item.shape else ""
            _report.print(
                f"  [red]refused[/] {item.iri}: {item.reason}{shape}",
                highlight=False,
                soft_wrap=True,
            )
        if len(outcome.rejected) > 20:
            _report.print(f"  … and {len(outcome.rejected) - 20} more", highlight=False)
        _report.print(
            f"refused records written to {outcome.rejects_file}: fix them and import that file",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


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
