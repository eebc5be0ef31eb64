"""The index on disk: FAISS vectors + SQLite metadata + in-memory BM25, kept in step.

Write order of one update (``apply``), chosen so that a crash at any point is repairable:

1. journal: a ``pending_ops`` row naming the ids to add and remove (SQLite commit);
2. vectors: the FAISS file, written to a temp file and renamed;
3. metadata: chunk and document rows, and the journal row deleted, in one SQLite commit.

``IndexStore.open`` compares the FAISS id set with the metadata id set and repairs: orphan
vectors (crash after 2) are dropped, chunks without a vector are embedded again from their
stored text. The metadata is the source of truth; the interrupted update is simply redone by
the next ``index update`` because the document hash was not yet committed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from semgraph.exceptions import ConfigurationError
from semgraph.rag.embeddings import Embedder, FloatMatrix
from semgraph.rag.errors import IndexMissingError
from semgraph.rag.keyword import BM25Index
from semgraph.rag.settings import RagSettings
from semgraph.rag.store import ChunkRow, DocumentRow, MetadataStore
from semgraph.rag.vector_index import VectorIndex

VECTORS_FILE = "vectors.faiss"
METADATA_FILE = "metadata.sqlite"


@dataclass
class IndexChanges:
    """One update. New chunks get their ids from ``apply`` (their ``id`` field is ignored)."""

    add: list[ChunkRow] = field(default_factory=list)
    add_vectors: FloatMatrix | None = None
    remove: list[int] = field(default_factory=list)
    relabel: list[ChunkRow] = field(default_factory=list)  # kept vector, new metadata
    upsert_documents: list[DocumentRow] = field(default_factory=list)
    delete_documents: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.add
            or self.remove
            or self.relabel
            or self.upsert_documents
            or self.delete_documents
        )


@dataclass(frozen=True)
class RepairReport:
    """What ``open`` found and fixed; all zero when the index was consistent."""

    interrupted_updates: int = 0
    orphan_vectors_dropped: int = 0
    chunks_reembedded: int = 0

    @property
    def repaired(self) -> bool:
        return bool(
            self.interrupted_updates or self.orphan_vectors_dropped or self.chunks_reembedded
        )


class IndexStore:
    """Open with ``IndexStore.open(directory, embedder, settings)``; close when done.

    ``on_step`` is called with "journal", "vectors" and "metadata" after each durable step
    of ``apply`` (a hook for tracing and for crash tests).
    """

    def __init__(
        self,
        directory: Path,
        embedder: Embedder,
        settings: RagSettings,
        metadata: MetadataStore,
        vectors: VectorIndex,
    ) -> None:
        self.directory = directory
        self.embedder = embedder
        self.settings = settings
        self.metadata = metadata
        self.vectors = vectors
        self.bm25 = BM25Index()
        self.documents: dict[str, DocumentRow] = {}
        self.repair_report = RepairReport()
        self.on_step: Callable[[str], None] | None = None

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls, directory: Path, embedder: Embedder, settings: RagSettings | None = None
    ) -> IndexStore:
        """Open (or create) the index in ``directory``, checking and repairing consistency.

        Raises ConfigurationError when the index was built with another embedding model.
        """
        settings = settings or RagSettings()
        directory.mkdir(parents=True, exist_ok=True)
        metadata = MetadataStore(directory / METADATA_FILE)
        built_with = metadata.get_meta("model")
        if built_with is not None and built_with != embedder.name:
            metadata.close()
            raise ConfigurationError(
                f"the index in {directory} was built with model `{built_with}`, "
                f"not `{embedder.name}`",
                hint="run `semgraph index rebuild` to re-embed with the current model, or set "
                "SEMGRAPH_RAG_EMBEDDER / SEMGRAPH_RAG_MODEL back (an index built with "
                "`all-MiniLM-L6-v2` reads with SEMGRAPH_RAG_EMBEDDER=numpy)",
            )
        params = {"nprobe": settings.ivf_nprobe, "ef_search": settings.hnsw_ef_search}
        path = directory / VECTORS_FILE
        if path.exists():
            vectors = VectorIndex.load(path, **params)
        else:
            dim = int(metadata.get_meta("dim") or embedder.dimension)
            vectors = VectorIndex.empty(dim, **params)
        store = cls(directory, embedder, settings, metadata, vectors)
        store.repair_report = store._check_and_repair()
        store._load_bm25()
        store.documents = metadata.documents()
        return store

    @staticmethod
    def destroy(directory: Path) -> None:
        """Delete the index files in ``directory`` (for a rebuild)."""
        for name in (VECTORS_FILE, METADATA_FILE, METADATA_FILE + "-wal", METADATA_FILE + "-shm"):
            (directory / name).unlink(missing_ok=True)
        tmp = directory / (VECTORS_FILE + ".tmp")
        if tmp.exists():
            tmp.unlink()
        if directory.exists() and not any(directory.iterdir()):
            shutil.rmtree(directory)

    def close(self) -> None:
        self.metadata.close()

    def _load_bm25(self) -> None:
        self.bm25 = BM25Index()
        for row in self.metadata.chunks():
            self.bm25.add(row.id, row.tokens)

    def _check_and_repair(self) -> RepairReport:
        pending = self.metadata.pending_ops()
        in_vectors = self.vectors.ids()
        in_metadata = self.metadata.chunk_ids()
        orphans = in_vectors - in_metadata
        missing = sorted(in_metadata - in_vectors)
        if orphans:
            self.vectors.remove(orphans)
        if missing:
            rows = self.metadata.chunks(missing)
            self.vectors.add(missing, self.embedder.encode([r.embed_text for r in rows]))
        if orphans or missing:
            self.vectors.save(self.directory / VECTORS_FILE)
        if pending:
            with self.metadata.transaction() as tx:
                self.metadata.clear_pending(tx)
        return RepairReport(len(pending), len(orphans), len(missing))

    # --- updating --------------------------------------------------------------------------
    def apply(self, changes: IndexChanges) -> list[int]:
        """Apply one update crash-safely (see the module docstring); returns the new ids.

        On an ``Exception`` the in-memory state is reloaded from disk and repaired, then the
        error is re-raised. A ``BaseException`` (interrupt, exit) is treated like a crash:
        nothing is repaired in memory; the next ``open`` repairs the files.
        """
        if changes.empty:
            return []
        vectors = changes.add_vectors
        if len(changes.add) != (0 if vectors is None else len(vectors)):
            raise ValueError("IndexChanges.add and add_vectors differ in length")
        try:
            return self._apply(changes, vectors)
        except Exception:
            self._reload()
            raise

    def _apply(self, changes: IndexChanges, vectors: FloatMatrix | None) -> list[int]:
        md = self.metadata
        with md.transaction() as tx:
            first = int(md.get_meta("next_id") or 1)
            new_ids = list(range(first, first + len(changes.add)))
            md.set_meta(tx, "next_id", str(first + len(new_ids)))
            op_id = md.add_pending(tx, new_ids, changes.remove)
        self._step("journal")

        self.vectors.remove(set(changes.remove))
        if vectors is not None and len(new_ids):
            self.vectors.add(new_ids, vectors)
        if self.vectors.kind == "flat" and len(self.vectors) > self.settings.ann_threshold:
            self.vectors = self._rebuilt_vectors()
        self.vectors.save(self.directory / VECTORS_FILE)
        self._step("vectors")

        added = [replace(row, id=i) for row, i in zip(changes.add, new_ids, strict=True)]
        with md.transaction() as tx:
            md.delete_chunks(tx, changes.remove)
            md.insert_chunks(tx, [*added, *changes.relabel])
            for doc_id in changes.delete_documents:
                md.delete_document(tx, doc_id)
            for doc in changes.upsert_documents:
                md.upsert_document(tx, doc)
            md.set_meta(tx, "model", self.embedder.name)
            md.set_meta(tx, "dim", str(self.vectors.dim))
            md.set_meta(tx, "last_update", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
            md.clear_pending(tx, op_id)
        self._step("metadata")

        for chunk_id in changes.remove:
            self.bm25.remove(chunk_id)
        for row in [*added, *changes.relabel]:
            self.bm25.add(row.id, row.tokens)
        self.documents = md.documents()
        return new_ids

    def _rebuilt_vectors(self) -> VectorIndex:
        ids = sorted(self.vectors.ids())
        s = self.settings
        return VectorIndex.build(
            np.asarray(ids, dtype=np.int64),
            self.vectors.reconstruct(ids),
            ann_threshold=s.ann_threshold,
            ann_kind=s.ann_kind,
            hnsw_m=s.hnsw_m,
            nprobe=s.ivf_nprobe,
            ef_search=s.hnsw_ef_search,
        )

    def _reload(self) -> None:
        params = {"nprobe": self.settings.ivf_nprobe, "ef_search": self.settings.hnsw_ef_search}
        path = self.directory / VECTORS_FILE
        dim = self.vectors.dim
        self.vectors = (
            VectorIndex.load(path, **params) if path.exists() else VectorIndex.empty(dim, **params)
        )
        self.repair_report = self._check_and_repair()
        self._load_bm25()
        self.documents = self.metadata.documents()

    def _step(self, name: str) -> None:
        if self.on_step is not None:
            self.on_step(name)

    # --- facts -----------------------------------------------------------------------------
    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        return {row.id: row for row in self.metadata.chunks(ids)}

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())


def open_index(settings: RagSettings | None = None, *, create: bool = False) -> IndexStore:
    """The index named by the settings (``SEMGRAPH_RAG_INDEX_DIR``), with its embedder.

    Raises IndexMissingError when none was built there, unless ``create`` (the index
    commands that build one).
    """
    settings = settings or RagSettings()
    if not create and not (settings.index_dir / METADATA_FILE).exists():
        raise IndexMissingError(
            f"no index at {settings.index_dir}",
            hint="run `semgraph index build` (or set SEMGRAPH_RAG_INDEX_DIR to one)",
        )
    embedder = Embedder.from_settings(settings)
    return IndexStore.open(settings.index_dir, embedder, settings)
