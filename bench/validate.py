"""Validation benchmark: single-entity changes through the incremental path vs one full run.

    python bench/validate.py --entities 100000 [--changes 300] [--seed 7] [--skip-full]

Starts its own managed Neo4j on free ports (a data folder per size and seed is kept under
bench/results/ so reruns skip the load; --fresh reloads), loads demo data, then applies
``--changes`` random change sets of mixed kinds (SLA terms, payment terms, credit limits,
order confirmations, stock, currencies, cross-system statuses, service credits created and
deleted) through ``ChangePipeline.apply`` — validation inside the transaction, audit,
impact, alert outbox — and times each, after a pass that warms Neo4j's page cache
(``--no-prewarm`` skips it) and ``--warmup`` untimed changes, and a ``gc.freeze()`` as
the API does at start. The warm-up is what a running service has behind it: Neo4j's JIT
needs ~30,000 statements (~1,500 changes) before a statement costs what it will (a
``RETURN 1`` falls from 0.8 to 0.2 ms of server CPU); it also caches a plan per
statement and parameter types, and pySHACL validators are built per class.
``--warmup 150`` times the first minutes after a Neo4j restart. Then one full
validation of the same graph.
The LAST line is one JSON object:
``{"entities": N, "change_p50_ms": …, "change_p95_ms": …, "full_validation_s": …,
"speedup": …}`` (speedup = full validation time / median change time).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import random
import shutil
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from semgraph.bootstrap import Container
from semgraph.demo import load_demo
from semgraph.demo.changes import random_change, sample_ids
from semgraph.demo.loader import count_business_entities
from semgraph.exceptions import ChangeRefusedError, ConflictError
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import scratch_settings
from semgraph.validation.full import validate_graph

RESULTS = Path(__file__).resolve().parent / "results"
PREWARM = [
    "MATCH (n) RETURN sum(size(keys(n))) AS properties",
    "MATCH ()-[r]->() RETURN sum(size(keys(r))) AS properties",
    "MATCH (n:Resource) WHERE n.iri IS NOT NULL RETURN count(n) AS iris",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--heap", default="3g")
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1500,
        help="changes applied first, untimed: Neo4j's JIT, query plans per parameter shape, "
        "validators (150 times the first minutes after a restart)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="skip gc.freeze() after the warm-up (the API freezes what exists at start)",
    )
    parser.add_argument("--skip-full", action="store_true", help="skip the full validation")
    parser.add_argument(
        "--no-prewarm", action="store_true", help="time changes on a cold page cache"
    )
    parser.add_argument("--fresh", action="store_true", help="reload the demo data")
    args = parser.parse_args()
    console = Console(stderr=True)

    data_dir = RESULTS / f"validate-{args.entities}-{args.seed}"
    if args.fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    settings = scratch_settings(data_dir, heap=args.heap, pagecache=args.pagecache)
    server = ManagedServer(settings)
    server.start()
    container = Container(settings)
    try:
        db = settings.neo4j_database
        if count_business_entities(container.driver, container.ontology, db) == 0:
            console.print(f"loading {args.entities:,} demo entities…")
            load_demo(container.driver, container.ontology, db, args.entities, args.seed)
        pipeline = container.pipeline
        container.ensure_schema()  # as `make up` does: the change log's ids are looked up
        if not args.no_prewarm:
            # A restarted server's page cache is cold (Community has no warm-up of its
            # own); a running service has its graph in memory. One pass over the node and
            # relationship stores and the IRI index puts it there, as use would.
            with console.status("warming Neo4j's page cache…"):
                for query in PREWARM:
                    container.driver.execute_query(query, database_=db)
        rng = random.Random(args.seed)
        tag = f"{time.time_ns() % 10**8:08d}-"
        ids = sample_ids(container.driver, db, per_class=400, seed=args.seed)
        # warm up: plans cached, validators built per class
        for n in range(args.warmup):
            with contextlib.suppress(ChangeRefusedError, ConflictError):
                pipeline.apply(random_change(rng, ids, 1_000_000 + n, tag))
        if not args.no_gc_freeze:
            gc.collect()
            gc.freeze()
        latencies: list[float] = []
        slowest: list[tuple[float, str, dict[str, float]]] = []
        parts: dict[str, list[float]] = {}
        by_kind: dict[str, list[float]] = {}
        refused = warnings = 0
        for n in range(args.changes):
            change = random_change(rng, ids, n, tag)
            start = time.perf_counter()
            result = None
            try:
                result = pipeline.apply(change)
                warnings += bool(result.warnings)
                for key, value in result.timings_ms.items():
                    parts.setdefault(key, []).append(value)
            except ChangeRefusedError:
                refused += 1
            latencies.append((time.perf_counter() - start) * 1000)
            kind = change.operations[0]
            cls = getattr(kind, "cls", None) or getattr(kind, "from_cls", "?")
            label = f"{type(kind).__name__.removesuffix('Entity')} {cls}"
            by_kind.setdefault(label, []).append(latencies[-1])
            if result is not None:
                slowest.append((latencies[-1], f"#{n} {label}", result.timings_ms))
        full_s = None
        if not args.skip_full:
            console.print("full validation…")
            report = validate_graph(
                container.driver, db, container.ontology, container.engine, container.reach
            )
            full_s = report.seconds
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        table = Table(title=f"incremental validation, {args.entities:,} entities")
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_row("changes", str(len(latencies)))
        table.add_row("refused (Violation)", str(refused))
        table.add_row("committed with warnings", str(warnings))
        table.add_row("change p50 ms", f"{p50:.1f}")
        table.add_row("change p95 ms", f"{p95:.1f}")
        for key, values in parts.items():
            table.add_row(f"  {key} p50 ms", f"{statistics.median(values):.1f}")
        for label, values in sorted(by_kind.items()):
            table.add_row(
                f"  {label} (n={len(values)}) p50 / max ms",
                f"{statistics.median(values):.1f} / {max(values):.1f}",
            )
        if full_s is not None:
            table.add_row("full validation s", f"{full_s:.1f}")
        console.print(table)
        for ms, label, timings in sorted(slowest, key=lambda x: -x[0])[:8]:
            shown = ", ".join(f"{k} {v:.0f}" for k, v in timings.items() if v >= 1)
            console.print(f"slow: {ms:.0f} ms {label}: {shown}", soft_wrap=True)
        print(
            json.dumps(
                {
                    "entities": args.entities,
                    "change_p50_ms": round(p50, 1),
                    "change_p95_ms": round(p95, 1),
                    "full_validation_s": None if full_s is None else round(full_s, 1),
                    "speedup": None if full_s is None else round(full_s * 1000 / p50),
                    "changes": len(latencies),
                    "refused": refused,
                }
            )
        )
    finally:
        container.close()
        server.stop()


if __name__ == "__main__":
    main()
