"""``grounded_context``: numbered passages, graph facts and a context block with evidence.

Confidence (0–1) is computed from the best passage, on the cosine scale that every hit
carries (see ``HybridRetriever``), between two anchors of the embedding model
(``Embedder.cosine_anchors``):

    similarity = clip((cosine - floor) / (good - floor), 0, 1)
    confidence = 0.75 * similarity + 0.25 * agreement          (hybrid mode)
    confidence = similarity                                    (single-method modes)

``agreement`` is 1 when the best passage is in the top 5 of *both* BM25 and vector
search, else 0. The anchors were read off each packaged model on ``rag/corpus`` and
``rag/eval`` (docs/rag.md, "Confidence"): ``floor`` about the median best cosine of an
off-topic question, ``good`` about the 75th percentile of an on-topic one — 0.25 / 0.70 for
all-MiniLM-L6-v2, 0.82 / 0.92 for multilingual-e5-small, whose cosines all lie high. With
no BM25 match at all, confidence is similarity alone, capped at 0.5: nothing in the
question's own words was found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from semgraph.rag.redaction import RedactionRules, redact
from semgraph.rag.retriever import HybridRetriever, RetrievedChunk
from semgraph.rag.types import (
    Evidence,
    GraphFact,
    GroundedContext,
    Passage,
    RetrievalMode,
    SearchFilters,
    Span,
    TimeWindow,
)


def confidence_basis(anchors: tuple[float, float]) -> str:
    """How ``confidence_of`` was computed, in words, for ``Evidence.confidence_basis``."""
    floor, good = anchors
    return (
        f"best passage cosine mapped {floor:.2f}→0, {good:.2f}→1 (weight 0.75) plus agreement "
        "of BM25 and vector top 5 (weight 0.25); capped at 0.5 without any keyword match"
    )


class GraphExpander(Protocol):
    """Adds knowledge-graph facts about the entities the passages link (a hook).

    Implementations receive the question and the numbered passages (each with
    ``entities``) and return facts; ``GraphFact.citations`` should name the passages
    that link each entity. They must not raise for an unknown entity: return no facts.
    """

    def expand(self, question: str, passages: Sequence[Passage]) -> list[GraphFact]: ...


def confidence_of(
    hits: Sequence[RetrievedChunk], mode: RetrievalMode, anchors: tuple[float, float]
) -> float:
    """Confidence in [0, 1] that the best hit answers the question (module docstring);
    ``anchors`` are the model's (floor, good) cosines."""
    if not hits:
        return 0.0
    top = hits[0]
    floor, good = anchors
    similarity = min(1.0, max(0.0, (top.vector_score - floor) / (good - floor)))
    if mode != "hybrid":
        return round(similarity, 3)
    if not any(h.bm25_rank is not None for h in hits):
        return round(min(similarity, 0.5), 3)
    agreement = float(
        top.bm25_rank is not None
        and top.bm25_rank <= 5
        and top.vector_rank is not None
        and top.vector_rank <= 5
    )
    return round(0.75 * similarity + 0.25 * agreement, 3)


def _passage(number: int, hit: RetrievedChunk, rules: RedactionRules | None) -> Passage:
    row = hit.chunk
    title = hit.document.title if hit.document else row.doc_id
    return Passage(
        citation=number,
        chunk_id=row.id,
        doc_id=row.doc_id,
        title=redact(title, rules),
        section=redact(row.section, rules),
        section_path=redact(row.section_path, rules),
        span=Span(start=row.start, end=row.end),
        score=round(hit.score, 6),
        vector_score=round(hit.vector_score, 4),
        bm25_score=None if hit.bm25_score is None else round(hit.bm25_score, 4),
        updated=dt.date.fromisoformat(row.updated) if row.updated else None,
        language=row.language,
        entities=list(row.entities),
        text=redact(row.text, rules),
    )


def source_line(p: Passage) -> str:
    """``[n] doc_id § section (chars a–b, updated d)`` — the citation as shown to users."""
    when = f", updated {p.updated.isoformat()}" if p.updated else ""
    return f"[{p.citation}] {p.doc_id} § {p.section} (chars {p.span.start}–{p.span.end}{when})"


def _context_text(passages: Sequence[Passage], facts: Sequence[GraphFact]) -> str:
    blocks = [f"{source_line(p)}\n{p.title} — {p.section}\n{p.text}" for p in passages]
    if facts:
        lines = []
        for f in facts:
            cites = "".join(f"[{n}]" for n in f.citations)
            target = f" ({f.target_iri})" if f.target_iri else ""
            lines.append(f"- <{f.entity_iri}> {f.predicate}: {f.value}{target} {cites}".rstrip())
        blocks.append("Graph facts:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def grounded_context(
    question: str,
    filters: SearchFilters | None = None,
    k: int = 5,
    *,
    retriever: HybridRetriever,
    expander: GraphExpander | None = None,
    redaction: RedactionRules | None = None,
    mode: RetrievalMode | None = None,
) -> GroundedContext:
    """Retrieve ``k`` passages for ``question`` and package them with their evidence.

    Everything textual that is returned has passed through ``redact(…, redaction)``.
    Raises InvalidInputError for an empty question. An empty result is not an error: the
    context then has no passages and confidence 0.
    """
    used_mode: RetrievalMode = mode or retriever.mode
    hits = retriever.search(question, k, filters, mode=used_mode)
    passages = [_passage(n, hit, redaction) for n, hit in enumerate(hits, start=1)]
    facts = expander.expand(question, passages) if expander and passages else []
    facts = [
        f.model_copy(
            update={
                "value": redact(f.value, redaction),
                "label": redact(f.label, redaction) if f.label else None,
            }
        )
        for f in facts
    ]
    dates = [p.updated for p in passages if p.updated]
    evidence = Evidence(
        sources=[redact(source_line(p), redaction) for p in passages],
        scores=[p.score for p in passages],
        time_window=TimeWindow(start=min(dates, default=None), end=max(dates, default=None)),
        confidence=confidence_of(hits, used_mode, retriever.store.embedder.cosine_anchors),
        confidence_basis=confidence_basis(retriever.store.embedder.cosine_anchors),
        retrieval_mode=used_mode,
        model=retriever.store.embedder.name,
    )
    return GroundedContext(
        question=redact(question, redaction),
        passages=passages,
        facts=facts,
        context_text=redact(_context_text(passages, facts), redaction),
        evidence=evidence,
    )
