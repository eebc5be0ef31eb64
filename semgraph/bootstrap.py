"""Wire semgraph's dependencies once; the app, the CLI and the tests build the same objects."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import neo4j
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired

from semgraph.alerts import queries as alert_queries
from semgraph.alerts.dispatcher import AlertDispatcher
from semgraph.alerts.service import AlertService
from semgraph.alerts.settings import AlertSettings
from semgraph.changes import queries as change_queries
from semgraph.changes.pipeline import ChangePipeline
from semgraph.changes.stream import ChangeStream
from semgraph.config import Settings
from semgraph.exceptions import OntologyError
from semgraph.graph.connection import open_driver
from semgraph.ontology.model import Ontology
from semgraph.ontology.schema import ensure_schema as ensure_ontology_schema
from semgraph.rdf.names import bind_prefixes
from semgraph.services import AlertInbox, ChangeService, ContextService
from semgraph.services.imports import ImportService
from semgraph.shapes.loader import ShapeSet, load_shapes
from semgraph.sync import BATCH_SIZE
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.focus import FocusValidator
from semgraph.validation.full import FullReport, validate_graph
from semgraph.validation.reach import ShapeReach
from semgraph.vocabulary import THIS

if TYPE_CHECKING:
    from semgraph.master_data.merge_log import MergeLog
    from semgraph.rag.entity_cards import EntityCardUpdater
    from semgraph.services.data_health import DataHealth, DataHealthService
    from semgraph.services.master_data import MasterDataService
    from semgraph.sync.breaker import CircuitBreaker
    from semgraph.sync.kafka_source import KafkaStreamSync
    from semgraph.sync.service import SyncService

log = logging.getLogger("semgraph.events")


def reach_for(ontology: Ontology, shapes: ShapeSet) -> ShapeReach:
    """The read paths of every shape, grouped by target class, and where a change can
    move each class's verdicts: a shape's ``sgm:triggers``, else all it reads."""
    reads: dict[str, set[str]] = {}
    triggers: dict[str, set[str]] = {}
    for info in shapes.shapes.values():
        if info.target_class is None:
            continue  # checked against the whole graph, not a class neighbourhood
        reads.setdefault(info.target_class, set()).update(info.reads)
        triggers.setdefault(info.target_class, set()).update(
            info.triggers if info.triggers is not None else (THIS, *info.reads)
        )
    return ShapeReach(ontology, reads, triggers)


class _Compiled:
    """A loaded shape set and, once asked for, its engine (see ``compiled_shapes``)."""

    def __init__(self, shapes: ShapeSet) -> None:
        self.shapes = shapes

    @cached_property
    def engine(self) -> ShapeEngine:
        return ShapeEngine(self.shapes)


def _shape_files_digest(shapes_dir: Path) -> str:
    """What ``load_shapes`` reads: the paths and contents of ``*.ttl`` and ``rules/*.yaml``."""
    digest = hashlib.sha256()
    for path in [*sorted(shapes_dir.glob("*.ttl")), *sorted((shapes_dir / "rules").glob("*.yaml"))]:
        digest.update(str(path.resolve()).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def compiled_shapes(shapes_dir: Path, ontology: Ontology) -> _Compiled:
    """The shapes in force for ``ontology``, loaded once per process for the same ontology
    (``Ontology.load`` caches it per file) and the same shape files, paths and contents.

    Loading parses and checks every file (~1.3 s for semgraph's own) and its engine
    compiles the pass checks (~1.1 s); every ``Container`` of a process (the app's, the
    CLI's, each test's) used to pay both. Both are read-only once built.
    """
    return _load_compiled(ontology, shapes_dir, _shape_files_digest(shapes_dir))


@lru_cache(maxsize=8)
def _load_compiled(ontology: Ontology, shapes_dir: Path, _digest: str) -> _Compiled:
    return _Compiled(load_shapes(shapes_dir, ontology))


class Container:
    """Holds the long-lived objects of one semgraph process."""

    def __init__(self, settings: Settings, alert_settings: AlertSettings | None = None) -> None:
        self.settings = settings
        self._alert_settings = alert_settings
        self._driver: neo4j.Driver | None = None
        self._lock = threading.Lock()
        self._schema_lock = threading.Lock()
        self._schema_done = False

    @cached_property
    def ontology(self) -> Ontology:
        return Ontology.load(self.settings.ontology_paths())

    @cached_property
    def _compiled(self) -> _Compiled:
        return compiled_shapes(self.settings.shapes_dir, self.ontology)

    @cached_property
    def shapes(self) -> ShapeSet:
        """Shapes in force: shapes/*.ttl, compiled shapes/rules/*.yaml, derived integrity."""
        return self._compiled.shapes

    @cached_property
    def engine(self) -> ShapeEngine:
        return self._compiled.engine

    @cached_property
    def reach(self) -> ShapeReach:
        return reach_for(self.ontology, self.shapes)

    @cached_property
    def validator(self) -> FocusValidator:
        """Validates focus nodes against the graph (pipeline, full run, violations page)."""
        return FocusValidator(self.ontology, self.reach, self.engine)

    # --- the service layer: what api/ and cli/ call ---------------------------------------
    @cached_property
    def changes(self) -> ChangeService:
        """Propose / apply change sets; violations, impact and audit trail."""
        return ChangeService(self.pipeline, self.validator)

    @cached_property
    def imports(self) -> ImportService:
        """RDF files in as change sets (``semgraph import``)."""
        return ImportService(self.changes, self.ontology, self.validate_all)

    def validate_all(
        self,
        strategy: Literal["batched", "whole"] = "batched",
        progress: Callable[[int], None] | None = None,
    ) -> FullReport:
        """The whole graph against every shape (nothing is written); ``progress`` gets the
        number of entities of each batch validated."""
        return validate_graph(
            self.driver,
            self.settings.neo4j_database,
            self.ontology,
            self.engine,
            self.reach,
            strategy=strategy,
            progress=progress,
        )

    @cached_property
    def alert_inbox(self) -> AlertInbox:
        """A caller's risk alerts: list, get, acknowledge, resolve."""
        return AlertInbox(self.alerts.store)

    @cached_property
    def context(self) -> ContextService:
        """Grounded context (RAG passages, graph facts) masked for a role."""
        return ContextService(
            self.ontology, self.settings.rag, lambda: self.driver, self.settings.neo4j_database
        )

    @cached_property
    def pipeline(self) -> ChangePipeline:
        """The one door for writes (see semgraph.changes.pipeline)."""
        return ChangePipeline(
            driver=self.driver,
            database=self.settings.neo4j_database,
            ontology=self.ontology,
            engine=self.engine,
            reach=self.reach,
            tx_hooks=[self.alerts.outbox, self.merge_log],
            on_event=self.handle_event,
            prepare=self.schema_ready,
            max_concurrent=self.settings.change_concurrency,
        )

    @cached_property
    def merge_log(self) -> MergeLog:
        """Writes a merge's score, evidence and undo snapshot in the merge's transaction."""
        from semgraph.master_data.merge_log import MergeLog

        return MergeLog()

    @cached_property
    def master_data(self) -> MasterDataService:
        """Customer matching, review queue, merge and unmerge (docs/master-data.md)."""
        from semgraph.master_data.decisions import load_decisions
        from semgraph.services.master_data import MasterDataService

        return MasterDataService(
            self.changes,
            self.settings.neo4j_database,
            load_decisions(self.settings.ontology_dir),
            self.merge_log,
        )

    @cached_property
    def sync_breaker(self) -> CircuitBreaker:
        """The circuit breaker in front of Neo4j that every sync of this process shares
        (SEMGRAPH_SYNC_BREAKER_*); ``/readyz`` and ``/metrics`` show its state."""
        from semgraph.metrics import SYNC_BREAKER_OPENED
        from semgraph.sync.breaker import BreakerState, CircuitBreaker

        cool_down = self.settings.sync_breaker_cool_down_s
        says = {
            BreakerState.OPEN: f"open: Neo4j is unavailable; syncs wait and POST /ingest "
            f"answers 503 for {cool_down:g} s, then one call probes",
            BreakerState.HALF_OPEN: "half-open: the next sync call probes Neo4j",
            BreakerState.CLOSED: "closed: Neo4j answers again; syncs go on",
        }

        in_outage = False

        def changed(state: BreakerState) -> None:
            nonlocal in_outage
            if state is BreakerState.OPEN:
                SYNC_BREAKER_OPENED.inc()
            # an outage is logged where it starts and where it ends, not at every probe
            loud = (state is BreakerState.OPEN and not in_outage) or (
                state is BreakerState.CLOSED and in_outage
            )
            in_outage = state is not BreakerState.CLOSED
            log.log(
                logging.WARNING if loud else logging.DEBUG, "sync circuit breaker %s", says[state]
            )

        return CircuitBreaker(
            failures=self.settings.sync_breaker_failures,
            cool_down_s=cool_down,
            on_change=changed,
        )

    def sync(
        self,
        mapping_files: Sequence[Path] = (),
        batch_size: int = BATCH_SIZE,
        max_wait_s: float | None = None,
    ) -> SyncService:
        """Syncs source-system exports through ``pipeline`` (see semgraph.sync.service), with
        the mappings of ``ontology/`` plus the user's ``mapping_files``; a file sync waits
        ``max_wait_s`` (default SEMGRAPH_SYNC_MAX_WAIT_S) for an unavailable Neo4j."""
        from semgraph.sync.mapping import load_catalog
        from semgraph.sync.mapping import mapping_files as own_mappings
        from semgraph.sync.plan import SYSTEM_RECORD
        from semgraph.sync.service import SyncService

        if SYSTEM_RECORD not in self.ontology.classes:
            raise OntologyError(
                f"sync keeps each source row on a {SYSTEM_RECORD} entity, and the ontology "
                "in force has no such class",
                hint="sync needs semgraph's own ontology (ontology/) next to yours; "
                "`semgraph import` brings RDF data in with any ontology",
            )

        files = own_mappings(self.settings.ontology_paths(), mapping_files)
        return SyncService(
            pipeline=self.pipeline,
            driver=self.driver,
            database=self.settings.neo4j_database,
            ontology=self.ontology,
            catalog=load_catalog(self.ontology, files),
            checkpoint_dir=self.settings.data_dir / "sync-checkpoints",
            batch_size=batch_size,
            after_commit=self._match_synced,
            breaker=self.sync_breaker,
            max_wait_s=self.settings.sync_max_wait_s if max_wait_s is None else max_wait_s,
        )

    def _match_synced(self, cls: str, iris: list[str], role: str) -> None:
        """After a sync batch commits: match its new records' golden entities against the
        existing ones (incremental master data, docs/master-data.md). An ontology folder
        without ``master_data.yaml`` (a user's own ontology) has no matching."""
        from semgraph.master_data.decisions import FILE_NAME

        if not iris or not (self.settings.ontology_dir / FILE_NAME).exists():
            return
        if cls != self.master_data.cls:
            return
        from semgraph.master_data.outcomes import Caller

        self.master_data.match_new(iris, Caller(actor="master-data:sync", role=role))

    def kafka_stream(
        self,
        mapping_files: Sequence[Path] = (),
        *,
        batch_size: int = BATCH_SIZE,
        rejects_topic: str | None = None,
        rejects_file: Path | None = None,
        max_wait_s: float | None = None,
    ) -> KafkaStreamSync:
        """Syncs a Kafka topic through ``sync(mapping_files)`` from the configured brokers
        (``settings.kafka_bootstrap``); rejects go to ``rejects_file`` if given, else to
        ``rejects_topic`` (made on the first reject). A batch waits ``max_wait_s`` (default
        SEMGRAPH_SYNC_MAX_WAIT_S) for Neo4j, an offset commit as long for the broker."""
        from semgraph.sync.kafka_rejects import RejectsFile, RejectsSink, RejectsTopic
        from semgraph.sync.kafka_source import KafkaStreamSync

        bootstrap = self.settings.kafka_bootstrap
        rejects: RejectsSink
        if rejects_file is not None:
            rejects = RejectsFile(rejects_file)
        else:
            if rejects_topic is None:
                raise ValueError("name a rejects topic or a rejects file")
            rejects = RejectsTopic(bootstrap, rejects_topic)
        service = self.sync(mapping_files, batch_size, max_wait_s)
        return KafkaStreamSync(
            service,
            bootstrap,
            rejects,
            max_wait_s=service.max_wait_s,
            broker_breaker=self.kafka_breaker,
        )

    @cached_property
    def kafka_breaker(self) -> CircuitBreaker:
        """The circuit breaker of this process's Kafka streams in front of the brokers: open
        while they cannot be reached. A stream runs as its own CLI process, so its state is
        logged (``semgraph.events`` at WARNING where an outage starts and ends)."""
        from semgraph.sync.breaker import BreakerState, CircuitBreaker

        bootstrap = self.settings.kafka_bootstrap
        says = {
            BreakerState.OPEN: f"open: the Kafka broker at {bootstrap} cannot be reached; "
            "the stream waits for it (the client reconnects by itself)",
            BreakerState.HALF_OPEN: "half-open: the stream probes the Kafka broker",
            BreakerState.CLOSED: "closed: the Kafka broker answers again; the stream goes on",
        }
        in_outage = False

        def changed(state: BreakerState) -> None:
            nonlocal in_outage
            loud = (state is BreakerState.OPEN and not in_outage) or (
                state is BreakerState.CLOSED and in_outage
            )
            in_outage = state is not BreakerState.CLOSED
            log.log(
                logging.WARNING if loud else logging.DEBUG, "Kafka circuit breaker %s", says[state]
            )

        return CircuitBreaker(
            failures=1,  # the client says "all brokers down" only once it has tried them all
            cool_down_s=self.settings.sync_breaker_cool_down_s,
            on_change=changed,
        )

    @cached_property
    def sync_service(self) -> SyncService:
        """The sync of ``POST /ingest``: the ontology's mappings plus
        ``SEMGRAPH_SYNC_MAPPING_FILES``."""
        return self.sync(self.settings.sync_mapping_files)

    @cached_property
    def data_health(self) -> DataHealthService:
        """Completeness, freshness, reject rates and duplicate keys per class and source
        system, for the tables ``sync_service`` knows (see semgraph.services.data_health)."""
        from semgraph.services.data_health import DataHealthService

        return DataHealthService(
            self.driver, self.settings.neo4j_database, self.ontology, self.sync_service.catalog
        )

    def data_health_now(self) -> list[DataHealth]:
        """``data_health.snapshot()``, or nothing while Neo4j is down (``/metrics`` asks
        this at each scrape, and must answer at once during an outage)."""
        if self.neo4j_problem() is not None:
            return []
        return self.data_health.snapshot()

    def event_handlers(self) -> list[Callable[[object], object]]:
        """What reacts to domain events after a commit, in order (each gets every event)."""
        return [self.alerts.after_commit, self.change_stream.publish, self.entity_cards.handle]

    def handle_event(self, event: object) -> None:
        """The pipeline's ``on_event``: every handler runs; one failing does not stop the rest
        (the change is already committed, so the caller must not see an error)."""
        for handler in self.event_handlers():
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %r", handler, event)

    @cached_property
    def entity_cards(self) -> EntityCardUpdater:
        """Re-syncs RAG entity cards after each change, in the background, once the index
        named by SEMGRAPH_RAG_* exists (see semgraph.rag.entity_cards)."""
        from semgraph.rag.entity_cards import card_updater  # faiss etc. only when used

        return card_updater(
            self.driver, self.ontology, self.settings.neo4j_database, self.settings.rag
        )

    @cached_property
    def change_stream(self) -> ChangeStream:
        """Committed changes, live, for GraphQL subscriptions (see semgraph.changes.stream)."""
        return ChangeStream()

    @cached_property
    def alerts(self) -> AlertService:
        """Alert outbox, dispatcher, live stream and store (see semgraph.alerts)."""
        return AlertService(
            self.driver,
            self.settings.neo4j_database,
            self.ontology,
            self._alert_settings or self.settings.alerts,
            self.settings.browser_url,
            api_base_url=f"http://{self.settings.api_host}:{self.settings.api_port}",
        )

    @property
    def dispatcher(self) -> AlertDispatcher:
        """Delivers alerts; the app calls ``start()``/``stop()`` on it."""
        return self.alerts.dispatcher

    @property
    def driver(self) -> neo4j.Driver:
        """The Neo4j driver, opened on first use (the app starts even while Neo4j is down)."""
        with self._lock:
            if self._driver is None:
                self._driver = open_driver(self.settings, verify=False)
            return self._driver

    def ensure_schema(self) -> int:
        """Every constraint and index semgraph needs (idempotent): derived from the ontology,
        plus those of the audit trail and the alerts; returns how many statements ran."""
        db = self.settings.neo4j_database
        count = len(ensure_ontology_schema(self.driver, self.ontology, db))
        bind_prefixes(self.driver, db, self.ontology.prefixes())
        with self.driver.session(database=db) as session:
            for statement in change_queries.SCHEMA:
                session.run(statement).consume()
        self.alerts.ensure_schema()
        self._schema_done = True
        return count + len(change_queries.SCHEMA) + len(alert_queries.SCHEMA)

    def schema_ready(self) -> None:
        """``ensure_schema`` unless this container did it already (the pipeline calls this
        before each change). A user without schema rights gets a warning, once."""
        if self._schema_done:
            return
        with self._schema_lock:
            if self._schema_done:
                return
            try:
                self.ensure_schema()
            except ClientError as exc:
                log.warning(
                    "could not create semgraph's constraints and indexes (%s); changes "
                    "still work but slow down as the change log grows: run `semgraph load "
                    "ontology` once as a user with schema rights",
                    exc.message,
                )
                self._schema_done = True

    def publish_rules(self) -> int:
        """Write the shapes in force as ``(:Rule)`` nodes, so people can browse them and
        change events can point at them; returns how many."""
        rows = [
            {
                "iri": info.iri,
                "name": info.label or info.iri.rsplit("/", 1)[-1],
                "targetClass": info.target_class,
                "severity": info.severity,
                "riskLevel": info.risk_level,
                "businessArea": info.business_area,
                "notifyRoles": list(info.notify_roles),
                "messageEn": info.message_en,
                "messageZh": info.message_zh,
                "accountingRef": info.accounting_ref,
                "source": info.source,
            }
            for info in self.shapes.shapes.values()
        ]
        self.driver.execute_query(
            change_queries.PUBLISH_RULES, rules=rows, database_=self.settings.neo4j_database
        )
        return len(rows)

    def neo4j_problem(self) -> str | None:
        """None when Neo4j answers a trivial query, else a short reason."""
        try:
            # an auto-commit query: execute_query would retry a dead server for 30 s
            with self.driver.session(database=self.settings.neo4j_database) as session:
                session.run(neo4j.Query("RETURN 1", timeout=3.0)).consume()
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
            return type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
        except Exception as exc:  # a missing password file etc. must not crash readiness
            return type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
        return None

    def start(self) -> None:
        """Start the background work of a serving process: alert delivery and escalation
        (see ``Settings.alert_dispatch``) and the entity-card updater (the app's lifespan
        calls this)."""
        if self.delivers_alerts:
            self.dispatcher.start()
        self.entity_cards.start()

    @property
    def delivers_alerts(self) -> bool:
        """Whether ``start`` runs the alert dispatcher."""
        mode = self.settings.alert_dispatch
        channels = self.alerts.settings.webhook_urls or self.alerts.settings.smtp_host
        return mode == "on" or (mode == "auto" and bool(channels))

    def alert_problems(self) -> list[str]:
        """``AlertService.delivery_problems``, or why they could not be checked."""
        try:
            return self.alerts.delivery_problems()
        except Exception as exc:  # readiness and start-up must not crash on it
            return [f"could not check alert routing: {type(exc).__name__}: {exc}"]

    def warn_alert_problems(self) -> list[str]:
        """Log each of ``alert_problems`` as a warning (start-up calls this)."""
        problems = self.alert_problems()
        for problem in problems:
            log.warning("ALERTS: %s", problem)
        return problems

    def close(self) -> None:
        """Stop the background work and close the index and the driver (idempotent)."""
        if "context" in self.__dict__:
            self.context.close()
        if "entity_cards" in self.__dict__:
            self.entity_cards.close()
        if "alerts" in self.__dict__:
            self.alerts.close()
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
