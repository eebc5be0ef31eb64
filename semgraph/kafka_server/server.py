"""Lifecycle of one managed Kafka broker: configure, format, start, wait, status, stop.

A single KRaft node (broker and controller in one JVM) on loopback. An instance is
identified by its home folder (``SEMGRAPH_DATA_DIR``/kafka) and its ports, so tests and a
user's own broker run side by side. The storage is formatted on the first start only:
the cluster id is kept in the home folder and the data survives restarts.
"""

from __future__ import annotations

import base64
import logging
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from semgraph.config import Settings
from semgraph.exceptions import KafkaServerError, Neo4jServerError
from semgraph.kafka_server.distribution import KafkaDistribution, ensure_kafka_distribution
from semgraph.neo4j_server.java import find_java
from semgraph.ports import free_port_near, port_owner
from semgraph.processes import running_pid, stop_pid, tail

_MAIN = "kafka.Kafka"
_STORAGE_TOOL = "kafka.tools.StorageTool"
_NODE_ID = 1
# A quiet probe: while the broker starts, librdkafka would log each refused connection.
_quiet = logging.getLogger("semgraph.kafka.probe")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False

_LOG4J2 = """# Written by semgraph on every start.
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {logs}/server.log
appender.file.filePattern = {logs}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def _cluster_id() -> str:
    """16 random bytes in URL-safe base64 without padding, as Kafka writes its ids; never
    starting with `-`, which the storage tool would read as an option."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


@dataclass(frozen=True)
class KafkaStatus:
    """What ``semgraph kafka status`` reports."""

    running: bool
    pid: int | None
    bootstrap: str
    home: Path
    ready: bool
    version: str


class ManagedKafka:
    """One local Kafka broker under ``settings.kafka_home``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.kafka_home

    # --- files ---------------------------------------------------------------------------
    @property
    def conf_file(self) -> Path:
        return self.home / "conf" / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"

    @property
    def console_file(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "kafka.pid"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def write_conf(self) -> None:
        s = self.settings
        for sub in ("conf", "data", "logs", "run"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        conf = {
            "process.roles": "broker,controller",
            "node.id": str(_NODE_ID),
            "controller.quorum.voters": f"{_NODE_ID}@127.0.0.1:{s.kafka_controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{s.kafka_port},"
            f"CONTROLLER://127.0.0.1:{s.kafka_controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{s.kafka_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            # one node: internal topics cannot be replicated, and need few partitions
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # a lone consumer should not wait 3 s for group members that never come
            "group.initial.rebalance.delay.ms": "0",
        }
        text = "# Written by semgraph on every start; edit SEMGRAPH_KAFKA_* settings instead.\n"
        text += "".join(f"{k}={v}\n" for k, v in conf.items())
        self.conf_file.write_text(text)
        (self.home / "conf" / "log4j2.properties").write_text(
            _LOG4J2.format(logs=self.home / "logs")
        )

    # --- process -------------------------------------------------------------------------
    def pid(self) -> int | None:
        """PID of the running broker of this instance, or None."""
        return running_pid(self.pid_file, str(self.conf_file))

    def answers(self, timeout_s: float = 2.0) -> bool:
        """True when the broker serves metadata on its client port."""
        try:
            with socket.create_connection(("127.0.0.1", self.settings.kafka_port), 1.0):
                pass
        except OSError:
            return False
        admin = AdminClient({"bootstrap.servers": self.settings.kafka_bootstrap}, logger=_quiet)
        try:
            metadata = admin.list_topics(timeout=timeout_s)
        except KafkaException:
            return False
        return bool(metadata.brokers)

    def status(self) -> KafkaStatus:
        pid = self.pid()
        return KafkaStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=self.settings.kafka_bootstrap,
            home=self.home,
            ready=pid is not None and self.answers(),
            version=self.settings.kafka_version,
        )

    def _java(self) -> str:
        try:
            return find_java()
        except Neo4jServerError as exc:  # the same Java 17 or 21 serves Kafka 4
            raise KafkaServerError(
                exc.message.replace("Neo4j", "Kafka"),
                hint="Kafka 4 needs Java 17 or newer: install one "
                "(`apt-get install openjdk-17-jre-headless`) and put it on PATH or set JAVA_HOME",
            ) from None

    def _format_storage(self, java: str, dist: KafkaDistribution) -> None:
        """Format the KRaft storage once; the cluster id stays in the home folder."""
        if (self.data_dir / "meta.properties").exists():
            return
        id_file = self.home / "cluster-id"
        if not id_file.exists():
            id_file.write_text(_cluster_id() + "\n")
        proc = subprocess.run(
            [
                java,
                "-Xmx256m",
                f"-Dlog4j2.configurationFile={self.home / 'conf' / 'log4j2.properties'}",
                "-cp",
                dist.classpath(),
                _STORAGE_TOOL,
                "format",
                "--ignore-formatted",
                "-t",
                id_file.read_text().strip(),
                "-c",
                str(self.conf_file),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            raise KafkaServerError(
                "could not format the Kafka storage:\n" + (proc.stderr or proc.stdout)[-2000:],
                hint=f"check the SEMGRAPH_KAFKA_* settings; conf in {self.conf_file}",
            )

    def start(self) -> KafkaStatus:
        """Start the broker (or reuse it if it already runs) and wait until it answers.

        Raises:
            KafkaServerError: no suitable Java, a port is taken, a download failed, or the
                broker died while starting (the message carries the end of its log).
        """
        if self.pid() is not None:
            return self.wait_ready()
        s = self.settings
        if s.kafka_bootstrap_servers:
            raise KafkaServerError(
                f"SEMGRAPH_KAFKA_BOOTSTRAP_SERVERS is set ({s.kafka_bootstrap_servers}): "
                "semgraph manages no broker here",
                hint="unset it to use the managed local broker",
            )
        java = self._java()
        for name, port in (("", s.kafka_port), ("CONTROLLER_", s.kafka_controller_port)):
            owner = port_owner(port)
            if owner is not None:
                raise KafkaServerError(
                    f"port {port} (Kafka {name.lower() or 'client '}port) is in use by {owner}",
                    hint=f"stop that process, or choose another port, e.g. "
                    f"SEMGRAPH_KAFKA_{name}PORT={free_port_near(port)}",
                )
        dist = ensure_kafka_distribution(s)
        self.write_conf()
        self._format_storage(java, dist)
        cmd = [
            java,
            f"-Xms{s.kafka_heap}",
            f"-Xmx{s.kafka_heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.home / 'conf' / 'log4j2.properties'}",
            "-cp",
            dist.classpath(),
            _MAIN,
            str(self.conf_file),
        ]
        with self.console_file.open("ab") as console:
            proc = subprocess.Popen(
                cmd,
                stdout=console,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.home,
                start_new_session=True,  # outlives the CLI that started it
            )
        self.pid_file.write_text(str(proc.pid))
        return self.wait_ready(proc)

    def wait_ready(self, proc: subprocess.Popen[bytes] | None = None) -> KafkaStatus:
        deadline = time.monotonic() + self.settings.kafka_start_timeout_s
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise KafkaServerError(
                    f"Kafka exited with code {proc.returncode} while starting; last log lines:\n"
                    + (self.logs(25) or "(no log)"),
                    hint=f"full logs in {self.home / 'logs'}",
                )
            if self.answers():
                return self.status()
            time.sleep(0.5)
        raise KafkaServerError(
            f"Kafka did not answer within {self.settings.kafka_start_timeout_s:.0f} s; "
            "last log lines:\n" + self.logs(25),
            hint="raise SEMGRAPH_KAFKA_START_TIMEOUT_S on a slow machine",
        )

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the broker (a controlled shutdown); returns False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        stop_pid(pid, self.pid_file, timeout_s)
        return True

    def logs(self, lines: int = 50) -> str:
        return tail(self.log_file, lines) or tail(self.console_file, lines)
