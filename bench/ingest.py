"""Ingest benchmark: load N demo entities into a fresh, empty Neo4j and time it.

    python bench/ingest.py --entities 1000000 [--seed 42] [--heap 4g] [--pagecache 4g]

Starts its own managed Neo4j in a temporary data folder on free ports (stopped and
removed at the end), ensures the schema, runs ``load_demo`` and prints a short table.
The LAST line is one JSON object:
``{"entities": N, "seconds": …, "entities_per_s": …, "peak_rss_mb": …, …}``
(``peak_rss_mb`` is this Python process; ``neo4j_peak_rss_mb`` the server, sampled).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import threading
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from semgraph.demo import load_demo
from semgraph.graph.connection import open_driver
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import scratch_settings
from semgraph.ontology.model import Ontology
from semgraph.ontology.schema import ensure_schema


class RssSampler(threading.Thread):
    """Samples a process's RSS every 0.2 s and keeps the peak (MiB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak_mb = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.peak_mb = max(self.peak_mb, self.proc.memory_info().rss / 2**20)
            except psutil.Error:
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--heap", default="4g", help="Neo4j heap")
    parser.add_argument("--pagecache", default="4g", help="Neo4j page cache")
    parser.add_argument("--chunk", type=int, default=4000, help="customers per chunk")
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-bench-"))
    settings = scratch_settings(data_dir, heap=args.heap, pagecache=args.pagecache)
    server = ManagedServer(settings)
    console = Console(stderr=True)
    try:
        with console.status("starting Neo4j…"):
            server.start()
        driver = open_driver(settings)
        ontology = Ontology.load()
        ensure_schema(driver, ontology, settings.neo4j_database)
        pid = server.pid()
        sampler = RssSampler(pid) if pid else None
        if sampler:
            sampler.start()
        summary = load_demo(
            driver, ontology, settings.neo4j_database, args.entities, args.seed,
            progress=args.progress, customers_per_chunk=args.chunk,
        )  # fmt: skip
        if sampler:
            sampler.stop.set()
        driver.close()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    result = {
        "entities": summary.entities,
        "seconds": round(summary.seconds, 2),
        "entities_per_s": round(summary.entities_per_s),
        "peak_rss_mb": round(peak_mb, 1),
        "neo4j_peak_rss_mb": round(sampler.peak_mb, 1) if sampler else None,
        "relationships": summary.relationships,
        "relationships_per_s": round(summary.relationships / summary.seconds),
        "neo4j_heap": args.heap,
        "neo4j_pagecache": args.pagecache,
    }
    table = Table(title=f"ingest of {args.entities:,} demo entities (seed {args.seed})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value))
    Console().print(table)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
