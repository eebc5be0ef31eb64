"""``semgraph master-data match|review|merge|unmerge``: duplicate customers across systems."""

from __future__ import annotations

import getpass
import json
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from semgraph.cli.common import container, out
from semgraph.master_data.outcomes import Caller, MergeOutcome

app = typer.Typer(
    help="Find the same customer across systems; merge, review and unmerge (docs/master-data.md)."
)


def _caller() -> Caller:
    try:
        who = getpass.getuser()
    except OSError:
        who = "operator"
    return Caller(actor=f"cli:{who}", role="admin", device="cli")


def _outcome(outcome: MergeOutcome) -> dict[str, Any]:
    return {
        "change": outcome.change_id,
        "survivor": outcome.survivor,
        "absorbed": outcome.absorbed,
        "score": outcome.score,
        "warnings": outcome.warnings,
        "skipped": outcome.skipped,
    }


@app.command("match")
def match(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Queue every pair for review; merge nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Score every golden customer against the others: merge pairs at or above the
    auto-merge threshold, queue those between the thresholds for review."""
    c = container()
    try:
        report = c.master_data.match(_caller(), merge=not dry_run)
    finally:
        c.close()
    data = report.summary()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    out.print(
        f"{data['records']:,} records, {data['pairs']:,} candidate pairs: "
        f"{data['auto_merged']:,} merged, {data['queued_for_review']:,} queued for review "
        f"({data['seconds']} s)"
    )
    for m in data["merges"]:
        note = f"  warnings: {', '.join(m['warnings'])}" if m["warnings"] else ""
        out.print(f"  merged {m['absorbed']} into {m['survivor']} ({m['score']:.4f}){note}")
    for line in data["refused"]:
        out.print(f"  [yellow]not merged[/]: {escape(line)}")


@app.command("review")
def review(
    accept: str = typer.Option(None, help="Merge this candidate (its key)."),
    reject: str = typer.Option(None, help="This candidate is not a duplicate (its key)."),
    status: str = typer.Option(
        "open", help="List candidates in this status: open, merged, rejected."
    ),
    limit: int = typer.Option(50, help="At most this many, best score first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The review queue: list it, or decide one candidate."""
    c = container()
    try:
        if accept:
            result: Any = _outcome(c.master_data.accept(accept, _caller()))
        elif reject:
            result = vars(c.master_data.reject(reject, _caller()))
        else:
            result = [vars(x) for x in c.master_data.candidates(status, limit)]
    finally:
        c.close()
    if as_json or accept or reject:
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    if not result:
        out.print("the review queue is empty" if status == "open" else "no candidates")
        return
    table = Table(show_lines=True)
    for column in ("key", "score", "evidence"):
        table.add_column(column, overflow="fold")
    for cand in result:
        evidence = "\n".join(
            f"{k}: {v['level']} ({v['left']} | {v['right']})" for k, v in cand["evidence"].items()
        )
        table.add_row(escape(cand["key"]), f"{cand['score']:.4f}", escape(evidence))
    out.print(table)


@app.command("merge")
def merge(
    left: str = typer.Argument(..., help="Id of one golden customer."),
    right: str = typer.Argument(..., help="Id of the other."),
) -> None:
    """Merge two golden customers now (scored and recorded like an automatic merge)."""
    c = container()
    try:
        print(json.dumps(_outcome(c.master_data.merge(left, right, _caller())), default=str))
    finally:
        c.close()


@app.command("unmerge")
def unmerge(
    change: str = typer.Option(None, help="The change id of the merge to undo."),
    absorbed: str = typer.Option(None, help="Or the id the merged-away customer had."),
) -> None:
    """Undo a merge: the merged-away customer comes back exactly as it was."""
    c = container()
    try:
        outcome = c.master_data.unmerge(change_id=change, absorbed_id=absorbed, caller=_caller())
        print(json.dumps(_outcome(outcome), default=str))
    finally:
        c.close()
