"""Sync benchmark: realistic CRM + ERP exports through the governed sync, timed.

    python bench/sync.py --records 20000 [--batch-size 100] [--seed 7] [--warmup 2000]

Writes CSV exports into a temp folder — ERP materials (MARA), CRM accounts, SAP customer
masters (KNA1, the same customers by tax id), CRM contacts, sales orders (VBAK) and order
lines (VBAP), orders referencing customers and lines referencing orders and materials, a
few rows per thousand bad (negative quantities, impossible dates, missing keys) — and
syncs them table by table with ``semgraph sync``'s service: every record mapped,
validated (one pySHACL run per batch), audited and alert-checked. First, untimed, the
same kind of exports of ``--warmup`` records with keys, names and tax ids of their own:
the timed run goes into a warmed database, not a just-started, empty one. Then the same
files again (``second_run_seconds``: nothing to write), then ``verdicts_equal``: a sample of
new order lines, good and bad, dry-run one by one through the per-change pipeline,
against the batched sync's verdicts on the same rows.

Starts its own managed Neo4j on free ports in a temp folder (removed at the end), or uses
``--uri`` / ``--password``. The LAST line is one JSON object: records, records_per_s,
rejected, batch_p95_ms, peak_rss_mb, verdicts_equal, second_run_seconds, ….
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import vm_speed_s  # bench/measure.py, beside this script

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import scratch_settings
from semgraph.sync import BATCH_SIZE
from semgraph.sync.service import SyncService
from semgraph.sync.verdicts import dry_run_each

WARMUP_KEYS = 100_000_000  # the warm-up's keys, names and tax ids count from here
# Of every 100 records: customers (CRM + ERP), contacts, orders, lines; materials on top.
SHARES = {"Account": 10, "KNA1": 10, "Contact": 15, "VBAK": 20, "VBAP": 45}


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def exports(folder: Path, records: int, seed: int, first: int = 0) -> list[tuple[str, str, Path]]:
    """The files, in the order they must be synced (referenced tables first); every key,
    name and tax id counts from ``first`` (the warm-up's records share none)."""
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    n = {t: max(1, records * share // 100) for t, share in SHARES.items()}
    materials = max(10, records // 200)
    mara = [
        {"MATNR": f"M{i:06d}", "MAKTX": f"Material {i}", "MEINS": "ea"}
        for i in range(first, first + materials)
    ]
    accounts = [
        {"Id": f"001{i:09d}", "Name": f"Customer {i} Ltd",
         "Status__c": rnd.choice(["Active", "Active", "Churned"]),
         "Rating__c": rnd.choice(["Hot", "Warm", "Cold"]),
         "BillingCountryCode": rnd.choice(["de", "cn", "us"]),
         "Phone": f"+49 30 {i:07d}", "Email__c": f"ap{i}@customer{i}.example", "Industry": "Retail",
         "Tax_ID__c": f"TX{i:08d}", "Credit_Limit__c": str(rnd.randrange(10, 500) * 1000)}
        for i in range(first, first + n["Account"])
    ]  # fmt: skip
    kna1 = [
        {"KUNNR": f"{first + i:010d}", "NAME1": f"CUSTOMER {first + i} LTD",
         "LAND1": a["BillingCountryCode"].upper(),
         "STCD1": a["Tax_ID__c"], "SPERR": "", "KLIMK": a["Credit_Limit__c"]}
        for i, a in enumerate(accounts[: n["KNA1"]])
    ]  # fmt: skip
    contacts = [
        {"Id": f"003{first + i:09d}", "AccountId": accounts[i % len(accounts)]["Id"],
         "Name": f"Person {first + i}", "Email": f"p{first + i}@example.com", "Title": "Buyer"}
        for i in range(n["Contact"])
    ]  # fmt: skip
    orders = [
        {"VBELN": f"{first + i:010d}", "KUNNR": kna1[i % len(kna1)]["KUNNR"],
         "NETWR": f"{rnd.randrange(100, 99999)}.00", "WAERK": "EUR",
         "AUDAT": f"2026{rnd.randrange(1, 13):02d}{rnd.randrange(1, 29):02d}", "GBSTK": "C"}
        for i in range(n["VBAK"])
    ]  # fmt: skip
    for i in range(0, len(orders), 997):  # an impossible SAP date now and then
        orders[i]["AUDAT"] = "19970231"
    lines = []
    for i in range(n["VBAP"]):
        order = orders[i % len(orders)]
        lines.append(
            {"VBELN": order["VBELN"], "POSNR": f"{(i // len(orders) + 1) * 10:06d}",
             "MATNR": mara[i % len(mara)]["MATNR"], "KWMENG": str(rnd.randrange(1, 20)),
             "NETPR": f"{rnd.randrange(1, 500)}.50", "NETWR": ""}
        )  # fmt: skip
    for i in range(0, len(lines), 499):
        lines[i]["KWMENG"] = "-2"
    for i in range(0, len(accounts), 1009):
        accounts[i]["Id"] = ""
    return [
        ("ERP", "MARA", write(folder / "mara.csv", mara)),
        ("CRM", "Account", write(folder / "accounts.csv", accounts)),
        ("ERP", "KNA1", write(folder / "kna1.csv", kna1)),
        ("CRM", "Contact", write(folder / "contacts.csv", contacts)),
        ("ERP", "VBAK", write(folder / "vbak.csv", orders)),
        ("ERP", "VBAP", write(folder / "vbap.csv", lines)),
    ]


def sample_lines(folder: Path, orders: Path, materials: Path, size: int, seed: int) -> Path:
    rnd = random.Random(seed + 1)
    with orders.open() as o, materials.open() as m:
        order_ids = [r["VBELN"] for r in csv.DictReader(o)][:50]
        skus = [r["MATNR"] for r in csv.DictReader(m)]
    rows = [
        {"VBELN": rnd.choice(order_ids), "POSNR": f"{900000 + i:06d}", "MATNR": rnd.choice(skus),
         "KWMENG": "-1" if i % 5 == 0 else str(rnd.randrange(1, 9)), "NETPR": "10.00", "NETWR": ""}
        for i in range(size)
    ]  # fmt: skip
    return write(folder / "sample.csv", rows)


def run_all(service: SyncService, files: list[tuple[str, str, Path]]) -> dict[str, Any]:
    started = time.perf_counter()
    totals = {"records": 0, "rejected": 0, "change_events": 0}
    batch_ms: list[float] = []
    per_table = {}
    for system, table, path in files:
        summary = service.run(system, table, [path], rejects_dir=path.parent / "rejects")
        data = summary.as_dict()
        per_table[f"{system}.{table}"] = data["records_per_s"]
        for key in totals:
            totals[key] += data[key]
        batch_ms += summary.batch_ms
    seconds = time.perf_counter() - started
    batch_ms.sort()
    p95 = batch_ms[int(0.95 * (len(batch_ms) - 1))] if batch_ms else 0.0
    return {**totals, "seconds": seconds, "batch_p95_ms": round(p95, 1), "per_table": per_table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--sample", type=int, default=100, help="rows for verdicts_equal")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--warmup",
        type=int,
        default=2000,
        help="records of other keys synced first, untimed: the database holds data and "
        "the JIT has compiled its plans, as in a warmed database",
    )
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--uri", help="use this Neo4j (its database is NOT wiped: use a spare one)")
    parser.add_argument("--password", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="semgraph-bench-sync-"))
    server = None
    if args.uri:
        settings = Settings(neo4j_uri=args.uri, neo4j_password=args.password, data_dir=folder)
    else:
        settings = scratch_settings(folder / "neo4j", heap=args.heap, pagecache=args.pagecache)
        server = ManagedServer(settings)
        server.start()
    container = Container(settings)
    try:
        container.ensure_schema()
        service = container.sync(batch_size=args.batch_size)
        service.checkpoint_dir = folder / "checkpoints"
        if args.warmup:
            run_all(service, exports(folder / "warmup", args.warmup, args.seed + 1, WARMUP_KEYS))
        files = exports(folder, args.records, args.seed)
        first = run_all(service, files)
        second = run_all(service, files)
        sample = sample_lines(folder, files[4][2], files[0][2], args.sample, args.seed)
        one_by_one = dry_run_each(service, "ERP", "VBAP", sample)
        batched = service.run("ERP", "VBAP", [sample], rejects_dir=folder / "rejects")
        rejected_lines = set()
        rejects = folder / "rejects" / "sample.rejects.csv"
        if rejects.exists():
            with rejects.open() as handle:
                rejected_lines = {int(r["_reject_line"]) for r in csv.DictReader(handle)}
        batched_verdicts = {line: line not in rejected_lines for line in one_by_one}
        result = {
            "records": first["records"],
            "warmup_records": args.warmup,
            "seconds": round(first["seconds"], 2),
            "records_per_s": round(first["records"] / first["seconds"], 1),
            "rejected": first["rejected"],
            "change_events": first["change_events"],
            "batch_size": args.batch_size,
            "batch_p95_ms": first["batch_p95_ms"],
            "per_table_records_per_s": first["per_table"],
            "second_run_seconds": round(second["seconds"], 2),
            "second_run_change_events": second["change_events"],
            "verdicts_equal": one_by_one == batched_verdicts,
            "verdicts_sample": len(one_by_one),
            "verdicts_rejected": sum(1 for v in one_by_one.values() if not v),
            "sample_rejected": batched.total("rejected"),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "vm_loop_s": vm_speed_s(),
        }
    finally:
        container.close()
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
