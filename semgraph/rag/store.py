"""Metadata store in SQLite: chunks (id = FAISS id), documents, the update journal, meta.

The ``pending_ops`` journal row is committed *before* the FAISS file changes and deleted in
the same transaction that commits the chunk rows, so its presence on open means an update
was interrupted and the vector index must be checked against the chunk ids.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, doc_type TEXT NOT NULL,
    language TEXT NOT NULL, system TEXT, entities TEXT NOT NULL, updated TEXT,
    path TEXT, doc_hash TEXT NOT NULL, indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    section TEXT NOT NULL, section_path TEXT NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL,
    content_hash TEXT NOT NULL, tokens TEXT NOT NULL, updated TEXT, language TEXT NOT NULL,
    doc_type TEXT NOT NULL, system TEXT, entities TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS pending_ops (
    op_id INTEGER PRIMARY KEY, added TEXT NOT NULL, removed TEXT NOT NULL, started TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ChunkRow:
    """One chunk as stored; ``entities`` are IRIs, ``tokens`` the BM25 tokens."""

    id: int
    doc_id: str
    ordinal: int
    section: str
    section_path: str
    start: int
    end: int
    text: str
    embed_text: str
    content_hash: str
    tokens: tuple[str, ...]
    updated: str | None
    language: str
    doc_type: str
    system: str | None
    entities: tuple[str, ...]


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    title: str
    doc_type: str
    language: str
    system: str | None
    entities: tuple[str, ...]
    updated: str | None
    path: str | None
    doc_hash: str
    indexed_at: str


_CHUNK_COLS = (
    "id, doc_id, ordinal, section, section_path, start, end, text, embed_text, content_hash, "
    "tokens, updated, language, doc_type, system, entities"
)


def _chunk(row: sqlite3.Row) -> ChunkRow:
    values = list(row)
    values[10] = tuple(values[10].split(" ")) if values[10] else ()
    values[15] = tuple(json.loads(values[15]))
    return ChunkRow(*values)


def _doc(row: sqlite3.Row) -> DocumentRow:
    values = list(row)
    values[5] = tuple(json.loads(values[5]))
    return DocumentRow(*values)


class MetadataStore:
    """SQLite access for the index; one instance per process, not shared across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: committed on success, rolled back on any exception."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def set_meta(tx: sqlite3.Connection, key: str, value: str) -> None:
        tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- reads -----------------------------------------------------------------------------
    def chunk_ids(self) -> set[int]:
        return {int(r[0]) for r in self._db.execute("SELECT id FROM chunks")}

    def chunks(self, ids: Iterable[int] | None = None) -> list[ChunkRow]:
        """Chunks by id (all when ``ids`` is None), in id order."""
        if ids is None:
            cur = self._db.execute(f"SELECT {_CHUNK_COLS} FROM chunks ORDER BY id")
            return [_chunk(r) for r in cur]
        wanted = list(ids)
        rows: list[ChunkRow] = []
        for i in range(0, len(wanted), 900):
            part = wanted[i : i + 900]
            marks = ",".join("?" * len(part))
            cur = self._db.execute(f"SELECT {_CHUNK_COLS} FROM chunks WHERE id IN ({marks})", part)
            rows.extend(_chunk(r) for r in cur)
        return sorted(rows, key=lambda r: r.id)

    def doc_chunks(self, doc_id: str) -> list[ChunkRow]:
        cur = self._db.execute(
            f"SELECT {_CHUNK_COLS} FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        )
        return [_chunk(r) for r in cur]

    def documents(self) -> dict[str, DocumentRow]:
        cur = self._db.execute("SELECT * FROM documents")
        return {r[0]: _doc(r) for r in cur}

    def filter_ids(
        self,
        *,
        doc_types: Sequence[str] = (),
        systems: Sequence[str] = (),
        languages: Sequence[str] = (),
        entities: Sequence[str] = (),
        doc_ids: Sequence[str] = (),
        updated_from: str | None = None,
        updated_to: str | None = None,
    ) -> set[int]:
        """Ids of chunks matching every given condition (ISO dates, inclusive)."""
        where: list[str] = []
        args: list[str] = []
        for column, values in (
            ("doc_type", doc_types),
            ("system", systems),
            ("language", languages),
            ("doc_id", doc_ids),
        ):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if entities:
            marks = ",".join("?" * len(entities))
            where.append(f"EXISTS (SELECT 1 FROM json_each(entities) WHERE value IN ({marks}))")
            args.extend(entities)
        if updated_from:
            where.append("updated >= ?")
            args.append(updated_from)
        if updated_to:
            where.append("updated <= ?")
            args.append(updated_to)
        sql = "SELECT id FROM chunks" + (" WHERE " + " AND ".join(where) if where else "")
        return {int(r[0]) for r in self._db.execute(sql, args)}

    def pending_ops(self) -> list[tuple[int, list[int], list[int]]]:
        cur = self._db.execute("SELECT op_id, added, removed FROM pending_ops ORDER BY op_id")
        return [(int(r[0]), json.loads(r[1]), json.loads(r[2])) for r in cur]

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)."""
        docs = self._db.execute("SELECT count(*) FROM documents").fetchone()[0]
        chunks = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return int(docs), int(chunks)

    # --- writes (inside ``transaction()``) -------------------------------------------------
    @staticmethod
    def insert_chunks(tx: sqlite3.Connection, rows: Sequence[ChunkRow]) -> None:
        tx.executemany(
            f"INSERT OR REPLACE INTO chunks ({_CHUNK_COLS}) VALUES ({','.join('?' * 16)})",
            [
                (
                    *(r.id, r.doc_id, r.ordinal, r.section, r.section_path, r.start, r.end),
                    *(r.text, r.embed_text, r.content_hash, " ".join(r.tokens), r.updated),
                    *(r.language, r.doc_type, r.system, json.dumps(list(r.entities))),
                )
                for r in rows
            ],
        )

    @staticmethod
    def delete_chunks(tx: sqlite3.Connection, ids: Sequence[int]) -> None:
        tx.executemany("DELETE FROM chunks WHERE id = ?", [(i,) for i in ids])

    @staticmethod
    def upsert_document(tx: sqlite3.Connection, doc: DocumentRow) -> None:
        tx.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *(doc.doc_id, doc.title, doc.doc_type, doc.language, doc.system),
                *(json.dumps(list(doc.entities)), doc.updated, doc.path, doc.doc_hash),
                doc.indexed_at,
            ),
        )

    @staticmethod
    def delete_document(tx: sqlite3.Connection, doc_id: str) -> None:
        tx.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    @staticmethod
    def add_pending(tx: sqlite3.Connection, added: Sequence[int], removed: Sequence[int]) -> int:
        cur = tx.execute(
            "INSERT INTO pending_ops(added, removed, started) VALUES (?, ?, datetime('now'))",
            (json.dumps(list(added)), json.dumps(list(removed))),
        )
        return int(cur.lastrowid or 0)

    @staticmethod
    def clear_pending(tx: sqlite3.Connection, op_id: int | None = None) -> None:
        if op_id is None:
            tx.execute("DELETE FROM pending_ops")
        else:
            tx.execute("DELETE FROM pending_ops WHERE op_id = ?", (op_id,))
