"""Ingest benchmark: load N demo entities into an empty Neo4j and time it.

    python bench/ingest.py --entities 1000000 [--seed 42] [--writers 2] [--warmup 100000]

Starts its own managed Neo4j in a temporary data folder on free ports (stopped and
removed at the end), warms it up, runs ``load_demo`` (which owns the schema: ``seconds``
includes building the ontology's indexes after the load) and prints a short table.
The warm-up loads ``--warmup`` entities of another seed and deletes them, unmeasured, so
that the JVM has compiled the write path, as on a server that has been running (the
other benches warm up too); a freshly started server spends about 15-20 s of CPU
compiling during its first large load, which ``--warmup 0`` measures. The server is
started as a bulk-load server: its JIT compiles only code 2x hotter than the JVM's
default (``--jit-scaling``, the setting
``SEMGRAPH_NEO4J_JIT_THRESHOLD_SCALING``) and inlines less deeply (``--jit-inlining``,
``SEMGRAPH_NEO4J_JIT_INLINING``), so that compiling takes less CPU from the load, and it
runs the parallel garbage collector (``--gc``, ``SEMGRAPH_NEO4J_GC``); a service keeps
the JVM's defaults and G1.
The LAST line is one JSON object:
``{"entities": N, "seconds": …, "entities_per_s": …, "peak_rss_mb": …, …}``
(``peak_rss_mb`` is this Python process; ``neo4j_peak_rss_mb`` the server, sampled).
``neo4j_cpu_us_per_entity`` and ``python_cpu_us_per_entity`` are the CPU time each side
spent per entity during the load: on a shared machine they say more than the wall clock,
and their sum over the cores available bounds the rate a quiet machine can reach.
``vm_loop_s`` (``measure.vm_speed_s``, taken after the load) says how fast this VM was.
``schema_seconds`` and ``neo4j_cpu_schema_s`` are the part of that spent building the
indexes after the load; ``--timeline`` prints each side's CPU use per 5 s (Python's
generation cost per entity is steady, so the ratio shows where the server's cost moves).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
from measure import cpu_seconds, vm_speed_s  # bench/measure.py, beside this script
from rich.console import Console
from rich.table import Table

from semgraph.demo import load_demo
from semgraph.demo.loader import CUSTOMERS_PER_CHUNK, delete_business_entities
from semgraph.graph.connection import open_driver
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import scratch_settings
from semgraph.ontology.model import Ontology


class ServerSampler(threading.Thread):
    """Samples the server's RSS (keeps the peak, MiB) and CPU seconds every 0.2 s, so the
    CPU of a phase (the index build after the load) can be read off the samples."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak_mb = 0.0
        self.samples: list[tuple[float, float, float]] = []  # (perf_counter, server, self)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.peak_mb = max(self.peak_mb, self.proc.memory_info().rss / 2**20)
                now = time.perf_counter()
                self.samples.append((now, cpu_seconds(self.proc.pid), cpu_seconds(None)))
            except psutil.Error:
                return

    def server_cpu_since(self, start: float) -> float:
        """Server CPU seconds from the first sample at or after ``start`` to the last."""
        after = [cpu for t, cpu, _ in self.samples if t >= start]
        return after[-1] - after[0] if len(after) > 1 else 0.0

    def timeline(self, every_s: float = 5.0) -> list[str]:
        """Lines of server and Python CPU use (in cores) per ``every_s`` interval."""
        lines, last = [], self.samples[0] if self.samples else None
        for sample in self.samples[1:]:
            if last is not None and sample[0] - last[0] >= every_s:
                span, at = sample[0] - last[0], sample[0] - self.samples[0][0]
                server, python = (sample[1] - last[1]) / span, (sample[2] - last[2]) / span
                lines.append(f"{at:7.1f} s  neo4j {server:4.2f}  python {python:4.2f} cores")
                last = sample
        return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--heap", default="4g", help="Neo4j heap")
    parser.add_argument("--pagecache", default="4g", help="Neo4j page cache")
    parser.add_argument(
        "--chunk", type=int, default=CUSTOMERS_PER_CHUNK, help="customers per chunk"
    )
    parser.add_argument("--writers", type=int, default=2, help="parallel writer transactions")
    parser.add_argument(
        "--jit-scaling",
        type=float,
        default=2.0,
        help="the server's SEMGRAPH_NEO4J_JIT_THRESHOLD_SCALING: it is started for this one "
        "load, where compiling only hot code leaves more CPU to the load (1 = JVM default)",
    )
    parser.add_argument(
        "--jit-inlining",
        choices=["default", "shallow"],
        default="shallow",
        help="the server's SEMGRAPH_NEO4J_JIT_INLINING: shallow inlining halves the CPU its "
        "compiler takes from this one load",
    )
    parser.add_argument(
        "--gc",
        choices=["g1", "parallel"],
        default="parallel",
        help="the server's SEMGRAPH_NEO4J_GC: parallel collects with less CPU than G1, and "
        "a bulk load does not mind its longer pauses",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=100_000,
        help="first load (and delete) this many entities of another seed, unmeasured, so "
        "that the server's JIT has compiled the write path, as on a server that has been "
        "running; 0 measures a freshly started server, its compiling included",
    )
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    parser.add_argument("--timeline", action="store_true", help="print CPU use per 5 s to stderr")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-bench-"))
    settings = scratch_settings(
        data_dir,
        heap=args.heap,
        pagecache=args.pagecache,
        neo4j_jit_threshold_scaling=args.jit_scaling,
        neo4j_jit_inlining=args.jit_inlining,
        neo4j_gc=args.gc,
    )
    server = ManagedServer(settings)
    console = Console(stderr=True)
    try:
        with console.status("starting Neo4j…"):
            server.start()
        driver = open_driver(settings)
        ontology = Ontology.load()
        pid = server.pid()
        sampler = ServerSampler(pid) if pid else None
        if sampler:
            sampler.start()
        if args.warmup:
            with console.status(f"warming up: {args.warmup:,} entities loaded and deleted…"):
                load_demo(
                    driver, ontology, settings.neo4j_database, args.warmup, args.seed + 1,
                    progress=False, customers_per_chunk=args.chunk, writers=args.writers,
                )  # fmt: skip
                delete_business_entities(driver, ontology, settings.neo4j_database)
        neo4j_cpu, python_cpu = cpu_seconds(pid), cpu_seconds(None)
        summary = load_demo(
            driver, ontology, settings.neo4j_database, args.entities, args.seed,
            progress=args.progress, customers_per_chunk=args.chunk, writers=args.writers,
        )  # fmt: skip
        neo4j_cpu, python_cpu = cpu_seconds(pid) - neo4j_cpu, cpu_seconds(None) - python_cpu
        schema_started, schema_cpu = time.perf_counter() - summary.schema_seconds, 0.0
        if sampler:
            sampler.stop.set()
            sampler.join()
            schema_cpu = sampler.server_cpu_since(schema_started)
            if args.timeline:
                console.print("\n".join(sampler.timeline()))
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
        "neo4j_cpu_us_per_entity": round(neo4j_cpu / summary.entities * 1e6, 1),
        "schema_seconds": round(summary.schema_seconds, 2),
        "neo4j_cpu_schema_s": round(schema_cpu, 1),
        "python_cpu_us_per_entity": round(python_cpu / summary.entities * 1e6, 1),
        "writers": args.writers,
        "warmup_entities": args.warmup,
        "load_average_1m": round(psutil.getloadavg()[0], 2),
        "vm_loop_s": vm_speed_s(),
        "neo4j_heap": args.heap,
        "neo4j_pagecache": args.pagecache,
        "neo4j_jit_threshold_scaling": args.jit_scaling,
        "neo4j_jit_inlining": args.jit_inlining,
        "neo4j_gc": args.gc,
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
