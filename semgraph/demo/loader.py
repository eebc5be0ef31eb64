"""Bulk-load the demo dataset into Neo4j: batched, pipelined, with a progress bar.

A bulk load is the one documented exception to the one-write-pipeline rule: it writes
straight to Neo4j (one ``UNWIND … CREATE`` statement per batch, nodes and their
relationships together) and records a single ``(:ChangeEvent {kind: 'bulk_load'})``
audit node; the loaded data is validated afterwards by full validation, not per change.

Generation (CPU in Python) and writing (waiting on Bolt, which releases the GIL) overlap:
a writer thread takes batches from a small bounded queue, so memory stays bounded.
Batches are written in order because later batches link to earlier ones.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import neo4j
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from semgraph.demo import queries
from semgraph.demo.generator import CONFLICTS, conflict_count, generate, size_demo
from semgraph.demo.records import Batch, Link, Row
from semgraph.exceptions import ConflictError, SemgraphError
from semgraph.ontology.model import ID_BASE, Ontology
from semgraph.ontology.schema import ensure_schema

Existing = Literal["refuse", "append", "replace"]
_QUEUE_DEPTH = 4  # batches waiting for the writer; bounds memory


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


class _Writer(threading.Thread):
    """Writes queued batches in order; remembers the first error and then drains."""

    def __init__(
        self, driver: neo4j.Driver, ontology: Ontology, database: str, progress: Progress | None
    ) -> None:
        super().__init__(name="demo-writer", daemon=True)
        self.driver, self.ontology, self.database = driver, ontology, database
        self.progress = progress
        self.inbox: queue.Queue[Batch | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
        self.error: BaseException | None = None
        self.relationships = 0
        self._statements: dict[tuple[str, tuple[Link, ...]], str] = {}

    def statement(self, batch: Batch) -> str:
        key = (batch.cls, batch.links)
        if key not in self._statements:
            self._statements[key] = queries.create_batch(self.ontology, batch.cls, batch.links)
        return self._statements[key]

    def run(self) -> None:
        with self.driver.session(database=self.database) as session:
            while (batch := self.inbox.get()) is not None:
                if self.error is not None:
                    continue
                try:
                    self.relationships += session.execute_write(
                        _write, self.statement(batch), batch.rows, f"{ID_BASE}{batch.cls}/"
                    )
                except BaseException as exc:  # re-raised in the caller's thread
                    self.error = exc
                    continue
                if self.progress is not None:
                    self.progress.advance(self.progress.task_ids[0], len(batch.rows))


def _write(tx: neo4j.ManagedTransaction, query: str, rows: list[Row], iri: str) -> int:
    summary = tx.run(query, rows=rows, iri=iri).consume()
    return summary.counters.relationships_created


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]demo data"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )


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
    customers_per_chunk: int = 4000,
) -> LoadSummary:
    """Generate ``entities`` demo entities for ``seed`` and write them to ``database``.

    Ensures the ontology's constraints first. ``existing`` says what to do when the
    database already holds business entities: ``refuse`` (raise ConflictError, nothing
    written), ``append`` (load next to them; ids of a second demo collide, so use
    another database) or ``replace`` (delete them first, in batches).
    Raises InvalidInputError for a size out of range, and re-raises Neo4j errors.
    """
    size = size_demo(entities, seed, ontology)
    ensure_schema(driver, ontology, database)
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
    bar = _progress_bar() if progress else None
    writer = _Writer(driver, ontology, database, bar)
    by_class: Counter[str] = Counter()
    started = time.perf_counter()
    if bar is not None:
        bar.start()
        bar.add_task("load", total=entities, rate="")
    writer.start()
    try:
        for batch in generate(entities, seed, ontology, customers_per_chunk=customers_per_chunk):
            if writer.error is not None:
                break
            by_class[batch.cls] += len(batch.rows)
            writer.inbox.put(batch)
            if bar is not None:
                task = bar.tasks[0]
                done, elapsed = task.completed, time.perf_counter() - started
                bar.update(task.id, rate=f"{done / elapsed:,.0f} entities/s" if elapsed else "")
    finally:
        writer.inbox.put(None)
        writer.join()
        if bar is not None:
            bar.stop()
    if writer.error is not None:
        if isinstance(writer.error, SemgraphError | neo4j.exceptions.Neo4jError):
            raise writer.error
        raise RuntimeError(f"demo load failed: {writer.error}") from writer.error
    seconds = time.perf_counter() - started
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
        relationships=writer.relationships,
        by_class=dict(by_class),
        conflicts=conflicts,
        change_event_id=event_id,
        replaced=replaced,
    )
