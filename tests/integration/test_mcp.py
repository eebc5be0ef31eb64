"""The MCP server, driven by the MCP SDK's own client against the real service (uvicorn
over a contract world in the real Neo4j, a real RAG index): tools run as the caller,
with GraphQL's masking and rules; a client without credentials is refused."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from semgraph.config import Settings
from semgraph.rag.documents import load_corpus
from semgraph.rag.embeddings import Embedder
from semgraph.rag.index_store import IndexStore
from semgraph.rag.indexer import sync_documents
from semgraph.rag.retriever import HybridRetriever
from semgraph.rag.settings import RagSettings
from tests.integration.graphql_harness import PEOPLE_KEYS, ContractApp, contract_app
from tests.integration.test_graphql_changes import big_order

DOC = """---
id: sla-escalation
title: Escalating a Gold SLA outage
type: playbook
language: en
system: crm
updated: 2026-03-01
---
# Escalation

For a Gold SLA outage, escalate to the account lead mei.chen@northwind.example within
four hours; service credits apply after that.
"""
QUESTION = "Who do we escalate a Gold SLA outage to?"


@pytest.fixture(scope="module")
def env(
    tmp_path_factory: pytest.TempPathFactory, driver: neo4j.Driver, settings: Settings
) -> Iterator[ContractApp]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = tmp_path_factory.mktemp("rag")
    (root / "corpus").mkdir()
    (root / "corpus" / "sla-escalation.md").write_text(DOC, encoding="utf-8")
    rag = RagSettings(_env_file=None, corpus_dir=root / "corpus", index_dir=root / "index")  # type: ignore[call-arg]
    store = IndexStore.open(rag.index_dir, Embedder.from_settings(rag), rag)
    sync_documents(store, load_corpus(rag.corpus_dir))
    yield from contract_app(driver, settings, before_serving=_with_retriever(store))
    store.close()


def _with_retriever(store: IndexStore) -> Any:
    def attach(app: Any) -> None:
        app.state.graphql.retriever = HybridRetriever(store)

    return attach


def _client(url: str, key: str | None) -> Client:
    headers = {"X-API-Key": key} if key else {}
    http = create_mcp_http_client(headers=headers)
    return Client(streamable_http_client(url + "/mcp", http_client=http))


def call(url: str, key: str | None, tool: str, **arguments: Any) -> dict[str, Any]:
    """``tool``'s structured result, as ``key``'s holder; AssertionError on a tool error."""

    async def run() -> dict[str, Any]:
        async with _client(url, key) as client:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.content
            assert result.structured_content is not None
            return dict(result.structured_content)

    return asyncio.run(run())


def tool_error(url: str, key: str, tool: str, **arguments: Any) -> str:
    async def run() -> str:
        async with _client(url, key) as client:
            result = await client.call_tool(tool, arguments)
            assert result.is_error, result.structured_content
            return " ".join(getattr(c, "text", "") for c in result.content)

    return asyncio.run(run())


def test_a_viewer_gets_context_with_citations_and_no_masked_value(env: ContractApp) -> None:
    viewer = call(env.url, "k-viewer", "grounded_context", question=QUESTION, k=3)
    assert viewer["passages"][0]["citation"] == 1
    assert viewer["passages"][0]["docId"] == "sla-escalation"
    assert "[1]" in viewer["contextText"]
    assert viewer["evidence"]["sources"][0].startswith("[1] sla-escalation")
    served = json.dumps(viewer)
    assert "mei.chen@northwind.example" not in served and "[REDACTED]" in served
    admin = call(env.url, "k-admin", "grounded_context", question=QUESTION, k=3)
    assert "mei.chen@northwind.example" in admin["passages"][0]["text"]


def test_lookup_masks_fields_and_lists_the_neighbours(env: ContractApp) -> None:
    contract = env.ids["contract"]
    viewer = call(env.url, "k-viewer", "lookup_entity", entity_type="Contract", id=contract)
    assert viewer["class"] == "Contract" and viewer["id"] == contract
    assert viewer["totalValue"] is None and "totalValue" in viewer["maskedFields"]
    linked = [v for v in viewer.values() if isinstance(v, dict | list) and v]
    assert linked, "a contract is linked to its customer, SLA, obligations"
    admin = call(env.url, "k-admin", "lookup_entity", entity_type="Contract", id=contract)
    assert admin["totalValue"] is not None and not admin["maskedFields"]


def test_impact_and_unknown_names(env: ContractApp) -> None:
    impact = call(
        env.url, "k-viewer", "entity_impact", entity_type="ServiceLevelAgreement", id=env.ids["sla"]
    )
    assert {"Contract", "RevenueSchedule"} <= {s["class"] for s in impact["impact"]}
    message = tool_error(env.url, "k-viewer", "lookup_entity", entity_type="Contrct", id="x")
    assert "unknown class `Contrct`" in message and "Contract" in message


def test_an_agents_proposal_returns_the_rule_results_and_writes_nothing(
    env: ContractApp,
) -> None:
    sla = env.ids["sla"]
    change = [
        {
            "op": "update",
            "class": "ServiceLevelAgreement",
            "id": sla,
            "properties": {"serviceCreditPercent": 25},
        }
    ]
    proposal = call(env.url, "k-csm", "propose_change", operations=change, reason="agent")
    assert proposal["committed"] is False and proposal["conforms"] is True
    warnings = [r for r in proposal["results"] if r["severity"] == "Warning"]
    assert any("IFRS 15" in (r["accountingRef"] or "") for r in warnings)
    assert "RevenueSchedule" in {s["class"] for s in proposal["impact"]}
    now = call(env.url, "k-csm", "lookup_entity", entity_type="ServiceLevelAgreement", id=sla)
    assert now["serviceCreditPercent"] == 10.0, "a proposal writes nothing"

    order = big_order(env)
    confirm = [{"op": "update", "class": "SalesOrder", "id": order, "properties": {}}]
    confirm[0]["properties"] = {"status": "confirmed"}
    refused = call(env.url, "k-finance", "propose_change", operations=confirm)
    assert refused["conforms"] is False
    assert any(v["shape"].endswith("big-order-legal-countersign") for v in refused["violations"])
    analyst = tool_error(env.url, "k-analyst", "propose_change", operations=confirm)
    assert "FORBIDDEN" in analyst, "an analyst may not even dry-run a write"


def test_open_alerts_are_the_callers_own(env: ContractApp) -> None:
    sla = env.ids["sla"]
    env.gql.as_key("k-csm")(
        "mutation($c: ChangeInput!) { applyChange(change: $c) { committed } }",
        c={
            "operations": [
                {
                    "op": "UPDATE",
                    "class": "ServiceLevelAgreement",
                    "id": sla,
                    "properties": {"serviceCreditPercent": 30},
                }
            ]
        },
    )
    mine = call(env.url, "k-mei", "open_alerts")["alerts"]
    assert mine and all(a["status"] == "open" for a in mine)
    assert any(a["focusClass"] == "ServiceLevelAgreement" for a in mine)
    assert call(env.url, "k-csm", "open_alerts")["alerts"] == [], "routed to the finance lead"


def test_the_ontology_is_a_resource(env: ContractApp) -> None:
    async def run() -> list[dict[str, Any]]:
        async with _client(env.url, "k-viewer") as client:
            result = await client.read_resource("semgraph://ontology/classes")
            return list(json.loads(getattr(result.contents[0], "text", "[]")))

    classes = {c["class"]: c for c in asyncio.run(run())}
    contract = {f["name"]: f for f in classes["Contract"]["fields"]}
    assert contract["totalValue"]["sensitive"] is True
    assert "Customer" in {r["target"] for r in classes["Contract"]["relations"]}


def _messages(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return " ".join(_messages(e) for e in exc.exceptions)
    return str(exc)


@pytest.mark.parametrize(
    ("key", "why"), [(None, "credentials required"), ("k-nobody", "unknown API key")]
)
def test_a_client_without_valid_credentials_is_refused(
    env: ContractApp, key: str | None, why: str
) -> None:
    async def run() -> None:
        async with _client(env.url, key) as client:
            await client.list_tools()

    with pytest.raises(BaseException) as refused:
        asyncio.run(run())
    assert why in _messages(refused.value)


def test_stdio_runs_as_the_holder_of_its_key(env: ContractApp, settings: Settings) -> None:
    environment = {
        **os.environ,
        "SEMGRAPH_DATA_DIR": str(settings.data_dir),
        "SEMGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "SEMGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
        "SEMGRAPH_API_KEYS": json.dumps(PEOPLE_KEYS),
        "SEMGRAPH_MCP_API_KEY": "k-viewer",
    }
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "semgraph.cli.main", "mcp"], env=environment
    )
    contract = env.ids["contract"]

    async def run() -> dict[str, Any]:
        async with Client(server) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"grounded_context", "propose_change", "open_alerts"} <= names
            result = await client.call_tool(
                "lookup_entity", {"entity_type": "Contract", "id": contract}
            )
            assert result.structured_content is not None, result.content
            return dict(result.structured_content)

    viewer = asyncio.run(run())
    assert viewer["id"] == contract and "totalValue" in viewer["maskedFields"]
