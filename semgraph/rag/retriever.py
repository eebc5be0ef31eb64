"""Hybrid retrieval: BM25 and vector search, metadata filters first, then fused.

Fusion is a convex combination of min-max normalised scores by default (vector weight
``vector_weight``, BM25 the rest), or reciprocal rank fusion (``fusion="rrf"``); see
``rag/fusion.py`` and docs/rag.md for how the weight was chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semgraph.exceptions import InvalidInputError
from semgraph.metrics import RAG_INDEX_CHUNKS, RAG_QUERY_LATENCY
from semgraph.rag.chunking import is_cjk_text
from semgraph.rag.fusion import convex_combination, reciprocal_rank_fusion
from semgraph.rag.index_store import IndexStore
from semgraph.rag.keyword import tokenize
from semgraph.rag.store import ChunkRow, DocumentRow
from semgraph.rag.types import FusionMethod, RetrievalMode, SearchFilters

MODES: tuple[RetrievalMode, ...] = ("bm25", "vector", "hybrid")


@dataclass(frozen=True)
class RetrievedChunk:
    """One hit. ``score`` is the fused score in hybrid mode, else the method's own score.

    ``vector_score`` (cosine) is filled for every hit, also those found only by BM25, so
    that confidence can be judged on one scale.
    """

    chunk: ChunkRow
    document: DocumentRow | None
    score: float
    vector_score: float
    bm25_score: float | None
    bm25_rank: int | None
    vector_rank: int | None


class HybridRetriever:
    """Searches one ``IndexStore``; ``candidates`` hits per method are fused.

    ``fusion``, ``vector_weight`` and ``rrf_k`` default to the store's settings.
    """

    def __init__(
        self,
        store: IndexStore,
        *,
        mode: RetrievalMode = "hybrid",
        candidates: int | None = None,
        fusion: FusionMethod | None = None,
        vector_weight: float | None = None,
        rrf_k: int | None = None,
    ) -> None:
        if mode not in MODES:
            raise InvalidInputError(
                f"unknown retrieval mode `{mode}`", hint="use " + ", ".join(MODES)
            )
        self.store = store
        self.mode: RetrievalMode = mode
        settings = store.settings
        self.candidates = candidates or settings.candidates
        self.fusion: FusionMethod = fusion or settings.fusion
        self.default_vector_weight = (
            settings.vector_weight if vector_weight is None else vector_weight
        )
        if not 0.0 <= self.default_vector_weight <= 1.0:
            raise InvalidInputError(
                f"vector weight {self.default_vector_weight} is outside [0, 1]",
                hint="BM25 gets 1 - the vector weight; 0.35 is the tuned default",
            )
        self.rrf_k = rrf_k or settings.rrf_k

    def vector_weight(self, query: str) -> float:
        """Weight of the vector list for ``query``, in [0, 1]; BM25 gets the rest in convex
        fusion (RRF weighs BM25 1). ``cjk_vector_weight`` for a CJK question on an
        English-only model; otherwise ``vector_weight`` (convex) or 1 (RRF)."""
        settings = self.store.settings
        multilingual = settings.model_multilingual
        if multilingual is None:
            multilingual = "multilingual" in self.store.embedder.name.lower() or (
                "multilingual" in str(self.store.embedder.model_path).lower()
            )
        if not multilingual and is_cjk_text(query):
            return settings.cjk_vector_weight
        return self.default_vector_weight if self.fusion == "convex" else 1.0

    def fuse(
        self,
        query: str,
        vector_hits: Sequence[tuple[int, float]],
        bm25_hits: Sequence[tuple[int, float]],
    ) -> list[tuple[int, float]]:
        """Both lists fused into one, best first (all of them; cut to k by the caller)."""
        weight = self.vector_weight(query)
        if self.fusion == "rrf":
            return reciprocal_rank_fusion(
                [[i for i, _ in vector_hits], [i for i, _ in bm25_hits]],
                k=self.rrf_k,
                weights=[weight, 1.0],
            )
        return convex_combination([vector_hits, bm25_hits], [weight, 1.0 - weight])

    def allowed_ids(self, filters: SearchFilters | None) -> set[int] | None:
        """Chunk ids passing ``filters`` (None = no restriction)."""
        if filters is None or filters.empty:
            return None
        return self.store.metadata.filter_ids(
            doc_types=filters.doc_types,
            systems=filters.systems,
            languages=filters.languages,
            entities=filters.entities,
            doc_ids=filters.doc_ids,
            updated_from=filters.updated_from.isoformat() if filters.updated_from else None,
            updated_to=filters.updated_to.isoformat() if filters.updated_to else None,
        )

    def search(
        self,
        query: str,
        k: int = 5,
        filters: SearchFilters | None = None,
        *,
        mode: RetrievalMode | None = None,
    ) -> list[RetrievedChunk]:
        """Top ``k`` chunks for ``query``; raises InvalidInputError for an empty query."""
        if not query.strip():
            raise InvalidInputError("the question is empty")
        with RAG_QUERY_LATENCY.time():
            hits = self._search(query, k, filters, mode or self.mode)
        RAG_INDEX_CHUNKS.set(len(self.store.vectors))
        return hits

    def _search(
        self, query: str, k: int, filters: SearchFilters | None, mode: RetrievalMode
    ) -> list[RetrievedChunk]:
        allowed = self.allowed_ids(filters)
        if allowed is not None and not allowed:
            return []
        wanted = max(k, self.candidates)
        qvec = self.store.embedder.encode_queries([query])
        vector_hits: list[tuple[int, float]] = []
        bm25_hits: list[tuple[int, float]] = []
        if mode in ("vector", "hybrid"):
            vector_hits = self.store.vectors.search(qvec, wanted, allowed)
        if mode in ("bm25", "hybrid"):
            bm25_hits = self.store.bm25.search(tokenize(query), wanted, allowed)
        if mode == "hybrid":
            fused = self.fuse(query, vector_hits, bm25_hits)[:k]
        else:
            fused = (vector_hits if mode == "vector" else bm25_hits)[:k]
        return self._hits(fused, qvec, vector_hits, bm25_hits)

    def _hits(
        self,
        fused: Sequence[tuple[int, float]],
        qvec: np.ndarray,
        vector_hits: Sequence[tuple[int, float]],
        bm25_hits: Sequence[tuple[int, float]],
    ) -> list[RetrievedChunk]:
        vrank = {i: (r, s) for r, (i, s) in enumerate(vector_hits, start=1)}
        brank = {i: (r, s) for r, (i, s) in enumerate(bm25_hits, start=1)}
        ids = [i for i, _ in fused]
        rows = self.store.chunks(ids)
        unscored = [i for i in ids if i not in vrank]
        cosines = (
            dict(
                zip(
                    unscored,
                    (self.store.vectors.reconstruct(unscored) @ qvec[0]).tolist(),
                    strict=True,
                )
            )
            if unscored
            else {}
        )
        out: list[RetrievedChunk] = []
        for chunk_id, score in fused:
            row = rows.get(chunk_id)
            if row is None:  # deleted between search and lookup
                continue
            v = vrank.get(chunk_id)
            b = brank.get(chunk_id)
            out.append(
                RetrievedChunk(
                    chunk=row,
                    document=self.store.documents.get(row.doc_id),
                    score=float(score),
                    vector_score=float(v[1] if v else cosines[chunk_id]),
                    bm25_score=b[1] if b else None,
                    bm25_rank=b[0] if b else None,
                    vector_rank=v[0] if v else None,
                )
            )
        return out
