"""The managed Kafka broker: lifecycle and the errors a user sees when something is wrong."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from confluent_kafka import Consumer, Producer

from semgraph.config import Settings
from semgraph.exceptions import KafkaServerError
from semgraph.kafka_server import ManagedKafka
from tests.conftest import free_port


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "kafka_port": free_port(),
        "kafka_controller_port": free_port(),
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(Path.home()),
        "SEMGRAPH_DATA_DIR": str(settings.data_dir),
        "SEMGRAPH_KAFKA_PORT": str(settings.kafka_port),
        "SEMGRAPH_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
    }
    return subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def _read_one(bootstrap: str, topic: str) -> bytes | None:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "reader", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    try:
        for _ in range(30):
            for message in consumer.consume(1, 1.0):
                if not message.error():
                    return message.value()
        return None
    finally:
        consumer.close()


def test_cli_lifecycle_start_status_logs_stop_and_messages_persist(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    started = _cli(settings, "kafka", "start")
    assert started.returncode == 0, started.stderr
    assert f"127.0.0.1:{settings.kafka_port}  ready" in started.stdout
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap})
    producer.produce("kept", value=b'{"name": "kept"}')
    assert producer.flush(30) == 0
    status = _cli(settings, "kafka", "status")
    assert status.returncode == 0 and "running" in status.stdout
    assert "Kafka Server started" in _cli(settings, "kafka", "logs", "-n", "500").stdout
    assert _cli(settings, "kafka", "stop").returncode == 0
    stopped = _cli(settings, "kafka", "status")
    assert stopped.returncode == 3 and "stopped" in stopped.stdout

    # Started again, the storage is not formatted anew: the message is still there.
    assert _cli(settings, "kafka", "start").returncode == 0
    try:
        assert _read_one(settings.kafka_bootstrap, "kept") == b'{"name": "kept"}'
    finally:
        assert _cli(settings, "kafka", "stop").returncode == 0
    assert "Kafka was not running" in _cli(settings, "kafka", "stop").stdout


def test_port_in_use_is_reported_with_a_free_alternative(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = _cli(_settings(tmp_path, kafka_port=port), "kafka", "start")
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "in use" in result.stderr
    assert "SEMGRAPH_KAFKA_PORT=" in result.stderr
    assert "Traceback" not in result.stderr


def test_download_failure_names_the_version_that_could_not_be_fetched(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_version="4.1.999", cache_dir=tmp_path / "cache")
    try:
        ManagedKafka(settings).start()
    except KafkaServerError as err:
        assert "Kafka 4.1.999" in err.message and "SEMGRAPH_KAFKA_VERSION" in (err.hint or "")
    else:
        raise AssertionError("a version that does not exist must be refused")
    assert not any((tmp_path / "cache").glob("kafka-4.1.999*/manifest.json"))
    assert ManagedKafka(settings).pid() is None
