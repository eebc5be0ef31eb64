"""Entity cards: short bilingual documents generated from the graph, indexed like the corpus.

Each Contract, ServiceLevelAgreement and Customer gets a card (``card-<class>-<id>``, type
``entity-card``) listing its non-sensitive properties and its one-hop neighbours. Cards
are served to every role, so **no sensitive property is ever written into one**, whatever
role builds it. ``sync_entity_cards`` brings the cards of all or some entities in line with
the graph; ``EntityCardUpdater`` does that in the background after each committed change.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import neo4j

from semgraph.changes.events import ChangeCommitted
from semgraph.ontology.model import Ontology
from semgraph.rag.documents import Document
from semgraph.rag.embeddings import Embedder
from semgraph.rag.graph_queries import (
    AFFECTED_CARDS,
    ENTITY_FACTS,
    GraphVocabulary,
    all_iris_query,
    display_value,
)
from semgraph.rag.index_store import METADATA_FILE, IndexStore
from semgraph.rag.indexer import SyncReport, remove_documents, sync_documents
from semgraph.rag.settings import RagSettings

log = logging.getLogger(__name__)

CARD_TYPE = "entity-card"


def card_classes(ontology: Ontology) -> tuple[str, ...]:
    """The classes that get an entity card: those the ontology marks ``sgm:entityCard
    true`` (none in an ontology without semgraph's annotations)."""
    return tuple(c.name for c in ontology.concrete_classes() if c.entity_card)


NEIGHBOUR_LIMIT = 12
_BATCH = 500
# Shown in the card's header or front matter instead of as a line.
_SKIPPED = frozenset({"id", "createdAt", "updatedAt", "version"})


def card_id(cls: str, entity_id: str) -> str:
    """The document id of an entity's card: ``card-contract-CTR-000123``."""
    return f"card-{cls.lower()}-{entity_id}"


def _card(row: dict[str, Any], ontology: Ontology, vocabulary: GraphVocabulary) -> Document:
    # No ``##`` sections: the chunker splits at headings, and a card should stay one chunk
    # (up to the chunk size) so its id, properties and neighbours are retrieved together.
    cls = ontology.cls(row["cls"])
    props = ontology.datatype_properties(cls.name)
    values = {item["key"]: item["value"] for item in row["props"]}
    caption_key = vocabulary.caption[cls.name]
    caption = display_value(values[caption_key]) if caption_key in values else None
    named = f" — {caption}" if caption and caption != row["id"] else ""
    head = f"{cls.label_en} {row['id']}{named}"
    lines = [f"# {cls.label_en} / {cls.label_zh} {row['id']}{named}", ""]
    for key, value in values.items():
        prop = props.get(key)
        # The vocabulary was built for no role, so only public keys arrive; re-check anyway.
        if prop is None or prop.sensitive or key in _SKIPPED:
            continue
        lines.append(f"- {prop.label_en} / {prop.label_zh}: {display_value(value)}")
    if row["neighbours"]:
        lines += ["", "Related / 关联:"]
        for n in row["neighbours"]:
            rel = ontology.object_property(n["rel"])
            arrow = "" if n["outgoing"] else " ←"
            caption_n = display_value(n["caption"]) if n["caption"] is not None else ""
            label = f" ({caption_n})" if caption_n and caption_n != n["id"] else ""
            lines.append(f"- {rel.label_en} / {rel.label_zh}{arrow}: {n['id']}{label}")
    stamp = values.get("updatedAt") or values.get("createdAt")
    updated = _date(stamp)
    return Document(
        id=card_id(cls.name, row["id"]),
        title=f"{head} ({cls.label_zh})",
        type=CARD_TYPE,
        language="en",
        system=cls.system_of_record,
        entities=[row["iri"]],
        updated=updated,
        body="\n".join(lines) + "\n",
    )


def _date(value: object) -> dt.date | None:
    to_native = getattr(value, "to_native", None)
    native = to_native() if callable(to_native) else value
    if isinstance(native, dt.datetime):
        return native.date()
    if isinstance(native, dt.date):
        return native
    return None


def card_documents(
    driver: neo4j.Driver, ontology: Ontology, database: str, iris: Iterable[str]
) -> Iterator[Document]:
    """Cards of the given entities that exist and are of a card class (others are skipped)."""
    vocabulary = _public_vocabulary(ontology)
    wanted = list(dict.fromkeys(iris))
    for start in range(0, len(wanted), _BATCH):
        params = vocabulary.parameters(
            wanted[start : start + _BATCH],
            NEIGHBOUR_LIMIT,
            entity_classes=card_classes(ontology),
            incoming_from=card_classes(ontology),
        )
        records = driver.execute_query(
            ENTITY_FACTS, params, database_=database, routing_=neo4j.RoutingControl.READ
        ).records
        for record in records:
            yield _card(record.data(), ontology, vocabulary)


def _public_vocabulary(ontology: Ontology) -> GraphVocabulary:
    return GraphVocabulary.build(ontology, ())


def sync_entity_cards(
    driver: neo4j.Driver,
    ontology: Ontology,
    store: IndexStore,
    database: str,
    iris: Iterable[str] | None = None,
) -> SyncReport:
    """Bring entity cards in line with the graph; returns what changed in the index.

    ``iris`` None: every Contract, SLA and Customer gets a current card and cards of
    entities no longer in the graph are removed. With ``iris``: only those entities; one
    that no longer exists (or is not of a card class) loses its card. Unchanged cards are
    not re-embedded. Raises Neo4j driver errors and what the embedder raises.
    """
    if iris is None:
        every = [
            r["iri"]
            for r in driver.execute_query(
                all_iris_query(card_classes(ontology), ontology),
                database_=database,
                routing_=neo4j.RoutingControl.READ,
            ).records
        ]
        wanted = every
    else:
        wanted = list(dict.fromkeys(iris))
    cards = list(card_documents(driver, ontology, database, wanted))
    report = sync_documents(store, cards, delete_missing=False)
    kept = {c.id for c in cards}
    scope = set(wanted)
    stale = [
        doc_id
        for doc_id, row in store.documents.items()
        if row.doc_type == CARD_TYPE
        and doc_id not in kept
        and (iris is None or scope.intersection(row.entities))
    ]
    removed = remove_documents(store, stale)
    return SyncReport(
        added=report.added,
        updated=report.updated,
        deleted=removed.deleted,
        unchanged=report.unchanged,
        chunks_embedded=report.chunks_embedded,
        chunks_reused=report.chunks_reused,
        chunks_removed=report.chunks_removed + removed.chunks_removed,
    )


class EntityCardUpdater:
    """Keeps cards current after committed changes, on a background thread.

    Register ``handle`` as a change-event handler: it only queues the touched IRIs and
    returns at once, so a change never waits for embedding. The worker drains everything
    queued, adds the card entities one hop away from the touched ones (a card shows its
    neighbours' captions), opens the index with ``open_store``, syncs those cards and
    closes it. Errors are logged, never raised into the change. When ``enabled`` returns
    False (e.g. no index built yet) events are dropped: ``index build`` creates all cards.
    A card of an entity next to a *deleted* one is refreshed by the next full sync.
    """

    def __init__(
        self,
        driver: neo4j.Driver,
        ontology: Ontology,
        database: str,
        open_store: Callable[[], IndexStore],
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        self.driver = driver
        self.ontology = ontology
        self.database = database
        self.open_store = open_store
        self.enabled = enabled
        self.last_error: str | None = None
        self.last_report: SyncReport | None = None
        self._queue: queue.Queue[tuple[str, ...] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._vocabulary = _public_vocabulary(ontology)

    def start(self) -> None:
        """Start the worker now rather than on the first change (idempotent)."""
        self._ensure_worker()

    def handle(self, event: object) -> None:
        """Queue the entities a ``ChangeCommitted`` touched; other events are ignored."""
        if not isinstance(event, ChangeCommitted) or not event.touched:
            return
        if not card_classes(self.ontology):
            return  # the ontology marks no class for cards
        self._ensure_worker()
        self._queue.put(tuple(iri for _, _, iri in event.touched))

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Block until every queued event is processed; False on timeout (for tests, shutdown)."""
        done = threading.Event()

        def joiner() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=joiner, daemon=True).start()
        return done.wait(timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish queued work (up to ``timeout_s``) and stop the worker."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout_s)

    def refresh(self, iris: Iterable[str]) -> SyncReport:
        """Synchronously re-sync the cards affected by changes to ``iris``."""
        touched = list(dict.fromkeys(iris))
        affected = [
            r["iri"]
            for r in self.driver.execute_query(
                AFFECTED_CARDS,
                iris=touched,
                rel_types=list(self._vocabulary.rel_types),
                card_classes=list(card_classes(self.ontology)),
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
            ).records
        ]
        store = self.open_store()
        try:
            return sync_entity_cards(
                self.driver, self.ontology, store, self.database, [*touched, *affected]
            )
        finally:
            store.close()

    # --- worker ----------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="entity-card-updater", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            while True:  # drain: many quick changes become one sync
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            iris = [iri for item in batch if item is not None for iri in item]
            try:
                if iris and self.enabled():
                    self.last_report = self.refresh(iris)
                    self.last_error = None
            except Exception as exc:  # a card failure must never surface in a change
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("entity cards not updated for %d entities: %s", len(iris), exc)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if any(item is None for item in batch):
                return


def card_updater(
    driver: neo4j.Driver, ontology: Ontology, database: str, settings: RagSettings
) -> EntityCardUpdater:
    """The updater for the index named by ``settings``; idle until that index exists.

    The embedding model is loaded on the first card to embed, in the worker thread.
    """
    embedder: list[Embedder] = []

    def open_store() -> IndexStore:
        if not embedder:
            embedder.append(Embedder.from_settings(settings))
        return IndexStore.open(settings.index_dir, embedder[0], settings)

    return EntityCardUpdater(
        driver,
        ontology,
        database,
        open_store,
        enabled=lambda: (settings.index_dir / METADATA_FILE).exists(),
    )
