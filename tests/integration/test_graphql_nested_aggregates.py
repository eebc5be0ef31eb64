"""Aggregates under a node (``customer { contractsAggregate { … } }``) over a small known
world, through a real HTTP client against the running app and the real Neo4j.

Neo4j refuses an aggregating function inside a projection that also reads the enclosing
node, so these compile differently from root aggregates; the numbers must not differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from semgraph.config import Settings
from tests.integration.graphql_harness import Gql, build_app, running, wipe
from tests.integration.test_graphql_reads import RunCounter

# Acme: three contracts (two active), four invoices between them; Bolt: one contract
# with one invoice; Cyan: nothing, so its aggregates are the empty ones.
WORLD = """
CREATE (acme:Resource:Customer {id: 'CUS-A', name: 'Acme'}),
       (bolt:Resource:Customer {id: 'CUS-B', name: 'Bolt'}),
       (:Resource:Customer {id: 'CUS-C', name: 'Cyan'}),
       (a1:Resource:Contract {id: 'CON-A1', status: 'active', totalValue: 100.0,
                              startDate: date('2025-01-01')})-[:customer]->(acme),
       (a2:Resource:Contract {id: 'CON-A2', status: 'active', totalValue: 50.5,
                              startDate: date('2025-06-01')})-[:customer]->(acme),
       (:Resource:Contract {id: 'CON-A3', status: 'draft', totalValue: 20.0,
                            startDate: date('2026-02-01')})-[:customer]->(acme),
       (b1:Resource:Contract {id: 'CON-B1', status: 'active', totalValue: 7.0,
                              startDate: date('2024-03-15')})-[:customer]->(bolt),
       (:Resource:Invoice {id: 'INV-1', status: 'paid', amount: 10.0,
                           dueDate: date('2025-02-01')})-[:invoices]->(a1),
       (:Resource:Invoice {id: 'INV-2', status: 'issued', amount: 30.0,
                           dueDate: date('2025-03-01')})-[:invoices]->(a1),
       (:Resource:Invoice {id: 'INV-3', status: 'paid', amount: 5.0,
                           dueDate: date('2025-07-01')})-[:invoices]->(a2),
       (:Resource:Invoice {id: 'INV-4', status: 'paid', amount: 2.0,
                           dueDate: date('2024-04-15')})-[:invoices]->(b1)
"""

EMPTY_NUMBERS = {"min": None, "max": None, "sum": 0, "avg": None}


@pytest.fixture(scope="module")
def world(driver: neo4j.Driver, settings: Settings) -> Iterator[neo4j.Driver]:
    wipe(driver, settings)
    driver.execute_query(WORLD, database_=settings.neo4j_database)
    yield driver
    wipe(driver, settings)  # modules that expect the demo graph reload it


@pytest.fixture(scope="module")
def gql(world: neo4j.Driver, settings: Settings) -> Iterator[Gql]:
    with running(build_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield Gql(client)


def by_id(edges: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["node"]["id"]: e["node"] for e in edges}


def test_an_aggregate_under_each_node_of_a_page_covers_that_nodes_relations(gql: Gql) -> None:
    data = gql("""{ customers(first: 5) { edges { node { id name contractsAggregate {
        count totalValue { min max sum avg } startDate { min max } } } } } }""")
    nodes = by_id(data["customers"]["edges"])
    acme = nodes["CUS-A"]["contractsAggregate"]
    assert acme["count"] == 3
    assert acme["totalValue"] == {
        "min": 20.0, "max": 100.0, "sum": 170.5, "avg": pytest.approx(170.5 / 3)
    }  # fmt: skip
    assert acme["startDate"] == {"min": "2025-01-01", "max": "2026-02-01"}
    bolt = nodes["CUS-B"]["contractsAggregate"]
    assert bolt == {
        "count": 1,
        "totalValue": {"min": 7.0, "max": 7.0, "sum": 7.0, "avg": 7.0},
        "startDate": {"min": "2024-03-15", "max": "2024-03-15"},
    }
    assert nodes["CUS-C"]["contractsAggregate"] == {
        "count": 0, "totalValue": EMPTY_NUMBERS, "startDate": {"min": None, "max": None}
    }  # fmt: skip


def test_filtered_and_aliased_aggregates_under_a_lookup_by_id(gql: Gql) -> None:
    acme = gql("""{ customer(id: "CUS-A") {
        all: contractsAggregate { count }
        active: contractsAggregate(where: {status: {eq: "active"}}) { count totalValue { sum } }
        billed: contractsAggregate(where: {invoices: {some: {status: {eq: "issued"}}}}) { count }
        none: contractsAggregate(where: {status: {in: ["expired"]}}) { count totalValue { max } }
    } }""")["customer"]
    assert acme["all"] == {"count": 3}
    assert acme["active"] == {"count": 2, "totalValue": {"sum": 150.5}}
    assert acme["billed"] == {"count": 1}
    assert acme["none"] == {"count": 0, "totalValue": {"max": None}}


def test_aggregates_two_levels_down_through_every_kind_of_relation(gql: Gql) -> None:
    invoices = "invoicesAggregate { count amount { sum max } dueDate { min } }"
    paid = 'paid: invoicesAggregate(where: {status: {eq: "paid"}}) { count amount { sum } }'
    data = gql(f"""{{
      customers(first: 5, sort: [{{name: ASC}}]) {{ edges {{ node {{ id
        contracts(sort: [{{id: ASC}}]) {{ id {invoices} {paid} }}
        active: contracts(where: {{status: {{eq: "active"}}}}) {{ id {paid} }}
        contractsConnection(first: 1, sort: [{{id: ASC}}]) {{
          edges {{ node {{ id {invoices} }} }} }}
      }} }} }}
      contract(id: "CON-A2") {{ customer {{ contractsAggregate {{ count }} }} }}
    }}""")
    acme = by_id(data["customers"]["edges"])["CUS-A"]
    assert [(c["id"], c["invoicesAggregate"], c["paid"]) for c in acme["contracts"]] == [
        (
            "CON-A1",
            {"count": 2, "amount": {"sum": 40.0, "max": 30.0}, "dueDate": {"min": "2025-02-01"}},
            {"count": 1, "amount": {"sum": 10.0}},
        ),
        (
            "CON-A2",
            {"count": 1, "amount": {"sum": 5.0, "max": 5.0}, "dueDate": {"min": "2025-07-01"}},
            {"count": 1, "amount": {"sum": 5.0}},
        ),
        (
            "CON-A3",
            {"count": 0, "amount": {"sum": 0, "max": None}, "dueDate": {"min": None}},
            {"count": 0, "amount": {"sum": 0}},
        ),
    ]
    assert {c["id"]: c["paid"]["count"] for c in acme["active"]} == {"CON-A1": 1, "CON-A2": 1}
    [first] = acme["contractsConnection"]["edges"]
    assert first["node"]["id"] == "CON-A1" and first["node"]["invoicesAggregate"]["count"] == 2
    assert data["contract"]["customer"]["contractsAggregate"] == {"count": 3}


def test_root_and_nested_aggregates_share_the_one_statement(
    gql: Gql, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = RunCounter(monkeypatch)
    data = gql("""{
      contractsAggregate(where: {status: {eq: "active"}}) { count totalValue { sum } }
      invoicesAggregate { count amount { sum } dueDate { max } }
      customer(id: "CUS-B") { contractsAggregate { count } }
    }""")
    assert data["contractsAggregate"] == {"count": 3, "totalValue": {"sum": 157.5}}
    assert data["invoicesAggregate"] == {
        "count": 4, "amount": {"sum": 47.0}, "dueDate": {"max": "2025-07-01"}
    }  # fmt: skip
    assert data["customer"]["contractsAggregate"] == {"count": 1}
    assert len(counter.statements) == 1, counter.statements


def test_a_masked_field_cannot_be_aggregated_under_a_node_either(gql: Gql) -> None:
    viewer = gql.as_key("k-viewer")  # totalValue is masked for viewers
    assert viewer('{ customer(id: "CUS-A") { contractsAggregate { count } } }') == {
        "customer": {"contractsAggregate": {"count": 3}}
    }
    error = viewer.error('{ customer(id: "CUS-A") { contractsAggregate { totalValue { sum } } } }')
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "Contract.totalValue" in error["message"]


NESTED_AGGREGATE_QUERIES = [
    """{ customers(first: 5, sort: [{name: DESC}]) { totalCount edges { node { id
        contractsAggregate { count startDate { min max } }
        contracts { id invoicesAggregate(where: {status: {eq: "paid"}}) {
          count amount { min max sum avg } } } } } } }""",
    """{ customer(id: "CUS-A") { name
        contractsAggregate(where: {status: {eq: "active"}}) { count totalValue { sum avg } } } }""",
    '{ customer(id: "CUS-C") { contractsAggregate { count totalValue { min sum } } } }',
    '{ contract(id: "CON-A1") { customer { contractsAggregate { count } } } }',
]


@pytest.mark.parametrize("key", ["k-admin", "k-viewer"])
def test_direct_answers_equal_the_per_field_executor(
    gql: Gql, settings: Settings, key: str
) -> None:
    with (
        running(build_app(settings, direct_reads=False)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        executor = Gql(client, key)
        for query in NESTED_AGGREGATE_QUERIES:
            direct = gql.as_key(key).raw(query)
            expected = executor.raw(query)
            assert direct.status_code == expected.status_code
            assert direct.json() == expected.json(), query
            if key == "k-admin":
                assert not direct.json().get("errors"), direct.json()
