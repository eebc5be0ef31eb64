# mypy: disable-error-code="untyped-decorator"
"""``groundedContext``: retrieval over the local RAG index, with its evidence, for tools
and local models.

One call on ``ContextService`` (semgraph.services.context), which masks passages, facts
and the context text for the caller's role and reads graph facts for that role. The
index (``SEMGRAPH_RAG_INDEX_DIR``) and its embedding model open on the first request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.types import Info

from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.page_types import Date
from semgraph.exceptions import InvalidInputError
from semgraph.rag.types import GroundedContext, SearchFilters

MAX_K = 50


@strawberry.input(description="Metadata filters applied before ranking; empty = no restriction.")
class ContextFilters:
    doc_types: list[str] | None = None
    systems: list[str] | None = None
    languages: list[str] | None = None
    entities: list[str] | None = strawberry.field(default=None, description="Entity IRIs.")
    doc_ids: list[str] | None = None
    updated_from: Date | None = None
    updated_to: Date | None = None


@strawberry.type(description="A retrieved passage; `citation` is its [n] in the context text.")
class ContextPassage:
    citation: int
    doc_id: str
    title: str
    section: str
    start: int
    end: int
    score: float
    vector_score: float | None
    bm25_score: float | None
    updated: Date | None
    language: str
    entities: list[str]
    text: str


@strawberry.type(description="A knowledge-graph fact about an entity the passages link.")
class ContextFact:
    entity_iri: str
    label: str | None
    predicate: str
    value: str
    target_iri: str | None
    citations: list[int]


@strawberry.type(description="Sources, scores, time window and confidence of the context.")
class ContextEvidence:
    sources: list[str]
    scores: list[float]
    time_window_start: Date | None
    time_window_end: Date | None
    confidence: float
    confidence_basis: str
    retrieval_mode: str
    model: str


@strawberry.type(
    name="GroundedContext",
    description="Grounded context for a question, masked for the caller's role.",
)
class GroundedContextView:
    question: str
    passages: list[ContextPassage]
    facts: list[ContextFact]
    context_text: str
    evidence: ContextEvidence


def _filters(f: ContextFilters | None) -> SearchFilters | None:
    if f is None:
        return None
    try:
        return SearchFilters(
            doc_types=f.doc_types or [],
            systems=f.systems or [],
            languages=f.languages or [],
            entities=f.entities or [],
            doc_ids=f.doc_ids or [],
            updated_from=f.updated_from,
            updated_to=f.updated_to,
        )
    except ValueError as exc:
        raise InvalidInputError(f"filters: {exc}", hint="dates are YYYY-MM-DD") from None


def _view(g: GroundedContext) -> GroundedContextView:
    def date(d: Any) -> Date | None:
        return Date(d.isoformat()) if d else None

    return GroundedContextView(
        question=g.question,
        passages=[
            ContextPassage(
                citation=p.citation,
                doc_id=p.doc_id,
                title=p.title,
                section=p.section,
                start=p.span.start,
                end=p.span.end,
                score=p.score,
                vector_score=p.vector_score,
                bm25_score=p.bm25_score,
                updated=date(p.updated),
                language=p.language,
                entities=p.entities,
                text=p.text,
            )
            for p in g.passages
        ],
        facts=[
            ContextFact(
                entity_iri=f.entity_iri,
                label=f.label,
                predicate=f.predicate,
                value=f.value,
                target_iri=f.target_iri,
                citations=f.citations,
            )
            for f in g.facts
        ],
        context_text=g.context_text,
        evidence=ContextEvidence(
            sources=g.evidence.sources,
            scores=g.evidence.scores,
            time_window_start=date(g.evidence.time_window.start),
            time_window_end=date(g.evidence.time_window.end),
            confidence=g.evidence.confidence,
            confidence_basis=g.evidence.confidence_basis,
            retrieval_mode=g.evidence.retrieval_mode,
            model=g.evidence.model,
        ),
    )


@strawberry.type
class RagQueries:
    @strawberry.field(
        description="The k passages (at most 50) that best answer the question, graph facts "
        "about the entities they link, a ready context block and its evidence; sensitive "
        "values masked for the caller's role."
    )
    async def grounded_context(
        self, info: Info, question: str, filters: ContextFilters | None = None, k: int = 5
    ) -> GroundedContextView:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        if not question.strip():
            raise InvalidInputError("question is empty", hint="ask a question in words")
        if not 1 <= k <= MAX_K:
            raise InvalidInputError(f"k must be 1..{MAX_K}")
        result = await asyncio.to_thread(
            ctx.services.container.context.grounded, question, caller.role, _filters(filters), k
        )
        return _view(result)
