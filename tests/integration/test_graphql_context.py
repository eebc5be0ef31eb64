"""``groundedContext`` over HTTP: passages with evidence from a local index, masked for the
caller's role like every other read."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import neo4j
import pytest

from semgraph.config import Settings
from semgraph.rag.documents import load_corpus
from semgraph.rag.embeddings import Embedder
from semgraph.rag.index_store import IndexStore
from semgraph.rag.indexer import sync_documents
from semgraph.rag.retriever import HybridRetriever
from semgraph.rag.settings import RagSettings
from tests.integration.graphql_harness import Gql, build_app, running

DOC = """---
id: fx-escalation
title: Escalation contacts for Acme Industrial
type: playbook
language: en
system: crm
updated: 2026-03-01
---
# Escalation contacts

For a Gold SLA outage at Acme Industrial, escalate to the account lead
mei.chen@northwind.example within four hours; service credits apply after that.
"""
QUERY = """query($q: String!, $k: Int!) { groundedContext(question: $q, k: $k) {
  passages { citation docId text } contextText
  evidence { sources scores confidence retrievalMode model timeWindowStart } } }"""


@pytest.fixture(scope="module")
def gql(
    tmp_path_factory: pytest.TempPathFactory, driver: neo4j.Driver, settings: Settings
) -> Iterator[Gql]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = tmp_path_factory.mktemp("rag")
    (root / "corpus").mkdir()
    (root / "corpus" / "fx-escalation.md").write_text(DOC, encoding="utf-8")
    rag = RagSettings(_env_file=None, corpus_dir=root / "corpus", index_dir=root / "index")  # type: ignore[call-arg]
    store = IndexStore.open(rag.index_dir, Embedder.from_settings(rag), rag)
    sync_documents(store, load_corpus(rag.corpus_dir))
    app = build_app(settings)
    app.state.graphql.retriever = HybridRetriever(store)
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield Gql(client)
    store.close()


def test_grounded_context_carries_its_evidence(gql: Gql) -> None:
    ctx = gql(QUERY, q="Who do we escalate an Acme Gold outage to?", k=3)["groundedContext"]
    assert ctx["passages"][0]["docId"] == "fx-escalation"
    evidence = ctx["evidence"]
    assert evidence["sources"][0].startswith("[1] fx-escalation")
    assert 0 < evidence["confidence"] <= 1 and evidence["timeWindowStart"] == "2026-03-01"


def test_grounded_context_masks_what_the_role_may_not_see(gql: Gql) -> None:
    question = "Who do we escalate an Acme Gold outage to?"
    viewer = gql.as_key("k-viewer")(QUERY, q=question, k=3)["groundedContext"]
    served = str(viewer)
    assert "mei.chen@northwind.example" not in served and "[REDACTED]" in served
    admin = gql(QUERY, q=question, k=3)["groundedContext"]
    assert "mei.chen@northwind.example" in admin["passages"][0]["text"]


def test_an_empty_question_is_invalid_input(gql: Gql) -> None:
    assert gql.error(QUERY, q="  ", k=3)["extensions"]["code"] == "INVALID_INPUT"
    assert gql.error(QUERY, q="x", k=500)["extensions"]["code"] == "INVALID_INPUT"
