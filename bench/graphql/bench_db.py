"""The benchmark's Neo4j: a managed server whose data folder is cached between runs.

``bench_server(entities)`` starts (or restarts) the server in
``bench/results/graphql-neo4j-<entities>/`` and loads the demo graph once; later runs
reuse the loaded data. Ports are fixed per folder so the cached conf stays valid.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from semgraph.config import Settings
from semgraph.demo import load_demo
from semgraph.demo.loader import count_business_entities
from semgraph.graph.connection import open_driver
from semgraph.neo4j_server import ManagedServer
from semgraph.ontology.model import Ontology

RESULTS = Path(__file__).resolve().parent.parent / "results"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bench_settings(entities: int, heap: str = "2g", pagecache: str = "2g") -> Settings:
    """Settings of the cached benchmark server for ``entities`` (ports remembered)."""
    data_dir = RESULTS / f"graphql-neo4j-{entities}"
    data_dir.mkdir(parents=True, exist_ok=True)
    ports_file = data_dir / "ports.json"
    if ports_file.exists():
        ports = json.loads(ports_file.read_text())
    else:
        ports = {"bolt": _free_port(), "http": _free_port()}
        ports_file.write_text(json.dumps(ports))
    return Settings(
        data_dir=data_dir,
        neo4j_bolt_port=ports["bolt"],
        neo4j_http_port=ports["http"],
        neo4j_heap=heap,
        neo4j_pagecache=pagecache,
        _env_file=None,
    )


def bench_server(entities: int, seed: int = 42, **memory: str) -> tuple[Settings, ManagedServer]:
    """Start the cached server and make sure it holds the demo graph of ``entities``."""
    settings = bench_settings(entities, **memory)
    server = ManagedServer(settings)
    server.start()
    ontology = Ontology.load()
    driver = open_driver(settings)
    try:
        present = count_business_entities(driver, ontology, settings.neo4j_database)
        if present < entities * 0.9:
            load_demo(
                driver, ontology, settings.neo4j_database, entities, seed,
                progress=False, existing="replace",
            )  # fmt: skip
    finally:
        driver.close()
    return settings, server
