"""``semgraph sync-stream``: a Kafka topic of JSON records, through the change pipeline."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import typer

from semgraph.cli.common import container, out
from semgraph.sync import BATCH_SIZE, MAX_BATCH_SIZE
from semgraph.sync.kafka_source import StreamOptions

EXIT_REJECTED = 3
"""Exit status of a sync (files or stream) that rejected some records."""


def sync_stream(
    system: str = typer.Option(..., "--system", help="Source system key, e.g. CRM, ERP."),
    table: str = typer.Option(..., "--table", help="Source table, e.g. Account, KNA1."),
    topic: str = typer.Option(..., "--topic", help="The topic; each message is one JSON object."),
    group: str | None = typer.Option(
        None, help="Consumer group (default semgraph-sync-SYSTEM-TABLE); it keeps the offsets."
    ),
    mapping: list[Path] = typer.Option(
        [], "--mapping", help="A mapping file of your own (Turtle, sgm: vocabulary); repeatable."
    ),
    batch_size: int = typer.Option(
        BATCH_SIZE, min=1, max=MAX_BATCH_SIZE, help="Messages per batch."
    ),
    rejects_topic: str | None = typer.Option(
        None, help="Topic for rejected messages (default TOPIC.rejects)."
    ),
    rejects_file: Path | None = typer.Option(
        None, help="Write rejected messages to this JSON Lines file instead of a topic."
    ),
    until_idle: float | None = typer.Option(
        None, help="Stop after this many seconds without a message (default: run until stopped)."
    ),
    max_records: int | None = typer.Option(None, help="Stop after about this many messages."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    max_wait: float | None = typer.Option(
        None,
        "--max-wait",
        min=0,
        metavar="SECONDS",
        help="How long a batch waits for an unavailable Neo4j (an offset commit for the "
        "broker) before stopping with exit 1 (default: SEMGRAPH_SYNC_MAX_WAIT_S, 300).",
    ),
) -> None:
    """Consume TOPIC into the graph, validated, audited and alert-checked, batch by batch.

    Offsets are committed after each batch's Neo4j commit. Ctrl+C (or SIGTERM) finishes the
    batch in hand and stops. While Neo4j is unavailable the batch waits (at most --max-wait
    seconds) and is tried again; while the broker is away the stream waits for it. Exit 0
    when every record was accepted, 3 when some were rejected, 1 when the run stopped on an
    error.
    """
    run_stream(
        system,
        table,
        StreamOptions(topic, group, until_idle_s=until_idle, max_records=max_records),
        mapping=mapping,
        batch_size=batch_size,
        rejects_topic=rejects_topic,
        rejects_file=rejects_file,
        max_wait=max_wait,
        as_json=as_json,
    )


def run_stream(
    system: str,
    table: str,
    options: StreamOptions,
    *,
    mapping: list[Path],
    batch_size: int,
    rejects_topic: str | None,
    rejects_file: Path | None,
    max_wait: float | None,
    as_json: bool,
) -> None:
    """What ``sync-stream`` and ``sync --kafka-topic`` do: run the stream, print its
    summary, exit 3 when records were rejected."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    topic = options.topic
    c = container()
    try:
        stream = c.kafka_stream(
            mapping,
            batch_size=batch_size,
            rejects_topic=rejects_topic or f"{topic}.rejects",
            rejects_file=rejects_file,
            max_wait_s=max_wait,
        )
        summary = stream.run(system, table, options, stop=stop)
    finally:
        c.close()
    data = summary.as_dict()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        out.print(
            f"{system}.{table} from {topic}: {data['records']:,} records in {data['seconds']} s "
            f"— {data['created']:,} created, {data['updated']:,} updated, "
            f"{data['unchanged']:,} unchanged, {data['rejected']:,} rejected "
            f"({data['change_events']} change events); committed offsets {data['committed']}"
        )
    if data["rejected"]:
        raise typer.Exit(EXIT_REJECTED)
