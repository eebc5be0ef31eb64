"""``semgraph validate``: full validation of the graph with a report file (semgraph's JSON,
or the W3C ``sh:ValidationReport`` as Turtle or JSON-LD) and a table."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from semgraph.cli.common import container, out
from semgraph.validation.full import FullReport
from semgraph.validation.report_graph import REPORT_FORMATS, serialize_report


def validate(
    report: Path | None = typer.Option(
        None,
        help="Where to write the report; default validation-report.json (.ttl, .jsonld) "
        "in SEMGRAPH_DATA_DIR.",
    ),
    format: str = typer.Option(
        "json",
        "--format",
        "-f",
        help="json (semgraph's report), or turtle / json-ld (the W3C sh:ValidationReport).",
    ),
    strategy: str = typer.Option("batched", help="batched (bounded memory) or whole."),
    show: int = typer.Option(20, help="How many results to list in the table."),
) -> None:
    """Check the whole graph against every shape (pySHACL); exit 1 if a Violation is found."""
    if strategy not in {"batched", "whole"}:
        raise typer.BadParameter("strategy is `batched` or `whole`")
    if format != "json" and format not in REPORT_FORMATS:
        raise typer.BadParameter("format is `json`, `turtle` or `json-ld`")
    c = container()
    with Progress(transient=True) as bar:
        task = bar.add_task("validating", total=None)
        full = c.validate_all(
            strategy="whole" if strategy == "whole" else "batched",
            progress=lambda n: bar.advance(task, n),
        )
    outcome = full.outcome
    if report is None:
        suffix = ".json" if format == "json" else REPORT_FORMATS[format][1]
        report = c.settings.data_dir / f"validation-report{suffix}"
    report.parent.mkdir(parents=True, exist_ok=True)
    if format != "json":
        report.write_bytes(serialize_report(outcome, format))
    else:
        report.write_text(_json_report(full))
    by_shape = Counter((r.severity, r.shape.rsplit("/", 1)[-1]) for r in outcome.results)
    table = Table(title=f"{full.focus_nodes} focus nodes checked in {full.seconds:.1f} s")
    for column in ("severity", "shape", "count"):
        table.add_column(column)
    for (severity, shape), count in by_shape.most_common(show):
        table.add_row(severity, shape, str(count))
    out.print(table)
    for failure in outcome.failures:
        out.print(f"[bold red]not evaluated[/]: {failure}", highlight=False)
    out.print(
        f"{len(outcome.violations)} violations, {len(outcome.warnings)} warnings, "
        f"{len(outcome.infos)} infos; report: {report}"
    )
    c.close()
    raise typer.Exit(0 if outcome.conforms else 1)


def _json_report(full: FullReport) -> str:
    outcome = full.outcome
    return json.dumps(
        {
            "focus_nodes": full.focus_nodes,
            "seconds": round(full.seconds, 3),
            "conforms": outcome.conforms,
            "shacl_conforms": outcome.shacl_conforms,
            "failures": outcome.failures,
            "counts": Counter(r.severity for r in outcome.results),
            "results": [r.model_dump() for r in outcome.results],
        },
        ensure_ascii=False,
        indent=1,
    )
