"""``semgraph audit ENTITY``: every change that touched an entity, or one change in full."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from semgraph.cli.common import container, out
from semgraph.exceptions import InvalidInputError


def audit(
    entity: str = typer.Argument(
        None, help="`Class/id` (e.g. ServiceLevelAgreement/SLA-000001) or a full IRI."
    ),
    change: str = typer.Option(None, "--change", help="Show one change event instead."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Who changed it, when, from which system, session and device; what fired; what it impacted."""
    c = container()
    trail = c.changes.trail
    if change:
        entry = trail.for_change(change)
        out.print_json(entry.model_dump_json()) if as_json else _show([entry], detail=True)
        return
    if not entity:
        raise InvalidInputError("give an entity (`Class/id` or IRI) or --change ID")
    if entity.startswith("http"):
        iri = entity
    else:
        cls, _, ident_ = entity.partition("/")
        iri = c.ontology.entity_iri(c.ontology.cls(cls).name, ident_)
    entries = trail.for_entity(iri)
    if as_json:
        out.print_json(json.dumps([e.model_dump() for e in entries], ensure_ascii=False))
    elif not entries:
        out.print(f"no recorded change touched {iri}")
    else:
        _show(entries, detail=False)
    c.close()


def _show(entries: list, detail: bool) -> None:  # type: ignore[type-arg]
    table = Table(show_lines=True)
    for column in ("when (UTC)", "who", "from", "change", "rules fired", "impacted"):
        table.add_column(column, overflow="fold")
    for e in entries:
        who = f"{e.actor} ({e.role})\nsession {e.session_id[:12]}\ndevice {e.device_fingerprint}"
        fired = "\n".join(f"{f['severity']}: {f['message']}" for f in e.fired) or "-"
        impacted = "\n".join(i["path"] for i in e.impacted[:8]) or "-"
        change = f"{e.summary}\n[dim]{e.change_id}[/]"
        if e.reason:
            change += f"\nreason: {e.reason}"
        if detail:
            for t in e.touched:
                ops = ", ".join(t.get("ops") or [t["op"]])
                change += f"\n{ops} {t['iri'].rsplit('/', 2)[-2:]}"
        elif e.before or e.after:
            diff = {
                k: f"{(e.before or {}).get(k)} → {(e.after or {}).get(k)}"
                for k in sorted(set(e.before or {}) | set(e.after or {}))
                if (e.before or {}).get(k) != (e.after or {}).get(k)
                and k not in {"version", "updatedAt"}
            }
            change += "\n" + "\n".join(f"{k}: {v}" for k, v in diff.items())
        table.add_row(e.at[:19], who, e.source_system, change, fired, impacted)
    out.print(table)
