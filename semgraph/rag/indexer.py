"""Bring the index in line with a set of documents, embedding only changed chunks.

A document whose hash is unchanged is skipped. For a changed document, chunks are matched
to the stored ones by content hash: a match keeps its id and vector (only span, ordinal
and document fields are rewritten); only new or edited chunks are embedded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from semgraph.rag.chunking import Chunk, chunk_document
from semgraph.rag.documents import Document
from semgraph.rag.index_store import IndexChanges, IndexStore
from semgraph.rag.keyword import tokenize
from semgraph.rag.store import ChunkRow, DocumentRow

# progress(done, total) in chunks embedded.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SyncReport:
    """Counts of one sync: documents by outcome, chunks embedded / reused / removed."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    chunks_removed: int = 0


def _row(doc: Document, chunk: Chunk, chunk_id: int) -> ChunkRow:
    return ChunkRow(
        id=chunk_id,
        doc_id=doc.id,
        ordinal=chunk.ordinal,
        section=chunk.section,
        section_path=chunk.section_path,
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        embed_text=chunk.embed_text,
        content_hash=chunk.content_hash,
        tokens=tuple(tokenize(chunk.embed_text)),
        updated=doc.updated.isoformat() if doc.updated else None,
        language=doc.language,
        doc_type=doc.type,
        system=doc.system,
        entities=tuple(doc.entities),
    )


def _document_row(doc: Document) -> DocumentRow:
    return DocumentRow(
        doc_id=doc.id,
        title=doc.title,
        doc_type=doc.type,
        language=doc.language,
        system=doc.system,
        entities=tuple(doc.entities),
        updated=doc.updated.isoformat() if doc.updated else None,
        path=doc.path,
        doc_hash=doc.content_hash,
        indexed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def sync_documents(
    store: IndexStore,
    documents: Iterable[Document],
    *,
    delete_missing: bool = True,
    progress: Progress | None = None,
) -> SyncReport:
    """Index new and changed documents; with ``delete_missing``, drop documents not given.

    The whole sync is one crash-safe ``IndexStore.apply``. Raises what the embedder raises
    (ConfigurationError when the model is missing).
    """
    settings = store.settings
    changes = IndexChanges()
    to_embed: list[ChunkRow] = []
    counts = {"added": 0, "updated": 0, "unchanged": 0, "deleted": 0, "reused": 0}
    seen: set[str] = set()
    for doc in documents:
        seen.add(doc.id)
        known = store.documents.get(doc.id)
        if known is not None and known.doc_hash == doc.content_hash:
            counts["unchanged"] += 1
            continue
        counts["updated" if known else "added"] += 1
        old_by_hash: dict[str, list[int]] = {}
        for old in store.metadata.doc_chunks(doc.id) if known else []:
            old_by_hash.setdefault(old.content_hash, []).append(old.id)
        chunks = chunk_document(
            doc, max_chars=settings.chunk_max_chars, max_chars_cjk=settings.chunk_max_chars_cjk
        )
        for chunk in chunks:
            reusable = old_by_hash.get(chunk.content_hash)
            if reusable:
                changes.relabel.append(_row(doc, chunk, reusable.pop(0)))
            else:
                to_embed.append(_row(doc, chunk, -1))
        changes.remove.extend(i for ids in old_by_hash.values() for i in ids)
        changes.upsert_documents.append(_document_row(doc))
    if delete_missing:
        for doc_id in sorted(set(store.documents) - seen):
            counts["deleted"] += 1
            changes.remove.extend(r.id for r in store.metadata.doc_chunks(doc_id))
            changes.delete_documents.append(doc_id)
    changes.add = to_embed
    changes.add_vectors = _embed(store, to_embed, progress)
    store.apply(changes)
    return SyncReport(
        added=counts["added"],
        updated=counts["updated"],
        deleted=counts["deleted"],
        unchanged=counts["unchanged"],
        chunks_embedded=len(to_embed),
        chunks_reused=len(changes.relabel),
        chunks_removed=len(changes.remove),
    )


def remove_documents(store: IndexStore, doc_ids: Iterable[str]) -> SyncReport:
    """Delete documents and all their chunks from the index (unknown ids are ignored)."""
    changes = IndexChanges()
    for doc_id in doc_ids:
        if doc_id in store.documents:
            changes.remove.extend(r.id for r in store.metadata.doc_chunks(doc_id))
            changes.delete_documents.append(doc_id)
    store.apply(changes)
    return SyncReport(deleted=len(changes.delete_documents), chunks_removed=len(changes.remove))


def _embed(store: IndexStore, rows: list[ChunkRow], progress: Progress | None) -> np.ndarray:
    batch = max(store.settings.embed_batch_size * 4, 1)
    parts = []
    if progress is not None:
        progress(0, len(rows))
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        parts.append(store.embedder.encode([r.embed_text for r in part]))
        if progress is not None:
            progress(min(start + batch, len(rows)), len(rows))
    if not parts:
        return np.zeros((0, store.vectors.dim), dtype=np.float32)
    return np.vstack(parts)
