"""``semgraph demo``: generate and bulk-load the consistent multi-system demo dataset."""

from __future__ import annotations

import typer

from semgraph.cli.common import container, out
from semgraph.demo import load_demo
from semgraph.exceptions import InvalidInputError


def demo(
    entities: int = typer.Option(5000, help="Entities to generate (1,000 to 10,000,000)."),
    seed: int = typer.Option(42, help="Seed: the same seed gives the same data."),
    replace: bool = typer.Option(False, help="Delete existing business entities first."),
    append: bool = typer.Option(False, help="Load next to existing business entities."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Load demo customers, contracts, orders, invoices, stock and staff (with ~0.5 % seeded
    conflicts for the rules to find) into the configured Neo4j."""
    if replace and append:
        raise InvalidInputError("--replace and --append exclude each other")
    c = container()
    try:
        summary = load_demo(
            c.driver,
            c.ontology,
            c.settings.neo4j_database,
            entities,
            seed,
            progress=progress,
            existing="replace" if replace else "append" if append else "refuse",
        )
    finally:
        c.close()
    if summary.replaced:
        out.print(f"replaced {summary.replaced:,} existing business entities")
    out.print(
        f"[bold]loaded {summary.entities:,} entities[/] and {summary.relationships:,} "
        f"relationships in {summary.seconds:.1f} s ({summary.entities_per_s:,.0f} entities/s), "
        f"seed {summary.seed}, {summary.customers:,} customers"
    )
    seeded = ", ".join(f"{kind} {n}" for kind, n in summary.conflicts.items())
    out.print(f"seeded conflicts: {seeded}")
    out.print(f"audit: ChangeEvent {summary.change_event_id} (kind bulk_load)")
