"""Assemble an Apache Kafka broker from Maven Central artifacts.

The broker is ``org.apache.kafka:kafka_2.13`` with its runtime dependencies, plus the
log4j binding Kafka's own distribution ships (without it the broker logs nothing). The
jars go into a verified folder of the shared cache (``semgraph.maven_jars``).
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from semgraph.config import Settings
from semgraph.exceptions import KafkaServerError
from semgraph.maven_jars import copy_dependencies, verify_manifest, write_manifest

DOWNLOAD_SIZE = "~45 MB"
FIRST_START = f"Starting Kafka (the first start downloads {DOWNLOAD_SIZE} from Maven Central)…"
LOG4J_VERSION = "2.24.3"  # the version kafka_2.13 4.1 depends on; its slf4j 1.7 binding


@dataclass(frozen=True)
class KafkaDistribution:
    """A verified set of broker jars in ``lib``."""

    root: Path
    version: str

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    def classpath(self) -> str:
        return f"{self.lib}/*"


def _assemble(settings: Settings, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        copy_dependencies(
            settings.maven_repository,
            staging,
            "lib",
            [
                ("org.apache.kafka", "kafka_2.13", settings.kafka_version),
                ("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION),
            ],
            KafkaServerError,
            what=f"Kafka {settings.kafka_version}",
            no_maven_hint="install it (`apt-get install maven`), or set "
            "SEMGRAPH_KAFKA_BOOTSTRAP_SERVERS to use existing brokers",
            failed_hint="check that Maven Central is reachable and that "
            "SEMGRAPH_KAFKA_VERSION names a released Kafka (e.g. 4.1.1)",
        )
        files = write_manifest(staging, ("lib",), kafka=settings.kafka_version)
        if not any(k.startswith(f"lib/kafka_2.13-{settings.kafka_version}") for k in files):
            raise KafkaServerError(f"Kafka {settings.kafka_version} was not downloaded")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def ensure_kafka_distribution(settings: Settings) -> KafkaDistribution:
    """Return the cached broker jars for ``settings.kafka_version``, downloading them once.

    Raises:
        KafkaServerError: Maven is missing or an artifact could not be downloaded.
    """
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    name = f"kafka-{settings.kafka_version}"
    target = settings.cache_dir / name
    with (settings.cache_dir / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent first starts assemble once
        if not verify_manifest(target):
            _assemble(settings, target)
    return KafkaDistribution(root=target, version=settings.kafka_version)
