"""Grounded context with the graph: entity cards, graph expansion and masking.

Real model, real FAISS and SQLite, real Neo4j with a small demo graph; changes go through
the container's pipeline, so the card updater is exercised exactly as the app wires it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet, CreateEntity, DeleteEntity, UpdateEntity
from semgraph.config import Settings
from semgraph.demo import load_demo
from semgraph.exceptions import ChangeRefusedError
from semgraph.ontology.model import Ontology
from semgraph.rag.context import grounded_context
from semgraph.rag.documents import load_corpus
from semgraph.rag.embeddings import Embedder
from semgraph.rag.entity_cards import CARD_TYPE, card_id, sync_entity_cards
from semgraph.rag.graph_expansion import Neo4jGraphExpander
from semgraph.rag.graph_queries import display_value
from semgraph.rag.index_store import IndexStore
from semgraph.rag.indexer import sync_documents
from semgraph.rag.masking import redaction_for
from semgraph.rag.redaction import MASK
from semgraph.rag.retriever import HybridRetriever
from semgraph.rag.settings import RagSettings
from semgraph.rag.types import GroundedContext
from tests.integration.world import ctx, fill

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rag"
N = 1_000


@dataclass
class Setup:
    container: Container
    ontology: Ontology
    rag: RagSettings
    embedder: Embedder
    database: str

    def store(self) -> IndexStore:
        """A fresh view of the index (the card updater writes through its own)."""
        return IndexStore.open(self.rag.index_dir, self.embedder, self.rag)

    def ask(self, question: str, role: str | None, k: int = 5) -> GroundedContext:
        expander = Neo4jGraphExpander(
            self.container.driver, self.database, self.ontology, role=role
        )
        store = self.store()
        try:
            return grounded_context(
                question,
                k=k,
                retriever=HybridRetriever(store),
                expander=expander,
                redaction=redaction_for(self.ontology, role),
            )
        finally:
            store.close()

    def one(self, query: str, **params: object) -> dict[str, object]:
        records = self.container.driver.execute_query(
            query, params, database_=self.database
        ).records
        return records[0].data()


@pytest.fixture(scope="module")
def setup(
    driver: neo4j.Driver, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Setup]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    faiss.omp_set_num_threads(1)
    index_dir = tmp_path_factory.mktemp("rag-graph") / "index"
    with pytest.MonkeyPatch.context() as mp:
        # The container reads SEMGRAPH_RAG_* when it builds the card updater.
        mp.setenv("SEMGRAPH_RAG_INDEX_DIR", str(index_dir))
        mp.setenv("SEMGRAPH_RAG_CORPUS_DIR", str(FIXTURES))
        rag = RagSettings(_env_file=None)
        # One settings root: the container's RAG settings are the ones this module uses.
        container = Container(settings.model_copy(update={"rag": rag}))
        db = settings.neo4j_database
        with driver.session(database=db) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
        load_demo(driver, container.ontology, db, N, 11, progress=False)
        container.ensure_schema()
        _ = container.entity_cards  # built while the temp index dir is in the environment
        embedder = Embedder.from_settings(rag)  # the one the service runs
        s = Setup(container, container.ontology, rag, embedder, db)
        store = s.store()
        sync_documents(store, load_corpus(FIXTURES), delete_missing=False)
        sync_entity_cards(driver, container.ontology, store, db)
        store.close()
        yield s
        container.close()


def served_text(context: GroundedContext) -> str:
    """Everything a caller receives, as one string."""
    return context.model_dump_json() + context.context_text


def sensitive_values(s: Setup) -> list[str]:
    """Every sensitive value in the graph, as text (the ontology names the fields)."""
    values: list[str] = []
    for cls in s.ontology.concrete_classes():
        for name in s.ontology.sensitive_properties(cls.name):
            records = s.container.driver.execute_query(
                f"MATCH (n:`{cls.name}`) WHERE n[$p] IS NOT NULL RETURN n[$p] AS v",
                p=name,
                database_=s.database,
            ).records
            values += [display_value(r["v"]) for r in records]
    # Short numbers (e.g. a credit limit of 5000) also occur as ordinary numbers.
    return sorted({v for v in values if len(v) >= 6})


def a_contract(s: Setup) -> dict[str, object]:
    return s.one(
        "MATCH (cu:Customer)<-[:customer]-(c:Contract)-[:hasSla]->(sla:ServiceLevelAgreement) "
        "WHERE cu.taxId IS NOT NULL AND cu.email IS NOT NULL "
        "RETURN c.id AS id, c.iri AS iri, cu.iri AS customer, cu.id AS customer_id, "
        "sla.iri AS sla, sla.id AS sla_id, sla.uptimeTarget AS uptime, "
        "cu.taxId AS tax_id, cu.email AS email ORDER BY c.id LIMIT 1"
    )


def test_a_question_about_a_contract_returns_its_card_and_its_graph_facts(s: Setup) -> None:
    c = a_contract(s)
    context = s.ask(f"What SLA and customer does contract {c['id']} have?", role="analyst")
    card = card_id("Contract", str(c["id"]))
    assert card in [p.doc_id for p in context.passages]
    passage = next(p for p in context.passages if p.doc_id == card)
    assert passage.entities == [c["iri"]]
    facts = [f for f in context.facts if f.entity_iri == c["iri"]]
    assert passage.citation in facts[0].citations
    targets = {f.target_iri for f in facts}
    assert {c["customer"], c["sla"]} <= targets
    assert any(f.predicate == "status" for f in facts)
    assert "Graph facts:" in context.context_text


def test_a_chinese_question_gets_chinese_labels(s: Setup) -> None:
    c = a_contract(s)
    context = s.ask(f"合同 {c['id']} 的服务等级协议是什么？", role="analyst")
    predicates = {f.predicate for f in context.facts if f.entity_iri == c["iri"]}
    assert "状态" in predicates


def test_masked_fields_never_appear_in_what_a_viewer_is_served(s: Setup) -> None:
    secrets = sensitive_values(s)
    c = a_contract(s)
    assert str(c["tax_id"]) in secrets and str(c["email"]) in secrets
    questions = [
        f"What is the tax id and e-mail of customer {c['customer_id']}?",
        f"Who is the contact of contract {c['id']} and what is their phone?",
        f"客户 {c['customer_id']} 的税号和电话是什么？",
        "Which bank account did the last payment come from?",
        "What is the salary of the account manager?",
    ]
    for question in questions:
        context = s.ask(question, role="viewer", k=8)
        text = served_text(context)
        leaked = [v for v in secrets if v in text]
        assert not leaked, (question, leaked[:5])
    context = s.ask(f"What is the tax id of customer {c['customer_id']}?", role="viewer")
    tax = [f for f in context.facts if f.entity_iri == c["customer"] and f.predicate == "tax id"]
    assert [f.value for f in tax] == [MASK]


def test_a_role_allowed_to_see_gets_values_in_facts_but_cards_never_carry_them(
    s: Setup,
) -> None:
    c = a_contract(s)
    context = s.ask(f"What is the tax id of customer {c['customer_id']}?", role="finance_lead")
    values = {f.predicate: f.value for f in context.facts if f.entity_iri == c["customer"]}
    assert values["tax id"] == c["tax_id"]
    assert values["email"] == c["email"]
    assert values["phone"] == MASK  # not visible to finance_lead
    secrets = sensitive_values(s)
    store = s.store()
    try:
        cards = [row.text for row in store.metadata.chunks() if row.doc_type == CARD_TYPE]
    finally:
        store.close()
    assert len(cards) > 50
    assert not [v for v in secrets if any(v in text for text in cards)]


def card_text(s: Setup, doc_id: str) -> str | None:
    store = s.store()
    try:
        if doc_id not in store.documents:
            return None
        return "\n".join(r.text for r in store.metadata.doc_chunks(doc_id))
    finally:
        store.close()


def test_a_committed_sla_change_shows_in_its_card(s: Setup) -> None:
    c = a_contract(s)
    card = card_id("ServiceLevelAgreement", str(c["sla_id"]))
    assert f"uptime target / 可用性目标: {display_value(c['uptime'])}" in (card_text(s, card) or "")
    pipeline = s.container.pipeline
    for target in (99.0, 99.5, 99.9, 99.95, 99.99):
        if target == c["uptime"]:
            continue
        op = UpdateEntity(
            cls="ServiceLevelAgreement", id=str(c["sla_id"]), properties={"uptimeTarget": target}
        )
        try:
            pipeline.apply(pipeline_change(op))
        except ChangeRefusedError:
            continue
        break
    else:
        pytest.fail("no uptimeTarget change was accepted")
    assert s.container.entity_cards.wait_idle(60)
    assert s.container.entity_cards.last_error is None
    text = card_text(s, card) or ""
    assert f"uptime target / 可用性目标: {display_value(target)}" in text
    # The contract's card lists the SLA, so it was re-synced too (and is still there).
    assert card_text(s, card_id("Contract", str(c["id"]))) is not None


def test_creating_and_deleting_a_customer_adds_and_removes_its_card(s: Setup) -> None:
    pipeline = s.container.pipeline
    props = fill(s.ontology, "Customer", {"name": "Zephyr Quartz Holdings"})
    pipeline.apply(pipeline_change(CreateEntity(cls="Customer", id="CUS-TEST-1", properties=props)))
    assert s.container.entity_cards.wait_idle(60)
    card = card_id("Customer", "CUS-TEST-1")
    assert "Zephyr Quartz Holdings" in (card_text(s, card) or "")
    context = s.ask("Zephyr Quartz Holdings", role="viewer", k=3)
    assert context.passages[0].doc_id == card
    pipeline.apply(pipeline_change(DeleteEntity(cls="Customer", id="CUS-TEST-1")))
    assert s.container.entity_cards.wait_idle(60)
    assert s.container.entity_cards.last_error is None
    assert card_text(s, card) is None


def pipeline_change(op: CreateEntity | UpdateEntity | DeleteEntity) -> ChangeSet:
    return ChangeSet(context=ctx(role="admin"), operations=[op])


@pytest.fixture
def s(setup: Setup) -> Setup:
    return setup
