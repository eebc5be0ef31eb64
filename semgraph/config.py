"""Settings: one root, read from ``SEMGRAPH_*`` variables and ``.env``.

``Settings`` holds the process-wide values and, nested, the settings of each part under
its own prefix: ``alerts`` (``SEMGRAPH_ALERTS_*``), ``rag`` (``SEMGRAPH_RAG_*``) and
``api`` (``SEMGRAPH_API_*``). The container and the app read them from here only.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from semgraph.alerts.settings import AlertSettings
from semgraph.api.graphql.settings import ApiSettings
from semgraph.paths import REPO_ROOT
from semgraph.rag.settings import RagSettings

__all__ = ["REPO_ROOT", "AlertSettings", "ApiSettings", "RagSettings", "Settings", "get_settings"]


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "semgraph"


class Settings(BaseSettings):
    """Everything semgraph can be configured with.

    The managed Neo4j instance is chosen by ``data_dir`` plus the two ports, so several
    instances (tests, benchmarks, a user's own) can run side by side. Setting ``neo4j_uri``
    points semgraph at an existing server (``bolt://``, ``neo4j://``, ``neo4j+s://``) and
    nothing is started.
    """

    model_config = SettingsConfigDict(
        env_prefix="SEMGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- where things live -------------------------------------------------------------
    data_dir: Path = Field(
        default=Path.home() / ".local" / "share" / "semgraph",
        description="Server data, conf, logs and the generated password of the managed Neo4j.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Downloaded Neo4j distribution (shared by all instances).",
    )
    ontology_dir: Path = REPO_ROOT / "ontology"
    ontology_files: list[Path] = Field(
        default_factory=list,
        description="The ontology in force, when not semgraph's own: Turtle, RDF/XML or "
        "JSON-LD files (their local owl:imports are read too), e.g. a FIBO module or your "
        "own; set, they replace ontology_dir's *.ttl.",
    )
    shapes_dir: Path = REPO_ROOT / "shapes"
    rag_dir: Path = REPO_ROOT / "rag"

    # --- Neo4j ---------------------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None, description="Use this server instead of the managed one (starts nothing)."
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = Field(
        default=None, description="Password for neo4j_uri; the managed server generates its own."
    )
    neo4j_database: str = "neo4j"
    neo4j_bolt_port: int = 7687
    neo4j_http_port: int = 7474
    neo4j_version: str = "5.26.19"
    neo4j_browser_version: str = "5.24.0"
    apoc_version: str = "5.26.19"
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "2g"
    neo4j_jit_threshold_scaling: float = Field(
        default=1.0,
        gt=0,
        description="The managed JVM's -XX:CompileThresholdScaling. 1 (the JVM's default) for "
        "a service; a server started for one bulk load on few cores does better at 2-4, as its "
        "JIT then takes less CPU from the load, while changes and reads warm up slower.",
    )
    neo4j_jit_inlining: Literal["default", "shallow"] = Field(
        default="default",
        description="How deep the managed JVM's optimising compiler inlines. default for a "
        "service; shallow (smaller and fewer inlined calls) halves the CPU a fresh server "
        "spends compiling during a bulk load, for no slower query work.",
    )
    neo4j_gc: Literal["g1", "parallel"] = Field(
        default="g1",
        description="The managed JVM's garbage collector. g1 (short pauses) for a service; "
        "parallel spends ~10 % less server CPU on a bulk load, at the price of longer pauses.",
    )
    neo4j_start_timeout_s: float = 120.0
    neo4j_pool_size: int = 32
    maven_repository: str = "https://repo.maven.apache.org/maven2"

    # --- Kafka (the stream source of the sync, docs/sync.md) --------------------------------
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        description="Use these brokers (host:port,…) instead of the managed one (starts nothing).",
    )
    kafka_port: int = Field(default=9092, description="The managed broker's client port.")
    kafka_controller_port: int = Field(
        default=9093, description="The managed broker's KRaft controller port (loopback only)."
    )
    kafka_version: str = "4.1.1"
    kafka_heap: str = "512m"
    kafka_start_timeout_s: float = 90.0

    demo_data: bool = Field(
        default=True,
        description="`semgraph up` loads demo data into an empty database; false (or "
        "`--no-demo`) leaves it empty for your own data.",
    )

    sync_mapping_files: list[Path] = Field(
        default_factory=list,
        description="Mapping files of your own (Turtle, sgm: vocabulary) that `POST /ingest` "
        "uses besides ontology/systems.ttl; `semgraph sync` takes them as --mapping.",
    )
    sync_breaker_failures: int = Field(
        default=3,
        ge=1,
        description="Consecutive calls that find Neo4j unavailable (down, connection refused or "
        "lost) before the sync's circuit breaker opens; a stale pooled connection or two after a "
        "restart does not open it.",
    )
    sync_breaker_cool_down_s: float = Field(
        default=5.0,
        ge=0,
        description="Seconds the open breaker refuses sync writes (POST /ingest answers 503 "
        "with this Retry-After) before one probe may try Neo4j again.",
    )
    sync_max_wait_s: float = Field(
        default=300.0,
        ge=0,
        description="How long `semgraph sync` waits behind the breaker for Neo4j to come back "
        "before it stops with exit 1, keeping its checkpoint (--max-wait overrides it).",
    )

    # --- changes ------------------------------------------------------------------------
    change_concurrency: int = Field(
        default=2,
        ge=1,
        description="How many change sets one process validates and writes at once; more "
        "wait their turn before opening a transaction, holding no locks. A change is mostly "
        "Python under one GIL, and Neo4j on the same 2 cores: 8 at once cost 21-29 ms of "
        "Python CPU per change, 2 at once 18 ms. Raise it for a Neo4j across a network.",
    )

    alert_dispatch: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Whether a serving process delivers and escalates alerts: on, off, or "
        "auto (on when an alert channel, webhook or SMTP, is configured).",
    )

    # --- API ----------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    # --- the parts, each under its own prefix --------------------------------------------
    alerts: AlertSettings = Field(default_factory=AlertSettings, exclude=True)
    rag: RagSettings = Field(default_factory=RagSettings, exclude=True)
    api: ApiSettings = Field(default_factory=ApiSettings, exclude=True)

    @field_validator("data_dir", "cache_dir", "ontology_dir", "shapes_dir", "rag_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # A relative SEMGRAPH_DATA_DIR would be resolved against the server's own working
        # directory by Neo4j; anchor every path to where semgraph was started instead.
        return value.expanduser().resolve()

    def ontology_paths(self) -> list[Path]:
        """The ontology files in force: ``ontology_files``, else ``ontology_dir``'s ``*.ttl``
        with ``semgraph.ttl`` first (its ``owl:Ontology`` names the loaded ontology)."""
        if self.ontology_files:
            return [p.expanduser().resolve() for p in self.ontology_files]
        return sorted(
            self.ontology_dir.glob("*.ttl"), key=lambda p: (p.name != "semgraph.ttl", p.name)
        )

    @cached_property
    def neo4j_home(self) -> Path:
        """Home folder of the managed server (conf, data, logs, password)."""
        return self.data_dir / "neo4j"

    @cached_property
    def kafka_home(self) -> Path:
        """Home folder of the managed Kafka broker (conf, data, logs)."""
        return self.data_dir / "kafka"

    @property
    def kafka_bootstrap(self) -> str:
        """Where Kafka clients connect: the configured brokers, else the managed one."""
        return self.kafka_bootstrap_servers or f"127.0.0.1:{self.kafka_port}"

    @property
    def managed(self) -> bool:
        """True when semgraph runs its own Neo4j rather than one given by ``neo4j_uri``."""
        return not self.neo4j_uri

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.neo4j_bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://localhost:{self.neo4j_http_port}/browser/"


def get_settings() -> Settings:
    """Read the settings afresh (environment and ``.env``)."""
    return Settings()
