"""Customer master data: the same company in CRM and ERP becomes one customer, through
the one door, and an unmerge puts back exactly what was there (real Neo4j)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import neo4j

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.master_data.outcomes import Caller
from semgraph.sync.service import SyncService
from tests.integration.test_sync import write_csv

# The same two companies as CRM and SAP write them: other legal form, case, punctuation,
# address format, phone format, tax id spacing (so the sync's exact tax-id key does not
# join them), plus a near miss: another Acme Logistics up the same street, other postcode.
ACCOUNTS = [
    {"Id": "001A01", "Name": "Hamburger Hafen Logistik GmbH", "Status__c": "Active",
     "BillingCountryCode": "DE", "BillingStreet": "Hauptstraße 12", "BillingPostalCode": "20095",
     "BillingCity": "Hamburg", "Phone": "+49 40 1234567", "Email__c": "info@hhl-hamburg.de",
     "Tax_ID__c": "DE123456789"},
    {"Id": "001A02", "Name": "上海浦东发展科技有限公司", "Status__c": "Active",
     "BillingCountryCode": "CN", "BillingStreet": "上海市浦东新区世纪大道100号",
     "BillingPostalCode": "200120", "BillingCity": "上海", "Phone": "+86 21 5888 1234",
     "Email__c": "sales@pdfz-tech.cn", "Tax_ID__c": "91310115MA1K3YJ12X"},
    {"Id": "001A03", "Name": "Acme Logistics Inc.", "Status__c": "Active",
     "BillingCountryCode": "US", "BillingStreet": "400 Lake Shore Drive",
     "BillingPostalCode": "60611", "BillingCity": "Chicago", "Phone": "",
     "Email__c": "", "Tax_ID__c": ""},
]  # fmt: skip
KNA1 = [
    {"KUNNR": "0000200001", "NAME1": "HAMBURGER HAFEN-LOGISTIK GESELLSCHAFT MBH", "LAND1": "DE",
     "STRAS": "Hauptstr. 12", "PSTLZ": "20095", "ORT01": "HAMBURG", "TELF1": "040-1234567",
     "SMTP_ADDR": "", "STCD1": "DE 123 456 789", "SPERR": "", "KLIMK": ""},
    {"KUNNR": "0000200002", "NAME1": "浦东发展科技（上海）有限公司", "LAND1": "CN",
     "STRAS": "世纪大道100号", "PSTLZ": "200120", "ORT01": "上海", "TELF1": "021-58881234",
     "SMTP_ADDR": "", "STCD1": "91310115 MA1K3YJ12X", "SPERR": "", "KLIMK": ""},
    {"KUNNR": "0000200003", "NAME1": "ACME LOGISTICS LLC", "LAND1": "US",
     "STRAS": "1200 Lake Shore Drive", "PSTLZ": "60610", "ORT01": "CHICAGO", "TELF1": "",
     "SMTP_ADDR": "", "STCD1": "", "SPERR": "", "KLIMK": ""},
]  # fmt: skip
VBAK = [
    {"VBELN": "0090000001", "KUNNR": "0000200001", "NETWR": "1200.00", "WAERK": "EUR",
     "AUDAT": "20261101", "GBSTK": "A"},
]  # fmt: skip


def sync_both(
    container: Container, tmp_path: Path, *, incremental: bool, kna1: list[dict[str, Any]] = KNA1
) -> SyncService:
    sync = container.sync()
    if not incremental:
        sync.after_commit = None
    sync.run("CRM", "Account", [write_csv(tmp_path / "accounts.csv", ACCOUNTS)])
    sync.run("ERP", "KNA1", [write_csv(tmp_path / "kna1.csv", kna1)])
    sync.run("ERP", "VBAK", [write_csv(tmp_path / "vbak.csv", VBAK)])
    return sync


def rows(driver: neo4j.Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in driver.execute_query(query, params).records]


def customers(driver: neo4j.Driver) -> dict[str, list[str]]:
    found = rows(
        driver,
        """MATCH (c:Customer) OPTIONAL MATCH (c)-[:hasSystemRecord]->(r)
           RETURN c.id AS id, collect(r.sourceSystem + ':' + r.externalId) AS records""",
    )
    return {r["id"]: sorted(r["records"]) for r in found}


def graph_state(driver: neo4j.Driver) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Every entity's properties as stored (but ``version`` and ``updatedAt``, which every
    write moves forward), and every relationship between entities."""
    nodes = rows(driver, "MATCH (n:Resource) RETURN n.iri AS iri, properties(n) AS props")
    state = {}
    for n in nodes:
        props = {k: v for k, v in n["props"].items() if k not in {"version", "updatedAt"}}
        state[n["iri"]] = json.dumps(props, sort_keys=True, default=repr, ensure_ascii=False)
    edges = rows(
        driver,
        "MATCH (a:Resource)-[r]->(b:Resource) RETURN a.iri AS a, type(r) AS t, b.iri AS b",
    )
    return state, sorted((e["a"], e["t"], e["b"]) for e in edges)


def test_crm_and_erp_records_of_one_company_merge_into_one_customer_as_they_sync(
    container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    sync_both(container, tmp_path, incremental=True)
    found = customers(empty_db)
    assert found["CUS-CRM-001A01"] == ["CRM:001A01", "ERP:0000200001"]
    assert found["CUS-CRM-001A02"] == ["CRM:001A02", "ERP:0000200002"], "the Chinese pair"
    assert "CUS-ERP-0000200001" not in found and "CUS-ERP-0000200002" not in found
    golden = rows(
        empty_db,
        "MATCH (c:Customer {id: 'CUS-CRM-001A01'}) RETURN c.name AS name, c.street AS street, "
        "c.taxId AS tax",
    )[0]
    assert golden["name"] == "Hamburger Hafen Logistik GmbH", "CRM is the system of record"
    assert golden["street"] == "Hauptstr. 12", "master_data.yaml: ERP wins the address"
    assert golden["tax"] == "DE 123 456 789", "master_data.yaml: ERP wins the tax id"
    order = rows(empty_db, "MATCH (o:SalesOrder)-[:customer]->(c:Customer) RETURN c.id AS customer")
    assert order == [{"customer": "CUS-CRM-001A01"}], "the ERP order follows the merge"
    event = rows(
        empty_db,
        """MATCH (e:ChangeEvent)-[:MERGE_DECISION]->(m:MergeRecord {absorbed: 'CUS-ERP-0000200001'})
           RETURN e.reason AS reason, e.actor AS actor, m.score AS score, m.evidence AS evidence""",
    )[0]
    assert event["score"] >= container.master_data.decisions.auto_merge
    assert "score" in event["reason"] and "taxId" in event["reason"]
    evidence = json.loads(event["evidence"])
    assert evidence["taxId"]["left"] == evidence["taxId"]["right"] == "123456789"
    assert event["actor"] == "master-data:sync"


def test_records_synced_one_per_batch_are_matched_in_groups_before_the_run_returns(
    container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    sync = container.sync(batch_size=1)
    sync.match_group = 2
    match = sync.after_commit
    assert match is not None
    handed: list[list[str]] = []

    def recording(cls: str, iris: list[str], role: str) -> None:
        handed.append(iris)
        match(cls, iris, role)

    sync.after_commit = recording
    sync.run("CRM", "Account", [write_csv(tmp_path / "accounts.csv", ACCOUNTS)])
    sync.run("ERP", "KNA1", [write_csv(tmp_path / "kna1.csv", KNA1)])
    # three batches of one per file: a group of two, then the rest as the run ends
    assert [len(iris) for iris in handed] == [2, 1, 2, 1]
    erp = [container.ontology.entity_iri("Customer", f"CUS-ERP-000020000{i}") for i in (1, 2, 3)]
    assert handed[2:] == [erp[:2], erp[2:]]
    found = customers(empty_db)
    assert found["CUS-CRM-001A01"] == ["CRM:001A01", "ERP:0000200001"]
    assert found["CUS-CRM-001A02"] == ["CRM:001A02", "ERP:0000200002"]
    assert "CUS-ERP-0000200001" not in found and "CUS-ERP-0000200002" not in found


def test_a_near_miss_goes_to_review_not_merge(
    container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    sync_both(container, tmp_path, incremental=True)
    found = customers(empty_db)
    assert found["CUS-CRM-001A03"] == ["CRM:001A03"]
    assert found["CUS-ERP-0000200003"] == ["ERP:0000200003"]
    queue = container.master_data.candidates()
    assert [(c.left, c.right) for c in queue] == [("CUS-CRM-001A03", "CUS-ERP-0000200003")]
    near = queue[0]
    decisions = container.master_data.decisions
    assert decisions.review <= near.score < decisions.auto_merge
    assert near.evidence["name"]["left"] == near.evidence["name"]["right"] == "acme logistics"
    masked = container.master_data.mask_evidence(
        {"taxId": {"left": "X", "right": "Y", "level": "exact"}}, ["viewer"]
    )
    assert masked["taxId"]["left"] == "***"
    assert container.master_data.stats()["reviewQueue"] == 1
    container.master_data.reject(near.key, Caller(actor="anna"))
    assert container.master_data.candidates() == []
    report = container.master_data.match()
    assert report.merged == [] and "CUS-ERP-0000200003" in customers(empty_db)


def test_unmerge_restores_the_graph_exactly(
    container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    sync_both(container, tmp_path, incremental=False)
    before = graph_state(empty_db)
    assert len(customers(empty_db)) == 6, "without matching every record is its own customer"
    report = container.master_data.match()
    assert sorted(m.absorbed for m in report.merged) == ["CUS-ERP-0000200001", "CUS-ERP-0000200002"]
    merged = graph_state(empty_db)
    assert merged != before
    for outcome in report.merged:
        undone = container.master_data.unmerge(change_id=outcome.change_id)
        assert undone.skipped == []
    assert graph_state(empty_db) == before
    again = container.master_data.match()
    assert again.merged == [], "an unmerged pair is not merged automatically again"


def test_a_merged_customer_active_in_crm_and_blocked_in_erp_raises_the_alert(
    container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    blocked = [dict(KNA1[0], SPERR="X"), *KNA1[1:]]
    sync_both(container, tmp_path, incremental=False, kna1=blocked)
    rule = "CustomerActiveInCrmBlockedInErp"
    assert not [a for a in container.alerts.store.list() if rule in a.rule_iri]
    outcome = container.master_data.merge("CUS-CRM-001A01", "CUS-ERP-0000200001")
    assert outcome.survivor == "CUS-CRM-001A01" and rule in outcome.warnings
    alerts = [a for a in container.alerts.store.list() if rule in a.rule_iri]
    assert len(alerts) == 1
    assert "0000200001" in alerts[0].message_en and "001A01" in alerts[0].message_en


CANDIDATES = """query($s: String) { duplicateCandidates(status: $s) {
  key entityType left right score status evidence } }"""
MERGE = """mutation($l: String!, $r: String!) { mergeEntities(left: $l, right: $r) {
  changeId survivor absorbed score warnings } }"""
UNMERGE = """mutation($c: String) { unmergeEntity(changeId: $c) { changeId survivor absorbed
  skipped } }"""


def test_graphql_review_queue_is_masked_by_role_and_merges_need_the_right_to_merge(
    container: Container, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    import httpx

    from tests.integration.graphql_harness import Gql, build_app, running

    sync_both(container, tmp_path, incremental=False)
    before = graph_state(empty_db)
    container.master_data.match(merge=False)  # every pair to the queue, none merged
    with running(build_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        admin, viewer = Gql(client, "k-admin"), Gql(client, "k-viewer")
        seen = {c["left"]: c for c in admin(CANDIDATES)["duplicateCandidates"]}
        hhl = seen["CUS-CRM-001A01"]
        assert hhl["right"] == "CUS-ERP-0000200001" and hhl["score"] > 0.99
        assert hhl["evidence"]["taxId"]["left"] == "123456789"
        masked = {c["left"]: c for c in viewer(CANDIDATES)["duplicateCandidates"]}
        assert masked["CUS-CRM-001A01"]["evidence"]["taxId"]["left"] == "***"
        assert masked["CUS-CRM-001A01"]["evidence"]["phone"]["right"] == "***"
        assert masked["CUS-CRM-001A01"]["evidence"]["name"]["left"] == "hamburger hafen logistik"
        refused = viewer.error(MERGE, l="CUS-CRM-001A01", r="CUS-ERP-0000200001")
        assert refused["extensions"]["code"] == "FORBIDDEN"
        merged = admin(MERGE, l="CUS-ERP-0000200001", r="CUS-CRM-001A01")["mergeEntities"]
        assert (merged["survivor"], merged["absorbed"]) == ("CUS-CRM-001A01", "CUS-ERP-0000200001")
        assert customers(empty_db)["CUS-CRM-001A01"] == ["CRM:001A01", "ERP:0000200001"]
        undone = admin(UNMERGE, c=merged["changeId"])["unmergeEntity"]
        assert undone["skipped"] == []
        again = admin.error(UNMERGE, c=merged["changeId"])
        assert again["extensions"]["code"] == "NOT_FOUND"
    assert graph_state(empty_db) == before


def test_cli_match_review_and_unmerge(
    container: Container, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.integration.test_sync import child_env

    sync_both(container, tmp_path, incremental=False)

    def cli(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "semgraph.cli.main", "master-data", *args],
            env=child_env(settings), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    report = cli("match", "--json")
    assert (report["records"], report["auto_merged"], report["queued_for_review"]) == (6, 2, 1)
    queue = cli("review", "--json")
    assert [(c["left"], c["right"]) for c in queue] == [("CUS-CRM-001A03", "CUS-ERP-0000200003")]
    undone = cli("unmerge", "--absorbed", "CUS-ERP-0000200001")
    assert (undone["survivor"], undone["skipped"]) == ("CUS-CRM-001A01", [])
    assert customers(empty_db)["CUS-ERP-0000200001"] == ["ERP:0000200001"]


HEALTH = """{ dataHealth(class: "Customer") { system
  masterData { reviewQueue autoMerged autoMergedInWindow } } }"""


def test_data_health_and_metrics_count_the_review_queue_and_automatic_merges(
    container: Container, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    import httpx

    from semgraph.api.app import create_app
    from tests.integration.graphql_harness import Gql, api_settings, running
    from tests.integration.test_metrics import scrape

    # Hamburger Hafen (merges) and Acme Logistics (the near miss); no Chinese pair
    sync_both(container, tmp_path, incremental=False, kna1=[KNA1[0], KNA1[2]])
    report = container.master_data.match()
    assert (len(report.merged), report.queued) == (1, 1)
    app = create_app(settings, container, api_settings())
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        gql = Gql(client)
        rows = gql(HEALTH)["dataHealth"]
        samples = scrape(client)
        # a person accepts the near miss: the queue empties; that merge is not automatic
        key = container.master_data.candidates()[0].key
        container.master_data.accept(key, Caller(actor="anna"))
        after = gql(HEALTH)["dataHealth"]
    assert {r["system"] for r in rows} == {"CRM", "ERP"}
    for row in rows:
        assert row["masterData"] == {"reviewQueue": 1, "autoMerged": 1, "autoMergedInWindow": 1}
    customer = frozenset({("class", "Customer")})
    assert samples[("semgraph_master_data_review_queue", customer)] == 1
    assert samples[("semgraph_master_data_auto_merges_total", customer)] == 1
    assert samples[("semgraph_master_data_auto_merges_24h", customer)] == 1
    assert after[0]["masterData"] == {"reviewQueue": 0, "autoMerged": 1, "autoMergedInWindow": 1}
