"""Bulk-load the demo dataset into Neo4j: batched, pipelined, with a progress bar.

A bulk load is the one documented exception to the one-write-pipeline rule: it writes
straight to Neo4j (one ``UNWIND … CREATE`` statement per batch, nodes and their
relationships together) and records a single ``(:ChangeEvent {kind: 'bulk_load'})``
audit node; the loaded data is validated afterwards by full validation, not per change.

Generation (CPU in Python) and writing (waiting on Bolt, which releases the GIL) overlap:
writer threads take units (the master data, then one chunk of customers each) from a
small bounded queue, so memory stays bounded. A unit's batches are written in order
because later batches link to earlier ones; chunks link only to the master data, so
after it several writers write chunks side by side and Neo4j uses more than one core.
Rows travel as compact lists (``semgraph.demo.packing``); links name the other end by
the element id its create returned, kept per class for the master data (shared) and for
the unit being written (dropped after it), so the load needs no index: into an empty
database the derived indexes and constraints are built once at the end
(``prepare_bulk_load``), and put back when a load fails half-way.
"""

from __future__ import annotations

import gc
import logging
import queue
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import neo4j
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from semgraph.demo import queries
from semgraph.demo.generator import CONFLICTS, conflict_count, generate_units, size_demo
from semgraph.demo.packing import Columns, columns_of, pack_rows
from semgraph.demo.records import Batch
from semgraph.exceptions import ConflictError, SemgraphError
from semgraph.ontology.model import ID_BASE, Ontology
from semgraph.ontology.schema import ensure_schema, prepare_bulk_load

log = logging.getLogger(__name__)
_T = TypeVar("_T")

Existing = Literal["refuse", "append", "replace"]
# 2,000 customers (~46k entities) per chunk: at 1M entities, Neo4j + Python CPU per
# entity ~10 % below 1,000 per chunk (fewer, fuller statements), no better at 4,000;
# Python's peak RSS ~390 MB (250 MB at 1,000).
CUSTOMERS_PER_CHUNK = 2000
_QUEUE_DEPTH = 2  # units (chunks of customers) waiting for a writer; bounds memory
DEADLOCK = "Neo.TransientError.Transaction.DeadlockDetected"
_DEADLOCK_RETRIES = 5  # quick reruns of a deadlock's victim before the driver's own policy


@dataclass
class LoadSummary:
    """What a demo load wrote."""

    entities: int
    seed: int
    seconds: float
    customers: int
    relationships: int
    by_class: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)  # seeded, by kind
    change_event_id: str = ""
    replaced: int = 0  # business entities deleted first (``existing="replace"``)
    schema_seconds: float = 0.0  # part of ``seconds``: building the indexes after the load

    @property
    def entities_per_s(self) -> float:
        return self.entities / self.seconds if self.seconds else 0.0


def count_business_entities(driver: neo4j.Driver, ontology: Ontology, database: str) -> int:
    """How many nodes of the ontology's concrete classes the database holds."""
    total = 0
    with driver.session(database=database) as session:
        for cls in ontology.concrete_classes():
            total += session.run(queries.count_label(cls.name)).single(strict=True)["count"]
    return total


def delete_business_entities(driver: neo4j.Driver, ontology: Ontology, database: str) -> None:
    """Delete every business entity (ontology nodes and audit events stay), in batches."""
    with driver.session(database=database) as session:
        for cls in ontology.concrete_classes():
            # CALL … IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
            session.run(queries.delete_label(cls.name)).consume()


class _Load:
    """What the writers share: the units to write, the first error, the master data gate."""

    def __init__(self) -> None:
        # (unit number, its batches); unit 0 is the master data
        self.units: queue.Queue[tuple[int, list[Batch]] | None] = queue.Queue(_QUEUE_DEPTH)
        self.error: BaseException | None = None
        self.master_written = threading.Event()  # every chunk links to master data
        # class -> id -> element id of the master data, filled before master_written is set
        self.master_ends: dict[str, dict[str, str]] = {}
        self.lock = threading.Lock()

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc
        self.master_written.set()  # let waiting writers drain instead of hanging


class _Writer(threading.Thread):
    """Takes units from the shared queue and writes each unit's batches in order;
    after the first error (any writer's) it only drains the queue."""

    def __init__(
        self,
        driver: neo4j.Driver,
        ontology: Ontology,
        database: str,
        load: _Load,
        progress: Progress | None,
        number: int,
    ) -> None:
        super().__init__(name=f"demo-writer-{number}", daemon=True)
        self.driver, self.ontology, self.database = driver, ontology, database
        self.load, self.progress = load, progress
        self.relationships = 0
        self._statements: dict[Columns, str] = {}

    def statement(self, columns: Columns) -> str:
        if columns not in self._statements:
            self._statements[columns] = queries.create_batch(self.ontology, columns)
        return self._statements[columns]

    def run(self) -> None:
        load = self.load
        with self.driver.session(database=self.database) as session:
            while (unit := load.units.get()) is not None:
                number, batches = unit
                master = number == 0
                if not master:
                    load.master_written.wait()
                if load.error is not None:
                    continue
                # Element ids of what this unit wrote, per class: its later batches link
                # to them (a chunk links only to the master data and to itself).
                written = load.master_ends if master else {}
                try:
                    for batch in batches:
                        self.write(session, batch, written)
                except BaseException as exc:  # re-raised in the caller's thread
                    load.fail(exc)
                    continue
                if master:
                    load.master_written.set()

    def write(
        self, session: neo4j.Session, batch: Batch, written: dict[str, dict[str, str]]
    ) -> None:
        columns = columns_of(self.ontology, batch)
        master = self.load.master_ends
        ends = [written.get(link.target) or master.get(link.target, {}) for link in columns.links]
        created, ids, element_ids = write_settling_deadlocks(
            session, _write, self.statement(columns), pack_rows(columns, batch.rows, ends),
            f"{ID_BASE}{batch.cls}/",
        )  # fmt: skip
        self.relationships += created
        written.setdefault(batch.cls, {}).update(zip(ids, element_ids, strict=True))
        if self.progress is not None:
            self.progress.advance(self.progress.task_ids[0], len(batch.rows))


def write_settling_deadlocks(session: neo4j.Session, work: Callable[..., _T], *args: Any) -> _T:
    """``work(tx, *args)`` in a write transaction of ``session``, committed; its result.

    Two writers that link rows to the same master-data nodes can deadlock on those nodes'
    relationship locks, and Neo4j then rolls one of them back. The driver's managed retry
    (``execute_write``) would run it again only after about a second and log a warning;
    the winner holds its locks only until it commits, so the victim is run again here
    after a few milliseconds (``_DEADLOCK_RETRIES`` times, growing), logged at debug
    level. Any other retryable failure (a lost connection, a lock wait timeout), and a
    deadlock that keeps coming back, is left to ``execute_write`` and its full policy;
    errors that a rerun cannot mend (a broken constraint, a bad statement) are raised.
    """
    for attempt in range(_DEADLOCK_RETRIES):
        try:
            with session.begin_transaction() as tx:
                result = work(tx, *args)
                tx.commit()
                return result
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            if not exc.is_retryable():
                raise
            if not (isinstance(exc, neo4j.exceptions.Neo4jError) and exc.code == DEADLOCK):
                break
            log.debug("bulk-load batch chosen as a deadlock's victim; running it again")
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
    return session.execute_write(work, *args)


def _write(
    tx: neo4j.ManagedTransaction | neo4j.Transaction, query: str, rows: list[list[Any]], iri: str
) -> tuple[int, list[str], list[str]]:
    """Relationships created, and the ids and element ids of the created nodes."""
    result = tx.run(query, rows=rows, iri=iri)
    record = result.single(strict=True)
    created = result.consume().counters.relationships_created
    return created, record["ids"], record["elementIds"]


class RateColumn(ProgressColumn):
    """Entities per second since the task started: the figure the summary line gives."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 and task.completed else None
        return Text(f"{rate:,.0f} entities/s" if rate else "")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]demo data"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's automatic cycle collection (process-wide) while a load runs; the
    loader collects the young generations once per unit instead (``_write_units``).
    Every 700 allocations the collector walked the rows alive at the time, promoting
    them to be walked again: a third of the generator's and the packing's CPU. The rows
    themselves are acyclic, but the driver keeps each statement's parameters in a
    reference cycle, so without the per-unit pass memory would grow with the load.
    Re-enabled afterwards if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _restore_schema(driver: neo4j.Driver, ontology: Ontology, database: str) -> None:
    """After a failed load: put back what ``prepare_bulk_load`` dropped, so that the
    entities already written are indexed and unique ids stay enforced; a failure here
    (the server is gone, say) is logged and the load's own error is what the caller sees."""
    try:
        ensure_schema(driver, ontology, database)
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
        log.warning(
            "demo load failed and its indexes could not be re-created (%s); run "
            "`semgraph load ontology` once the server answers",
            type(exc).__name__,
        )


def _write_units(
    units: Iterator[list[Batch]],
    load: _Load,
    pool: list[_Writer],
    by_class: Counter[str],
    bar: Progress | None,
) -> None:
    """Feed ``units`` to the writers of ``pool`` until they or the generator fail, then
    stop the writers (``load.error`` holds a writer's failure; the generator's raises)."""
    for writer in pool:
        writer.start()
    try:
        for number, batches in enumerate(units):
            if load.error is not None:
                break
            for batch in batches:
                by_class[batch.cls] += len(batch.rows)
            load.units.put((number, batches))
            gc.collect(1)  # what the writers' finished statements left in cycles
    except BaseException:  # the generator failed, or Ctrl-C: the writers stop below
        load.fail(RuntimeError("demo load interrupted"))
        raise
    finally:
        for _ in pool:
            load.units.put(None)
        for writer in pool:
            writer.join()
        if bar is not None:
            bar.stop()


def _id_taken(driver: neo4j.Driver, ontology: Ontology, database: str, tag: str) -> bool:
    """Whether the first customer of a demo tagged ``tag`` exists already (every demo
    has customers; the generator names them by ``IdFactory``)."""
    prefix = ontology.cls("Customer").id_prefix or "CUS"
    iri = ontology.entity_iri("Customer", f"{prefix}-{tag}-{1:06d}")
    records = driver.execute_query(queries.IRI_EXISTS, iri=iri, database_=database).records
    return bool(records[0]["found"])


def load_demo(
    driver: neo4j.Driver,
    ontology: Ontology,
    database: str,
    entities: int,
    seed: int,
    progress: bool = True,
    *,
    existing: Existing = "refuse",
    actor: str = "semgraph demo",
    customers_per_chunk: int = CUSTOMERS_PER_CHUNK,
    writers: int = 2,
) -> LoadSummary:
    """Generate ``entities`` demo entities for ``seed`` and write them to ``database``.

    ``existing`` says what to do when the database already holds business entities:
    ``refuse`` (raise ConflictError, nothing written), ``append`` (load next to them,
    ids tagged with the seed: ``CUS-S7-000001``; ConflictError when that seed was already
    appended) or ``replace`` (delete them
    first, in batches). Into a database without business entities, the derived indexes
    and constraints are built after the load (``prepare_bulk_load``); in every case (a
    failed load too, unless the server is gone) the ontology's full schema exists when
    this returns or raises, and its time is part of ``seconds``. ``writers``
    transactions write chunks of customers in parallel.
    Raises InvalidInputError for a size out of range, and re-raises Neo4j errors.
    """
    size = size_demo(entities, seed, ontology)
    present = count_business_entities(driver, ontology, database)
    replaced = 0
    if present and existing == "refuse":
        raise ConflictError(
            f"database `{database}` already holds {present:,} business entities",
            hint="pass --replace to delete them first, or --append to load next to them",
        )
    if present and existing == "replace":
        delete_business_entities(driver, ontology, database)
        replaced = present
    # Appended next to other data, the demo's ids carry the seed, so they cannot collide
    # with an earlier demo's (CUS-000001) or with one appended with another seed.
    id_tag = f"S{seed}" if present and existing == "append" else ""
    if id_tag and _id_taken(driver, ontology, database, id_tag):
        raise ConflictError(
            f"a demo with seed {seed} was already appended to database `{database}`",
            hint="append with another --seed, or pass --replace",
        )
    bar = _progress_bar() if progress else None
    load = _Load()
    pool = [_Writer(driver, ontology, database, load, bar, k) for k in range(max(writers, 1))]
    by_class: Counter[str] = Counter()
    started = time.perf_counter()
    if not present or existing == "replace":
        prepare_bulk_load(driver, ontology, database)
    else:
        ensure_schema(driver, ontology, database)
    if bar is not None:
        bar.start()
        bar.add_task("load", total=entities)
    units = generate_units(
        entities, seed, ontology, customers_per_chunk=customers_per_chunk, id_tag=id_tag
    )
    try:
        with _cyclic_gc_paused():
            _write_units(units, load, pool, by_class, bar)
    finally:
        if load.error is not None:
            _restore_schema(driver, ontology, database)
    if load.error is not None:
        if isinstance(load.error, SemgraphError | neo4j.exceptions.Neo4jError):
            raise load.error
        raise RuntimeError(f"demo load failed: {load.error}") from load.error
    loaded = time.perf_counter()
    ensure_schema(driver, ontology, database)  # re-creates what prepare_bulk_load dropped
    finished = time.perf_counter()
    seconds = finished - started
    event_id = f"CHG-{uuid.uuid4()}"
    conflicts = {kind: conflict_count(kind, size.customers) for kind in CONFLICTS}
    driver.execute_query(
        queries.RECORD_BULK_LOAD,
        id=event_id,
        actor=actor,
        entities=entities,
        seed=seed,
        seconds=round(seconds, 3),
        summary=f"bulk load of {entities:,} demo entities (seed {seed})",
        database_=database,
    )
    return LoadSummary(
        entities=entities,
        seed=seed,
        seconds=seconds,
        customers=size.customers,
        relationships=sum(writer.relationships for writer in pool),
        by_class=dict(by_class),
        conflicts=conflicts,
        change_event_id=event_id,
        replaced=replaced,
        schema_seconds=finished - loaded,
    )
