"""Data-health benchmark: the report over a graph of N customers with a CRM and an ERP record
each (2N system records), plus a run log.

    python bench/data_health.py --customers 100000 [--repeats 5] [--fresh]

Starts its own managed Neo4j on free ports (the data folder per size is kept under
bench/results/ so reruns skip the load; --fresh reloads). The graph is bulk-written by
this script (unvalidated, like the demo load): 80 % of the customers have an e-mail, one
in 200 shares its tax id with another customer, and 1,000 sync runs are logged. Then
``DataHealthService.report()`` runs ``--repeats`` times (the first after a restart is
cold), and once filtered to one class and system.
The LAST line is one JSON object:
``{"customers": N, "records": 2N, "report_cold_ms": …, "report_ms": …,
"report_filtered_ms": …, "email_completeness": 0.8, "duplicate_match_keys": …}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

from semgraph.bootstrap import Container
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import scratch_settings
from semgraph.ontology.schema import ensure_schema

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 10_000

LOAD = """UNWIND $rows AS row
CREATE (c:Resource:BusinessEntity:Customer {
  iri: 'https://semgraph.io/id/Customer/' + row.id, id: row.id, name: row.name,
  status: 'active', email: row.email, taxId: row.tax})
CREATE (crm:Resource:BusinessEntity:SystemRecord {
  iri: 'https://semgraph.io/id/SystemRecord/CRM.Customer.' + row.key,
  id: 'CRM.Customer.' + row.key, sourceSystem: 'CRM', externalId: row.key,
  reportedName: row.name, syncedAt: datetime()})
CREATE (erp:Resource:BusinessEntity:SystemRecord {
  iri: 'https://semgraph.io/id/SystemRecord/ERP.Customer.' + row.key,
  id: 'ERP.Customer.' + row.key, sourceSystem: 'ERP', externalId: row.key,
  reportedName: toUpper(row.name), recordStatus: 'active', syncedAt: datetime()})
CREATE (c)-[:hasSystemRecord]->(crm), (c)-[:hasSystemRecord]->(erp)
"""

RUNS = """UNWIND range(1, $n) AS k
CREATE (:SyncRun {runId: 'bench-' + k, system: CASE k % 2 WHEN 0 THEN 'CRM' ELSE 'ERP' END,
  sourceTable: CASE k % 2 WHEN 0 THEN 'Account' ELSE 'KNA1' END, targetClass: 'Customer',
  status: 'completed', records: 100, rejected: k % 3, duplicateKeys: k % 5,
  startedAt: datetime() - duration({minutes: k}), finishedAt: datetime() - duration({minutes: k})})
"""


def load(container: Container, customers: int) -> None:
    db = container.settings.neo4j_database
    ensure_schema(container.driver, container.ontology, db)
    for start in range(0, customers, BATCH):
        rows = [
            {
                "id": f"CUS-B{i:07d}",
                "key": f"{i:07d}",
                "name": f"Bench Customer {i}",
                "email": None if i % 5 == 0 else f"c{i}@bench.example",
                "tax": f"DE{(i - i % 2) if i % 200 < 2 else i:09d}",  # 1 in 200 shares one
            }
            for i in range(start, min(start + BATCH, customers))
        ]
        container.driver.execute_query(LOAD, rows=rows, database_=db)
    container.driver.execute_query(RUNS, n=1_000, database_=db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--fresh", action="store_true", help="reload the graph")
    args = parser.parse_args()
    data_dir = RESULTS / f"health-{args.customers}"
    if args.fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    loaded = data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = scratch_settings(data_dir, heap=args.heap, pagecache=args.pagecache)
    server = ManagedServer(settings)
    server.start()
    container = Container(settings)
    try:
        if not loaded:
            print(f"loading {args.customers:,} customers with 2 records each…")
            load(container, args.customers)
        health = container.data_health
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            rows = health.report()
            timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        [crm] = health.report("Customer", "CRM")
        filtered_ms = (time.perf_counter() - started) * 1000
        email = next(f.share for f in crm.completeness if f.property == "email")
        for row in rows:
            print(f"{row.cls:<10} {row.system:<4} records {row.records:>8,}  "
                  f"reject rate {row.reject_rate}  duplicate match keys "
                  f"{row.duplicate_match_keys}")  # fmt: skip
        print(
            json.dumps(
                {
                    "customers": args.customers,
                    "records": sum(r.records for r in rows),
                    "report_cold_ms": round(timings[0], 1),
                    "report_ms": round(statistics.median(timings[1:] or timings), 1),
                    "report_filtered_ms": round(filtered_ms, 1),
                    "email_completeness": email,
                    "duplicate_match_keys": crm.duplicate_match_keys,
                }
            )
        )
    finally:
        container.close()
        server.stop()


if __name__ == "__main__":
    main()
