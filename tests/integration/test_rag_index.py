"""The RAG index as a user sees it: real model, real FAISS, real SQLite; no mocks."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import faiss
import pytest

from semgraph.exceptions import ConfigurationError, InvalidInputError
from semgraph.rag.answer import generate_answer
from semgraph.rag.context import grounded_context
from semgraph.rag.documents import load_corpus
from semgraph.rag.embeddings import Embedder
from semgraph.rag.errors import InsufficientContextError, UngroundedAnswerError
from semgraph.rag.index_store import IndexStore
from semgraph.rag.indexer import remove_documents, sync_documents
from semgraph.rag.redaction import RedactionRules
from semgraph.rag.retriever import HybridRetriever
from semgraph.rag.settings import RagSettings
from semgraph.rag.types import SearchFilters

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rag"


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing is repaired in memory."""


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    faiss.omp_set_num_threads(1)
    return Embedder()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURES, target)
    return target


def _settings(tmp_path: Path, corpus: Path, **overrides: object) -> RagSettings:
    return RagSettings(  # type: ignore[call-arg]
        _env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", **overrides
    )


@pytest.fixture
def store(tmp_path: Path, corpus: Path, embedder: Embedder) -> Iterator[IndexStore]:
    settings = _settings(tmp_path, corpus)
    s = IndexStore.open(settings.index_dir, embedder, settings)
    sync_documents(s, load_corpus(corpus))
    yield s
    s.close()


def _ask(store: IndexStore, question: str, **kwargs: object) -> list[tuple[str, str]]:
    ctx = grounded_context(question, retriever=HybridRetriever(store), **kwargs)  # type: ignore[arg-type]
    return [(p.doc_id, p.section) for p in ctx.passages]


def test_answer_in_one_document_comes_first_with_its_citation(store: IndexStore) -> None:
    ctx = grounded_context(
        "How many minutes of downtime does the Gold availability commitment allow per month?",
        k=3,
        retriever=HybridRetriever(store),
    )
    top = ctx.passages[0]
    assert (top.doc_id, top.section, top.citation) == ("fx-gold", "Gold uptime commitment", 1)
    assert "21.6 minutes" in top.text
    assert top.span.end > top.span.start
    assert ctx.context_text.startswith("[1] fx-gold § Gold uptime commitment (chars ")
    assert ctx.evidence.sources[0].startswith("[1] fx-gold § Gold uptime commitment")
    assert ctx.evidence.time_window.end == dt.date(2026, 7, 1)
    assert 0.5 <= ctx.evidence.confidence <= 1.0
    assert ctx.facts == []  # no graph expander given


def test_a_chinese_question_finds_the_chinese_passage(store: IndexStore) -> None:
    hits = _ask(store, "服务抵扣和违约金为什么属于可变对价?", k=3)
    assert hits[0] == ("fx-vc-zh", "服务抵扣属于可变对价")


def test_hybrid_scores_share_one_scale_and_rrf_can_be_chosen(store: IndexStore) -> None:
    question = "What is the Gold penalty cap?"
    convex = HybridRetriever(store).search(question, 5)
    assert HybridRetriever(store).fusion == "convex"
    # min-max normalised scores, weights summing to 1: the fused score lies in [0, 1].
    assert 1.0 >= convex[0].score >= convex[-1].score >= 0.0
    assert (convex[0].chunk.doc_id, convex[0].chunk.section) == ("fx-gold", "Gold penalty cap")
    rrf = HybridRetriever(store, fusion="rrf").search(question, 5)
    assert rrf[0].chunk.id == convex[0].chunk.id
    assert rrf[0].score <= 2 / 61  # RRF: at best first in both lists, k = 60
    only_bm25 = HybridRetriever(store, vector_weight=0.0).search(question, 5)
    assert [h.chunk.id for h in only_bm25] == [
        h.chunk.id for h in HybridRetriever(store).search(question, 5, mode="bm25")
    ]
    with pytest.raises(InvalidInputError, match="outside"):
        HybridRetriever(store, vector_weight=1.5)


def test_the_index_is_built_by_the_numpy_embedder_without_torch(
    store: IndexStore,
) -> None:
    # its vectors equal sentence-transformers' and its BLAS threads are bounded:
    # tests/unit/test_numpy_embedder.py
    assert store.embedder.backend == "numpy"
    assert store.embedder.name == "all-MiniLM-L6-v2"
    assert store.embedder.embedded > 0


def test_deleting_a_document_removes_its_chunks(
    store: IndexStore, corpus: Path, embedder: Embedder
) -> None:
    question = "Who must approve a discount above 15 %?"
    assert _ask(store, question)[0][0] == "fx-discount-approval"
    (corpus / "fx-discount-approval.md").unlink()
    report = sync_documents(store, load_corpus(corpus))
    assert (report.deleted, report.chunks_removed, report.chunks_embedded) == (1, 2, 0)
    assert all(doc != "fx-discount-approval" for doc, _ in _ask(store, question, k=10))
    assert store.vectors.ids() == store.metadata.chunk_ids()
    remove_documents(store, ["fx-bronze"])
    assert all(doc != "fx-bronze" for doc, _ in _ask(store, "Bronze support hours", k=10))


def test_editing_one_section_embeds_only_that_chunk(store: IndexStore, corpus: Path) -> None:
    path = corpus / "fx-gold.md"
    path.write_text(path.read_text().replace("capped at 25 %", "capped at 30 %"), encoding="utf-8")
    before = store.embedder.embedded
    report = sync_documents(store, load_corpus(corpus))
    assert store.embedder.embedded - before == 1
    assert (report.updated, report.unchanged) == (1, 3)
    assert (report.chunks_embedded, report.chunks_reused, report.chunks_removed) == (1, 3, 1)
    ctx = grounded_context("What is the Gold penalty cap?", k=1, retriever=HybridRetriever(store))
    assert "30 %" in ctx.passages[0].text
    # Nothing changed: nothing embedded.
    assert sync_documents(store, load_corpus(corpus)).chunks_embedded == 0


@pytest.mark.parametrize("crash_at", ["journal", "vectors"])
def test_an_update_interrupted_midway_is_repaired_on_open(
    store: IndexStore, corpus: Path, embedder: Embedder, tmp_path: Path, crash_at: str
) -> None:
    old_ids = store.metadata.chunk_ids()
    path = corpus / "fx-gold.md"
    path.write_text(path.read_text().replace("21.6 minutes", "43 minutes"), encoding="utf-8")
    (corpus / "fx-bronze.md").unlink()

    def crash(step: str) -> None:
        if step == crash_at:
            raise SimulatedCrash(step)

    store.on_step = crash
    with pytest.raises(SimulatedCrash):
        sync_documents(store, load_corpus(corpus))
    store.close()

    settings = _settings(tmp_path, corpus)
    reopened = IndexStore.open(settings.index_dir, embedder, settings)
    try:
        report = reopened.repair_report
        assert report.interrupted_updates == 1
        if crash_at == "vectors":
            # The new vectors were on disk, the metadata was not: orphans dropped, removed
            # chunks embedded again from their stored text.
            assert report.orphan_vectors_dropped == 1
            assert report.chunks_reembedded == 1 + 3  # gold's edited chunk + bronze's three
        assert reopened.vectors.ids() == reopened.metadata.chunk_ids() == old_ids
        assert (
            "21.6 minutes"
            in grounded_context(
                "Gold availability downtime minutes", k=1, retriever=HybridRetriever(reopened)
            )
            .passages[0]
            .text
        )
        # The interrupted update is simply done again.
        redo = sync_documents(reopened, load_corpus(corpus))
        assert (redo.updated, redo.deleted) == (1, 1)
        assert reopened.vectors.ids() == reopened.metadata.chunk_ids()
    finally:
        reopened.close()


def test_filters_restrict_before_ranking(store: IndexStore) -> None:
    question = "service credits"
    assert {d for d, _ in _ask(store, question, filters=SearchFilters(doc_types=["policy"]))} == {
        "fx-vc-zh"
    }
    only_en = _ask(store, question, k=10, filters=SearchFilters(languages=["en"]))
    assert only_en and all(not d.endswith("-zh") for d, _ in only_en)
    by_entity = SearchFilters(entities=["https://semgraph.io/id/Product/PRD-0001"])
    assert {d for d, _ in _ask(store, question, k=10, filters=by_entity)} == {"fx-bronze"}
    recent = SearchFilters(updated_from=dt.date(2026, 1, 1))
    assert {d for d, _ in _ask(store, question, k=10, filters=recent)} == {"fx-gold", "fx-vc-zh"}
    by_system = SearchFilters(systems=["erp"], updated_to=dt.date(2024, 12, 31))
    assert {d for d, _ in _ask(store, question, k=10, filters=by_system)} == {
        "fx-discount-approval"
    }
    assert _ask(store, question, filters=SearchFilters(doc_types=["nothing"])) == []


def test_approximate_index_above_the_threshold(
    tmp_path: Path, corpus: Path, embedder: Embedder
) -> None:
    for kind in ("ivf", "hnsw"):
        settings = _settings(tmp_path / kind, corpus, ann_threshold=3, ann_kind=kind)
        s = IndexStore.open(settings.index_dir, embedder, settings)
        sync_documents(s, load_corpus(corpus))
        assert s.vectors.kind == kind
        assert _ask(s, "Who must approve a discount above 15 %?")[0][0] == "fx-discount-approval"
        remove_documents(s, ["fx-discount-approval"])
        s.close()
        s = IndexStore.open(settings.index_dir, embedder, settings)
        assert s.vectors.kind == kind and not s.repair_report.repaired
        assert s.vectors.ids() == s.metadata.chunk_ids()
        s.close()


def test_redact_is_applied_to_everything_served(store: IndexStore) -> None:
    rules = RedactionRules(values=["Northwind"], patterns=[r"\d+(?:\.\d+)? ?%"])
    ctx = grounded_context(
        "Northwind Gold uptime 99.95 %", k=4, retriever=HybridRetriever(store), redaction=rules
    )
    served = ctx.model_dump_json()
    assert "[REDACTED]" in served
    assert "Northwind" not in served and "99.95" not in served and "25 %" not in served


def test_no_endpoint_serves_context_and_says_how_to_configure(store: IndexStore) -> None:
    ctx = grounded_context("What is the Gold penalty cap?", retriever=HybridRetriever(store))
    with pytest.raises(ConfigurationError) as err:
        generate_answer(ctx, store.settings)
    assert "SEMGRAPH_RAG_LLM_URL" in str(err.value.hint)


class _FakeLLM(BaseHTTPRequestHandler):
    reply = ""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        assert "[1]" in request["messages"][1]["content"]
        body = json.dumps({"choices": [{"message": {"content": _FakeLLM.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_answers_from_a_local_endpoint_must_cite_existing_sources(store: IndexStore) -> None:
    server = HTTPServer(("127.0.0.1", 0), _FakeLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = store.settings.model_copy(
            update={"llm_url": f"http://127.0.0.1:{server.server_port}/v1"}
        )
        ctx = grounded_context(
            "What is the Gold penalty cap?", k=2, retriever=HybridRetriever(store)
        )
        _FakeLLM.reply = "Credits are capped at 25 % of the monthly fee [1]."
        answer = generate_answer(ctx, settings)
        assert answer.cited == [1] and answer.context.evidence.confidence > 0
        _FakeLLM.reply = "Capped at 25 % [7]."
        with pytest.raises(UngroundedAnswerError):
            generate_answer(ctx, settings)
        nothing = grounded_context(
            "penalty cap",
            retriever=HybridRetriever(store),
            filters=SearchFilters(doc_types=["none"]),
        )
        with pytest.raises(InsufficientContextError, match="not enough grounded context"):
            generate_answer(nothing, settings)
    finally:
        server.shutdown()
