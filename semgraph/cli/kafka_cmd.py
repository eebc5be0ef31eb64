"""``semgraph kafka start|stop|status|logs``: the managed local Kafka broker."""

from __future__ import annotations

import typer
from rich.console import Console

from semgraph.config import get_settings
from semgraph.kafka_server import KafkaStatus, ManagedKafka
from semgraph.kafka_server.distribution import FIRST_START

app = typer.Typer(
    help="Manage the local Kafka broker (KRaft, one node) of this instance.",
    no_args_is_help=True,
)
_out = Console()


def _show(status: KafkaStatus) -> None:
    state = "[green]running[/]" if status.running else "[red]stopped[/]"
    _out.print(f"Kafka {status.version} {state}" + (f" (pid {status.pid})" if status.pid else ""))
    _out.print(f"  bootstrap  {status.bootstrap}  {'ready' if status.ready else '-'}")
    _out.print(f"  home       {status.home}")


@app.command()
def start() -> None:
    """Start the broker (downloading it on first use) and wait until it answers."""
    with _out.status(FIRST_START):
        status = ManagedKafka(get_settings()).start()
    _show(status)


@app.command()
def stop() -> None:
    """Stop the broker of this instance."""
    stopped = ManagedKafka(get_settings()).stop()
    _out.print("Kafka stopped." if stopped else "Kafka was not running.")


@app.command()
def status() -> None:
    """Show whether the broker runs, where clients connect and where its files are."""
    result = ManagedKafka(get_settings()).status()
    _show(result)
    raise typer.Exit(0 if result.running else 3)


@app.command()
def logs(lines: int = typer.Option(50, "--lines", "-n", help="How many lines to show.")) -> None:
    """Show the end of the broker log."""
    _out.print(ManagedKafka(get_settings()).logs(lines), highlight=False, markup=False)
