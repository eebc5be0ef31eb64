"""``semgraph alerts list|show|ack|resolve|dispatch``: risk alerts for operators."""

from __future__ import annotations

import contextlib
import getpass
import json
import signal
import threading

import typer
from rich.markup import escape
from rich.table import Table

from semgraph.alerts.model import RiskAlert
from semgraph.cli.common import container, out

app = typer.Typer(help="Risk alerts raised by committed changes, and their deliveries.")


def _who() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "operator"


@app.command("list")
def list_alerts(
    status: str = typer.Option(None, help="open, acknowledged, escalated or resolved."),
    risk: str = typer.Option(None, help="Risk level: low, medium, high or highest."),
    delivery: str = typer.Option(
        None, help="Only alerts with a delivery in this status (pending, delivered, dead)."
    ),
    limit: int = typer.Option(50, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Alerts, newest first, with where their deliveries stand."""
    c = container()
    alerts = c.alerts.store.list(status, risk, delivery, limit)
    if as_json:
        out.print_json(json.dumps([a.model_dump(mode="json") for a in alerts], ensure_ascii=False))
    elif not alerts:
        out.print("no alerts match")
    else:
        table = Table(show_lines=True)
        for column in ("alert", "status", "risk", "title", "×", "routed to", "deliveries"):
            table.add_column(column, overflow="fold")
        for a in alerts:
            deliveries = "\n".join(f"{k} {v}" for k, v in sorted(a.delivery_summary().items()))
            table.add_row(
                a.id[:12],
                a.status.value,
                a.risk_level,
                escape(f"{a.title_en}\n{a.title_zh}"),
                str(a.count),
                "\n".join(r.email or r.iri for r in a.routed_to) or "-",
                deliveries or "-",
            )
        out.print(table)
    c.close()


@app.command("show")
def show(
    alert: str = typer.Argument(..., help="Alert id (or its first 6+ characters)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One alert: message, review, impact path, Browser link, delivery history."""
    c = container()
    found = c.alerts.store.get(alert)
    if as_json:
        out.print_json(found.model_dump_json())
    else:
        _show(found)
    c.close()


@app.command("ack")
def ack(
    alert: str = typer.Argument(..., help="Alert id (or its first 6+ characters)."),
    by: str = typer.Option(None, help="Who acknowledges (default: the OS user)."),
    note: str = typer.Option("", help="Why, or what happens next."),
) -> None:
    """Acknowledge an alert: it stays open for updates but will not escalate."""
    c = container()
    found = c.alerts.store.acknowledge(alert, by or _who(), note)
    out.print(f"alert {found.id} acknowledged by {found.acknowledged_by}")
    c.close()


@app.command("resolve")
def resolve(
    alert: str = typer.Argument(..., help="Alert id (or its first 6+ characters)."),
    by: str = typer.Option(None, help="Who resolves (default: the OS user)."),
    note: str = typer.Option("", help="How it was resolved."),
) -> None:
    """Resolve an alert; the same rule firing again on the entity opens a new one."""
    c = container()
    found = c.alerts.store.resolve(alert, by or _who(), note)
    out.print(f"alert {found.id} resolved by {found.resolved_by}")
    c.close()


@app.command("dispatch")
def dispatch(
    worker_id: str = typer.Option(None, help="Name of this dispatcher in claims and history."),
) -> None:
    """Run a dispatcher in the foreground until interrupted (one per replica is fine)."""
    c = container()
    c.alerts.ensure_schema()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    service = c.alerts
    if worker_id:
        service.dispatcher.worker_id = worker_id
    service.start()
    out.print(f"dispatcher {service.dispatcher.worker_id} running; Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    c.close()


def _show(a: RiskAlert) -> None:
    out.print(f"[bold]{escape(a.title_en)}[/]\n{escape(a.title_zh)}", highlight=False)
    out.print(f"[dim]{a.id}[/]  status [bold]{a.status.value}[/]  risk {a.risk_level}  ×{a.count}")
    out.print(escape(f"\n{a.message_en}\n{a.message_zh}\n"), highlight=False)
    out.print(f"accounting reference: {a.accounting_ref or '-'}")
    out.print(f"recommended review:   {a.recommended_review or '-'}")
    out.print(f"rule: {a.rule_iri}\nabout: {a.focus_iri}")
    out.print(f"changes: first {a.first_change_id}, last {a.last_change_id}")
    for label, when, who in (
        ("acknowledged", a.acknowledged_at, a.acknowledged_by),
        ("escalated", a.escalated_at, None),
        ("resolved", a.resolved_at, a.resolved_by),
    ):
        if when:
            out.print(f"{label}: {when.isoformat()}" + (f" by {who}" if who else ""))
    out.print("\nrouted to:")
    for r in a.routed_to:
        out.print(f"  {r.name or '-'} <{r.email or '-'}> for {r.role} ({r.via})")
    out.print("\nimpact path:")
    for path in a.impact_path:
        out.print(f"  {path}", highlight=False)
    out.print(f"\nimpact view (Neo4j Browser): {a.browser_url}", soft_wrap=True)
    table = Table(title="deliveries", show_lines=True)
    for column in ("channel", "target", "status", "attempts", "history"):
        table.add_column(column, overflow="fold")
    for d in a.deliveries:
        history = "\n".join(
            f"{str(h.get('at'))[:19]} #{h.get('attempt')} {h.get('outcome')}"
            + (f": {h.get('error')}" if h.get("error") else "")
            for h in d.history
        )
        table.add_row(d.channel, d.target, d.status.value, str(d.attempts), history or "-")
    out.print(table)
