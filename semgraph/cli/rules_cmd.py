"""``semgraph rules``: check a business rule file, or try it on the graph without enforcing it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.table import Table

from semgraph.cli.common import container, out
from semgraph.ontology.model import Ontology
from semgraph.shapes.rules_errors import RuleFileError
from semgraph.shapes.rules_yaml import CompiledRules, compile_rules

app = typer.Typer(
    help="Business rules written in YAML (shapes/rules/*.yaml).", no_args_is_help=True
)


def _compile(file: Path, ontology: Ontology) -> CompiledRules:
    try:
        return compile_rules(file, ontology)
    except RuleFileError as exc:
        for problem in exc.problems:
            out.print(f"[red]{problem}[/]", highlight=False)
        out.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {file}")
        raise typer.Exit(1) from exc


@app.command("check")
def check(file: Path = typer.Argument(..., help="The YAML rule file.")) -> None:
    """Compile FILE against the ontology: OK with a summary, or every error with file:line."""
    compiled = _compile(file, container().ontology)
    table = Table(title=f"OK: {len(compiled.rules)} rule(s) in {file}")
    for column in ("id", "applies to", "severity", "risk", "notify", "reads"):
        table.add_column(column)
    for rule in compiled.rules:
        table.add_row(
            rule.id,
            rule.target_class,
            rule.severity,
            rule.risk,
            ", ".join(rule.notify_roles),
            ", ".join(rule.reads) or "-",
        )
    out.print(table)


@app.command("test")
def test(
    file: Path = typer.Argument(..., help="The YAML rule file."),
    show: int = typer.Option(10, help="Entities to list per rule."),
) -> None:
    """Run FILE's rules over the whole graph and list what they would flag (enforces nothing)."""
    from semgraph.bootstrap import reach_for
    from semgraph.shapes.loader import rules_shape_set
    from semgraph.validation.engine import ShapeEngine
    from semgraph.validation.full import validate_graph

    c = container()
    compiled = _compile(file, c.ontology)
    shape_set = rules_shape_set(compiled, str(file), c.ontology)
    report = validate_graph(
        c.driver,
        c.settings.neo4j_database,
        c.ontology,
        ShapeEngine(shape_set),
        reach_for(c.ontology, shape_set),
    )
    hits: dict[str, list[str]] = {}
    for result in report.outcome.results:
        hits.setdefault(result.shape, []).append(f"{result.focus_node}: {result.message_en}")
    counts = Counter({shape: len(items) for shape, items in hits.items()})
    table = Table(title=f"Would flag ({report.focus_nodes} entities checked; nothing enforced)")
    for column in ("rule", "severity", "flagged", "examples"):
        table.add_column(column)
    for rule in compiled.rules:
        items = hits.get(rule.iri, [])
        table.add_row(rule.id, rule.severity, str(counts[rule.iri]), "\n".join(items[:show]))
    out.print(table)
