"""semgraph vs @neo4j/graphql on the same Neo4j and demo graph: p50/p95 per query shape.

    python bench/graphql/compare.py [--entities 100000] [--concurrency 8] [--requests 200]

Starts (or reuses, see ``bench_db``) a managed Neo4j holding the demo graph, starts
both GraphQL servers with the same connection pool size (``Settings.neo4j_pool_size``),
checks that every shape answers without errors on both, warms up, then measures each
shape in alternating rounds (so background noise hits both sides alike; the side that
goes first alternates too) at a fixed concurrency, and requests/s of a mix of all
shapes at concurrency 16, also in alternating rounds. Prints a table;
the LAST line is one JSON object (ratio = semgraph p95 / @neo4j/graphql p95).
Run ``npm install`` in this folder first (``run.sh`` does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_db import RESULTS, bench_server  # noqa: E402
from typedefs import typedefs  # noqa: E402

from semgraph.graph.connection import credentials, open_driver  # noqa: E402
from semgraph.ontology.model import Ontology  # noqa: E402
from shapes import shapes  # noqa: E402

SIDES = ("semgraph", "neo4j_graphql")
KEY = "bench-admin-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            httpx.post(url, json={"query": "{ __typename }"}, headers={"X-API-Key": KEY}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Client:
    def __init__(self, urls: dict[str, str], ids: list[str]) -> None:
        self.urls, self.ids = urls, ids
        # idle connections are dropped before either server's 5 s keep-alive timeout
        # closes them under a request (a ReadError at random, with alternating rounds)
        limits = httpx.Limits(
            max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0
        )
        self.http = httpx.AsyncClient(timeout=60, limits=limits)

    async def one(self, side: str, shape: str) -> float:
        query, variables = shapes(random.choice(self.ids))[shape][side]
        start = time.perf_counter()
        r = await self.http.post(
            self.urls[side],
            json={"query": query, "variables": variables},
            headers={"X-API-Key": KEY},
        )
        elapsed = (time.perf_counter() - start) * 1000
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{side} {shape}: {r.status_code} {json.dumps(body)[:600]}")
        return elapsed

    async def run(self, side: str, shape_list: list[str], n: int, concurrency: int) -> list[float]:
        out: list[float] = []
        todo = iter(range(n))

        async def worker() -> None:
            for i in todo:
                out.append(await self.one(side, shape_list[i % len(shape_list)]))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return out


async def measure(args: argparse.Namespace, urls: dict[str, str], ids: list[str]) -> dict[str, Any]:
    client = Client(urls, ids)
    names = list(shapes(ids[0]))
    for shape in names:  # correctness first: both sides answer every shape
        for side in SIDES:
            await client.one(side, shape)
    for side in SIDES:
        await client.run(side, names, args.warmup * len(names), args.concurrency)
    lat: dict[str, dict[str, list[float]]] = {s: {side: [] for side in SIDES} for s in names}
    rounds = args.rounds
    for r in range(rounds):
        order = SIDES if r % 2 == 0 else SIDES[::-1]  # neither side always goes first
        for shape in names:
            for side in order:
                lat[shape][side] += await client.run(
                    side, [shape], args.requests // rounds, args.concurrency
                )
    done = dict.fromkeys(SIDES, 0)
    busy = dict.fromkeys(SIDES, 0.0)
    for r in range(rounds):
        for side in SIDES if r % 2 == 0 else SIDES[::-1]:
            start = time.perf_counter()
            done[side] += len(await client.run(side, names, args.rps_requests // rounds, 16))
            busy[side] += time.perf_counter() - start
    rps = {side: round(done[side] / busy[side], 1) for side in SIDES}
    await client.http.aclose()
    return {"lat": lat, "rps": rps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--requests", type=int, default=200, help="measured requests per shape and side"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="warm-up requests per shape and side"
    )
    parser.add_argument("--rps-requests", type=int, default=500)
    parser.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="alternating rounds the requests are split into (noise hits both sides alike)",
    )
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the cached Neo4j running")
    args = parser.parse_args()

    console = Console(stderr=True)
    with console.status(f"Neo4j with {args.entities:,} demo entities…"):
        settings, server = bench_server(args.entities)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        driver = open_driver(settings)
        ids = [
            r["id"]
            for r in driver.execute_query(
                "MATCH (c:Customer) RETURN c.id AS id ORDER BY id LIMIT 500"
            ).records
        ]
        driver.close()
        typedefs_file = RESULTS / "neo4j-graphql-typeDefs.graphql"
        typedefs_file.write_text(typedefs(Ontology.load()))
        user, password = credentials(settings)
        ports = {"semgraph": _free_port(), "neo4j_graphql": _free_port()}
        env = {
            **os.environ,
            "NEO4J_URI": settings.bolt_uri,
            "NEO4J_USER": user,
            "NEO4J_PASSWORD": password,
            "POOL_SIZE": str(settings.neo4j_pool_size),
            "PORT": str(ports["neo4j_graphql"]),
            "TYPEDEFS": str(typedefs_file),
        }
        log = open(RESULTS / "graphql-servers.log", "ab")  # noqa: SIM115
        procs.append(
            subprocess.Popen(["node", str(HERE / "server.mjs")], env=env, stdout=log, stderr=log)
        )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(HERE / "semgraph_server.py"),
                    str(args.entities),
                    str(ports["semgraph"]),
                    KEY,
                ],
                stdout=log,
                stderr=log,
            )
        )
        urls = {
            side: f"http://127.0.0.1:{port}/graphql"
            if side == "semgraph"
            else f"http://127.0.0.1:{port}/"
            for side, port in ports.items()
        }
        with console.status("starting both GraphQL servers…"):
            _wait_http(urls["semgraph"], procs[1])
            _wait_http(urls["neo4j_graphql"], procs[0])
        with console.status("measuring…"):
            result = asyncio.run(measure(args, urls, ids))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
        if not args.keep_neo4j:
            server.stop()

    table = Table(title=f"GraphQL, {args.entities:,} entities, concurrency {args.concurrency} (ms)")
    for col in (
        "shape",
        "semgraph p50",
        "semgraph p95",
        "@neo4j/graphql p50",
        "@neo4j/graphql p95",
        "ratio p95",
    ):
        table.add_column(col, justify="right")
    out: dict[str, Any] = {"entities": args.entities, "shapes": {}}
    for shape, per_side in result["lat"].items():
        sg, ng = per_side["semgraph"], per_side["neo4j_graphql"]
        ratio = p95(sg) / p95(ng)
        out["shapes"][shape] = {
            "semgraph_p95_ms": round(p95(sg), 2),
            "neo4j_graphql_p95_ms": round(p95(ng), 2),
            "ratio": round(ratio, 3),
            "semgraph_p50_ms": round(median(sg), 2),
            "neo4j_graphql_p50_ms": round(median(ng), 2),
        }
        table.add_row(
            shape,
            f"{median(sg):.1f}",
            f"{p95(sg):.1f}",
            f"{median(ng):.1f}",
            f"{p95(ng):.1f}",
            f"{ratio:.2f}",
        )
    out["rps_c16"] = result["rps"]
    Console().print(table)
    print(f"requests/s at concurrency 16 (mix of all shapes): {result['rps']}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
