"""Run semgraph's app (with /graphql) under uvicorn for the benchmark.

    python bench/graphql/semgraph_server.py <entities> <port> <api-key>

Uses the cached benchmark Neo4j of ``bench_db`` (pool size from ``Settings``). One
uvicorn worker process (uvloop + httptools from ``uvicorn[standard]``), as the Node side
is one process with one event loop (Apollo's standalone server).
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_db import bench_settings

from semgraph.api.app import create_app
from semgraph.api.graphql.settings import ApiSettings
from semgraph.bootstrap import Container


def main() -> None:
    entities, port, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    settings = bench_settings(entities)
    api = ApiSettings(keys={key: {"actor": "bench", "role": "admin"}}, _env_file=None)
    app = create_app(settings, Container(settings), api)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        workers=1,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
