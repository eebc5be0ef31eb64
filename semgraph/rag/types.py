"""Pydantic models at the RAG boundary: filters in; passages, facts and evidence out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

RetrievalMode = Literal["bm25", "vector", "hybrid"]
FusionMethod = Literal["convex", "rrf"]


class SearchFilters(BaseModel):
    """Metadata filters, applied before ranking. Empty lists mean "no restriction".

    Several values of one field are OR-ed; different fields are AND-ed. ``updated_from`` and
    ``updated_to`` are inclusive and compare the document's ``updated`` date; a document
    without a date is excluded by a date filter.
    """

    doc_types: list[str] = Field(default_factory=list)
    systems: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list, description="Entity IRIs; any match.")
    doc_ids: list[str] = Field(default_factory=list)
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.doc_types
            or self.systems
            or self.languages
            or self.entities
            or self.doc_ids
            or self.updated_from
            or self.updated_to
        )


class Span(BaseModel):
    """Character offsets [start, end) into the document body (after the front matter)."""

    start: int
    end: int


class Passage(BaseModel):
    """One retrieved passage; ``citation`` is its [n] number in the context text."""

    citation: int
    chunk_id: int
    doc_id: str
    title: str
    section: str
    section_path: str
    span: Span
    score: float = Field(
        description="Fused score in hybrid mode (0–1 with convex fusion), else the method's own."
    )
    vector_score: float | None = Field(default=None, description="Cosine similarity, -1..1.")
    bm25_score: float | None = None
    updated: dt.date | None = None
    language: str
    entities: list[str] = Field(default_factory=list)
    text: str


class GraphFact(BaseModel):
    """A fact from the knowledge graph about an entity linked to the passages."""

    entity_iri: str
    label: str | None = None
    predicate: str
    value: str
    target_iri: str | None = None
    source: str = Field(default="graph", description="Where the fact came from.")
    citations: list[int] = Field(default_factory=list, description="Passages that link the entity.")


class TimeWindow(BaseModel):
    """Oldest and newest ``updated`` date of the cited documents (None if undated)."""

    start: dt.date | None = None
    end: dt.date | None = None


class Evidence(BaseModel):
    """What every AI-facing output carries: sources, scores, time window, confidence."""

    sources: list[str] = Field(description="`[n] doc_id § section (chars a–b)` per passage.")
    scores: list[float]
    time_window: TimeWindow
    confidence: float = Field(ge=0.0, le=1.0)
    confidence_basis: str
    retrieval_mode: RetrievalMode
    model: str


class GroundedContext(BaseModel):
    """Passages, graph facts and a ready context block for a local model."""

    question: str
    passages: list[Passage]
    facts: list[GraphFact]
    context_text: str
    evidence: Evidence


class Answer(BaseModel):
    """A generated answer with the context it is grounded in."""

    answer: str
    cited: list[int]
    model: str
    context: GroundedContext
