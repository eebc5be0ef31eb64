"""``semgraph sync``: files exported from a source system, through the change pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import typer

from semgraph.cli.common import container, out
from semgraph.cli.sync_stream_cmd import EXIT_REJECTED, run_stream
from semgraph.sync import BATCH_SIZE, MAX_BATCH_SIZE
from semgraph.sync.kafka_source import StreamOptions
from semgraph.sync.sources import FileOptions


def sync(
    files: list[Path] = typer.Argument(
        None, help="CSV (header row) or JSON Lines exports (none with --kafka-topic)."
    ),
    system: str = typer.Option(..., "--system", help="Source system key, e.g. CRM, ERP."),
    table: str = typer.Option(..., "--table", help="Source table, e.g. Account, KNA1."),
    mapping: list[Path] = typer.Option(
        [], "--mapping", help="A mapping file of your own (Turtle, sgm: vocabulary); repeatable."
    ),
    file_format: str = typer.Option(
        "auto", "--format", help="csv, jsonl, or auto (from the file suffix)."
    ),
    delimiter: str = typer.Option(",", help="CSV delimiter; `\\t` for tabs."),
    encoding: str = typer.Option(
        "utf-8", help="File encoding (UTF-8 with or without BOM, gb18030…)."
    ),
    batch_size: int = typer.Option(
        BATCH_SIZE, min=1, max=MAX_BATCH_SIZE, help="Records per change set."
    ),
    rejects_dir: Path | None = typer.Option(
        None, help="Where NAME.rejects.EXT goes (default: beside each input)."
    ),
    restart: bool = typer.Option(False, help="Ignore a checkpoint left by an interrupted run."),
    full_snapshot: bool = typer.Option(
        False, help="FILES are the whole table: mark records missing from them inactive."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    max_wait: float | None = typer.Option(
        None,
        "--max-wait",
        min=0,
        metavar="SECONDS",
        help="How long to wait for an unavailable Neo4j before stopping with exit 1 "
        "(default: SEMGRAPH_SYNC_MAX_WAIT_S, 300); the checkpoint is kept.",
    ),
    kafka_topic: str | None = typer.Option(
        None,
        "--kafka-topic",
        metavar="TOPIC",
        help="Consume this Kafka topic instead of files, as `semgraph sync-stream --topic` "
        "(its other options: see sync-stream).",
    ),
    until_idle: float | None = typer.Option(
        None, help="With --kafka-topic: stop after this many seconds without a message."
    ),
) -> None:
    """Upsert the rows of FILES into the graph, validated, audited and alert-checked.

    Exit 0 when every record was accepted, 3 when some were rejected (see the rejects
    file), 1 when the run stopped on an error. While Neo4j is unavailable the run waits
    (at most --max-wait seconds) and goes on where it was. With --kafka-topic the records
    come from a Kafka topic instead (the same run as `semgraph sync-stream`).
    """
    if kafka_topic is not None:
        if files:
            raise typer.BadParameter("give FILES or --kafka-topic, not both", param_hint="FILES")
        run_stream(
            system,
            table,
            StreamOptions(kafka_topic, until_idle_s=until_idle),
            mapping=mapping,
            batch_size=batch_size,
            rejects_topic=None,
            rejects_file=None,
            max_wait=max_wait,
            as_json=as_json,
        )
        return
    if not files:
        raise typer.BadParameter("name the files to sync, or --kafka-topic", param_hint="FILES")
    if file_format not in {"auto", "csv", "jsonl"}:
        raise typer.BadParameter("use csv, jsonl or auto", param_hint="--format")
    fmt: Literal["csv", "jsonl"] | None = None if file_format == "auto" else file_format  # type: ignore[assignment]
    options = FileOptions(
        format=fmt, delimiter="\t" if delimiter == "\\t" else delimiter, encoding=encoding
    )
    c = container()
    try:
        service = c.sync(mapping, batch_size=batch_size, max_wait_s=max_wait)
        summary = service.run(
            system,
            table,
            files,
            options,
            rejects_dir=rejects_dir,
            resume=not restart,
            full_snapshot=full_snapshot,
        )
    finally:
        c.close()
    data = summary.as_dict()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        out.print(
            f"{system}.{table}: {data['records']:,} records in {data['seconds']} s — "
            f"{data['created']:,} created, {data['updated']:,} updated, "
            f"{data['unchanged']:,} unchanged, {data['rejected']:,} rejected, "
            f"{data['inactivated']:,} inactivated "
            f"({data['change_events']} change events, {data['warnings']} warnings)"
        )
        for f in summary.files:
            if f.rejects_file:
                out.print(f"  rejects: {f.rejects_file}")
    if data["rejected"]:
        raise typer.Exit(EXIT_REJECTED)
