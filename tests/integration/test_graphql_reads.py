"""GraphQL reads through a real HTTP client against the running app and the real Neo4j."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from semgraph.api.graphql.reads import ReadBatch
from semgraph.config import Settings
from semgraph.demo import load_demo
from semgraph.ontology.model import Ontology
from tests.integration.graphql_harness import Gql, build_app, running


@pytest.fixture(scope="module")
def demo(driver: neo4j.Driver, settings: Settings) -> neo4j.Driver:
    load_demo(driver, Ontology.load(), settings.neo4j_database, 1000, 7, progress=False,
              existing="replace")  # fmt: skip
    return driver


@pytest.fixture(scope="module")
def gql(demo: neo4j.Driver, settings: Settings) -> Iterator[Gql]:
    with running(build_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield Gql(client)


def cypher(driver: neo4j.Driver, query: str, **params: Any) -> Any:
    return driver.execute_query(query, params).records[0][0]


class RunCounter:
    """Counts every statement sent through the Neo4j driver (sync and async, any API)."""

    TARGETS = (
        (neo4j.AsyncSession, "run"),
        (neo4j.Session, "run"),
        (neo4j.AsyncTransaction.__mro__[1], "run"),
        (neo4j.Transaction.__mro__[1], "run"),
    )

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        for cls, name in self.TARGETS:
            original = getattr(cls, name)
            monkeypatch.setattr(cls, name, self._wrap(original))

    def _wrap(self, original: Any) -> Any:
        def counted(this: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            self.statements.append(str(getattr(query, "text", query)))
            return original(this, query, *args, **kwargs)

        return counted


def test_every_concrete_ontology_class_is_a_type_with_its_fields_and_definition(gql: Gql) -> None:
    ontology = Ontology.load()
    data = gql("{ __schema { types { name description fields { name } } } }")
    types = {t["name"]: t for t in data["__schema"]["types"]}
    for cls in ontology.concrete_classes():
        assert cls.name in types, cls.name
        fields = {f["name"] for f in types[cls.name]["fields"]}
        assert set(ontology.datatype_properties(cls.name)) <= fields
        for rel in ontology.object_properties(cls.name):
            assert any(f.startswith(rel) for f in fields), (cls.name, rel)
        assert types[cls.name]["description"]
    contract = {f["name"] for f in types["Contract"]["fields"]}
    assert {"customer", "hasSla", "invoices", "supportTickets", "invoicesConnection"} <= contract
    customer = {f["name"] for f in types["Customer"]["fields"]}
    assert {"contracts", "contractsAggregate", "accountManager"} <= customer  # both directions


def test_lookup_by_id_with_nested_relations_both_ways(gql: Gql, demo: neo4j.Driver) -> None:
    cid = cypher(
        demo, "MATCH (c:Contract)-[:customer]->(:Customer) RETURN c.id ORDER BY c.id LIMIT 1"
    )
    data = gql(
        "query($id: ID!) { contract(id: $id) { id startDate customer { id contracts { id } } } }",
        id=cid,
    )
    contract = data["contract"]
    assert contract["id"] == cid and len(contract["startDate"]) == 10
    assert cid in {c["id"] for c in contract["customer"]["contracts"]}


def test_filters_sorting_and_cursor_pages(gql: Gql, demo: neo4j.Driver) -> None:
    expected = cypher(demo, "MATCH (c:Contract {status: 'active'}) RETURN count(c)")
    query = """query($after: String) { contracts(where: {status: {eq: "active"}},
        sort: [{startDate: DESC}], first: 7, after: $after) {
        totalCount edges { cursor node { id startDate } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[dict[str, str]] = []
    after = None
    while True:
        page = gql(query, after=after)["contracts"]
        assert page["totalCount"] == expected
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == expected == len({n["id"] for n in seen})
    dates = [n["startDate"] for n in seen]
    assert dates == sorted(dates, reverse=True)


def test_in_contains_range_and_relationship_filters(gql: Gql, demo: neo4j.Driver) -> None:
    want = cypher(
        demo,
        "MATCH (c:Contract)-[:customer]->(u:Customer) WHERE c.status IN ['active','draft'] "
        "AND c.startDate >= date('2025-01-01') AND u.segment = 'enterprise' RETURN count(c)",
    )
    data = gql("""{ contracts(where: {status: {in: ["active", "draft"]},
        startDate: {gte: "2025-01-01"}, customer: {segment: {eq: "enterprise"}}})
        { totalCount } }""")
    assert data["contracts"]["totalCount"] == want
    name = cypher(demo, "MATCH (u:Customer) RETURN u.name ORDER BY u.id LIMIT 1")
    found = gql(
        "query($s: String) { customers(where: {name: {contains: $s}}) "
        "{ edges { node { name } } } }",
        s=name[2:8],
    )
    assert name in {e["node"]["name"] for e in found["customers"]["edges"]}
    with_tickets = gql(
        '{ customers(where: {supportTickets: {some: {priority: {eq: "high"}}}}) { totalCount } }'
    )
    assert with_tickets["customers"]["totalCount"] == cypher(
        demo,
        "MATCH (u:Customer) WHERE EXISTS { (u)<-[:customer]-(:SupportTicket {priority: 'high'}) }"
        " RETURN count(u)",
    )


def test_aggregations_match_cypher(gql: Gql, demo: neo4j.Driver) -> None:
    row = demo.execute_query(
        "MATCH (c:Contract {status: 'active'}) RETURN count(c) AS n, sum(c.totalValue) AS s, "
        "max(c.totalValue) AS mx, toString(min(c.startDate)) AS d"
    ).records[0]
    agg = gql("""{ contractsAggregate(where: {status: {eq: "active"}}) {
        count totalValue { sum max avg } startDate { min } } }""")["contractsAggregate"]
    assert agg["count"] == row["n"]
    assert agg["totalValue"]["sum"] == pytest.approx(row["s"])
    assert agg["totalValue"]["max"] == pytest.approx(row["mx"])
    assert agg["startDate"]["min"] == row["d"]


def test_a_read_request_is_one_cypher_statement(
    gql: Gql, demo: neo4j.Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = RunCounter(monkeypatch)
    data = gql("""{
      customers(first: 5, sort: [{name: ASC}]) { totalCount edges { node { id name
        contracts { id hasSla { tier hasServiceCredit { id } } invoicesConnection { totalCount }
          invoicesAggregate { count amount { sum } } }
        contractsAggregate(where: {status: {eq: "active"}}) { count startDate { min } }
        accountManager { name manager { name } } } } }
      contractsAggregate { count }
      legalEntities(first: 2) { edges { node { name financeLead { name } } } }
    }""")
    assert len(data["customers"]["edges"]) == 5
    assert len(counter.statements) == 1, counter.statements
    assert "$" in counter.statements[0]  # values are parameters


def test_unknown_id_is_not_found(gql: Gql) -> None:
    error = gql.error('{ customer(id: "CUS-NOPE") { id } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "CUS-NOPE" in error["message"]


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ('{startDate: {gte: "31/12/2025"}}', "INVALID_FILTER"),
        ('{status: {eq: "actve"}}', "INVALID_FILTER"),
        ('{staus: {eq: "active"}}', "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_invalid_filters_get_a_code_and_a_useful_message(gql: Gql, where: str, code: str) -> None:
    response = gql.raw(f"{{ contracts(where: {where}) {{ totalCount }} }}")
    assert response.status_code in (200, 400)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    if "actve" in where:
        assert "active" in error["extensions"]["hint"]


def test_a_bad_filter_in_the_second_root_field_fails_only_that_field(gql: Gql) -> None:
    body = gql.raw(
        "{ ok: contracts(first: 2) { totalCount } "
        'bad: contracts(where: {status: {eq: "actve"}}) { totalCount } }'
    ).json()
    assert body["data"]["ok"]["totalCount"] > 0, "the good field still answers"
    assert body["data"]["bad"] is None
    (error,) = body["errors"]
    assert error["path"] == ["bad"] and error["extensions"]["code"] == "INVALID_FILTER"


def test_entities_expose_the_version_that_expected_version_checks(gql: Gql) -> None:
    edges = gql("{ customers(first: 1) { edges { node { id version } } } }")["customers"]["edges"]
    node = edges[0]["node"]
    assert node["version"] == 0, "a bulk-loaded entity is at version 0"
    operation = {"op": "UPDATE", "class": "Customer", "id": node["id"], "expectedVersion": 0}
    change = {"operations": [{**operation, "properties": {"phone": "+00-12345"}}]}
    apply = "mutation($c: ChangeInput!) { applyChange(change: $c) { committed } }"
    assert gql(apply, c=change)["applyChange"]["committed"] is True
    again = gql("query($id: ID!) { customer(id: $id) { version } }", id=node["id"])
    assert again["customer"]["version"] == 1
    stale = gql.error(apply, c=change)
    assert stale["extensions"]["code"] == "CONFLICT" and "version 1" in stale["message"]


def test_oversized_page_is_refused(gql: Gql) -> None:
    error = gql.error("{ contracts(first: 100000) { totalCount } }")
    assert error["extensions"]["code"] == "PAGE_TOO_LARGE"
    assert "500" in error["message"]


def test_foreign_cursor_is_invalid_input(gql: Gql) -> None:
    error = gql.error('{ contracts(first: 2, after: "bm90LWEtY3Vyc29y") { totalCount } }')
    assert error["extensions"]["code"] == "INVALID_INPUT"


# Responses built straight from the Cypher result (``direct_reads``) must be exactly what
# the per-field executor returns: same data, same errors, same masking.
SAME_ANSWER_QUERIES = [
    (
        "query($id: ID!) { contract(id: $id) { __typename id startDate totalValue "
        "customer { id name rating } hasSla { tier } } }",
        {},
    ),
    (
        """query($after: String, $s: [ContractSort!]) { __typename
        page: contracts(where: {status: {in: ["active", "draft"]}}, sort: $s, first: 3,
                        after: $after) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { ...C id } } }
        contractsAggregate { count totalValue { min max sum avg } startDate { min max } } }
      fragment C on Contract { contractNumber currency endDate status }""",
        {"after": "b2Zmc2V0OjI=", "s": [{"startDate": "DESC"}, {"id": "ASC"}]},
    ),
    (
        """query($deep: Boolean!) { customers(first: 4, sort: [{name: ASC}]) { edges { node {
        id name maskedFields rating creditLimit email
        a: contracts(first: 2, sort: [{id: ASC}]) { id }
        b: contracts(where: {status: {eq: "active"}}) { id status @include(if: $deep) }
        contractsConnection(first: 1) { totalCount edges { node { id } } }
        accountManager @skip(if: $deep) { name } } } } }""",
        {"deep": True},
    ),
    (
        """{ customers(first: 3, sort: [{name: ASC}]) { edges { node { id
        contractsAggregate(where: {status: {eq: "active"}}) { count startDate { min max } }
        contracts(first: 2, sort: [{id: ASC}]) { id invoicesAggregate { count amount { sum avg } } }
        } } } }""",
        {},
    ),
]


@pytest.mark.parametrize("key", ["k-admin", "k-viewer"])
def test_direct_answers_equal_the_per_field_executor(
    gql: Gql, demo: neo4j.Driver, settings: Settings, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = cypher(demo, "MATCH (c:Contract)-[:hasSla]->() RETURN c.id ORDER BY c.id LIMIT 1")
    queries = [(q, {**v, "id": cid} if "$id" in q else v) for q, v in SAME_ANSWER_QUERIES]
    queries += [
        ('{ customer(id: "CUS-NOPE") { id } }', {}),  # NOT_FOUND
        ("{ contracts(first: 9999) { totalCount } }", {}),  # PAGE_TOO_LARGE
        ('{ contracts(where: {status: {eq: "actve"}}) { totalCount } }', {}),  # INVALID_FILTER
    ]
    app = build_app(settings, direct_reads=False)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        executor = Gql(client, key)
        for query, variables in queries:
            for _ in range(2):  # the second time from the cached document
                direct = gql.as_key(key).raw(query, variables)
                expected = executor.raw(query, variables)
                assert direct.status_code == expected.status_code
                assert direct.json() == expected.json(), query
    executor_reads: list[str] = []  # root fields resolved by the per-field executor
    column = ReadBatch.column

    async def counted(self: ReadBatch, info: Any) -> Any:
        executor_reads.append(info.field_name)
        return await column(self, info)

    monkeypatch.setattr(ReadBatch, "column", counted)
    assert gql.as_key(key)(queries[0][0], id=cid)["contract"]["id"] == cid
    assert executor_reads == []  # answered directly


def test_the_same_document_answers_each_request_with_its_own_variables(gql: Gql) -> None:
    query = "query($id: ID!) { customer(id: $id) { id } }"
    ids = [e["node"]["id"] for e in gql("{ customers(first: 3) { edges { node { id } } } }")
           ["customers"]["edges"]]  # fmt: skip
    assert [gql(query, id=i)["customer"]["id"] for i in ids * 2] == ids * 2
    for _ in range(2):  # a failing document is validated (and refused) every time
        assert gql.error("{ customer { id } }")["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
