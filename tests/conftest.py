"""Test fixtures: one real Neo4j instance for the whole run, started by the project itself.

The instance lives in a temporary data folder on free ports, so it never touches a user's
own instance. Set SEMGRAPH_TEST_NEO4J_URI (+ _PASSWORD) to run against an existing server
instead; the suite then wipes that database, so never point it at real data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

# Entity cards follow committed changes into the RAG index when one exists; keep the tests'
# changes away from a developer's own index (this folder is never created).
os.environ.setdefault(
    "SEMGRAPH_RAG_INDEX_DIR",
    str(Path(tempfile.gettempdir()) / f"semgraph-test-{os.getpid()}-no-index"),
)

from semgraph.config import Settings
from semgraph.graph.connection import open_driver
from semgraph.kafka_server import ManagedKafka
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import free_port, scratch_settings


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Settings of the test instance (managed Neo4j on free ports in a temp folder)."""
    external = os.environ.get("SEMGRAPH_TEST_NEO4J_URI")
    if external:
        yield Settings(
            neo4j_uri=external,
            neo4j_password=os.environ.get("SEMGRAPH_TEST_NEO4J_PASSWORD", ""),
            _env_file=None,
        )
        return
    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-test-"))
    yield scratch_settings(data_dir, heap="1g", pagecache="512m", api_port=free_port())
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def neo4j_server(settings: Settings) -> Iterator[ManagedServer | None]:
    """The running test server (None when an external one is used)."""
    if not settings.managed:
        yield None
        return
    server = ManagedServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """``host:port`` of a real Kafka broker for the run: the managed one (KRaft, one node) in
    a temp folder on free ports, or SEMGRAPH_TEST_KAFKA_BOOTSTRAP's. Started on first use."""
    external = os.environ.get("SEMGRAPH_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-test-kafka-"))
    broker = ManagedKafka(
        Settings(
            data_dir=data_dir,
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            _env_file=None,
        )
    )
    broker.start()
    yield broker.settings.kafka_bootstrap
    broker.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def driver(settings: Settings, neo4j_server: ManagedServer | None) -> Iterator[neo4j.Driver]:
    drv = open_driver(settings)
    yield drv
    drv.close()


def _delete_data(driver: neo4j.Driver, settings: Settings) -> None:
    with driver.session(database=settings.neo4j_database) as session:
        # CALL … IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


@pytest.fixture
def cleared_db(driver: neo4j.Driver, settings: Settings) -> neo4j.Driver:
    """The test database with every node and relationship removed; constraints and indexes
    stay, for tests that would only build the same schema again (seconds per test)."""
    _delete_data(driver, settings)
    return driver


@pytest.fixture
def empty_db(driver: neo4j.Driver, settings: Settings) -> neo4j.Driver:
    """The test database with every node, relationship and semgraph constraint removed."""
    _delete_data(driver, settings)
    for record in driver.execute_query("SHOW CONSTRAINTS YIELD name").records:
        driver.execute_query(f"DROP CONSTRAINT `{record['name']}`")
    for record in driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
    ).records:
        driver.execute_query(f"DROP INDEX `{record['name']}`")
    return driver
